"""What a CDN in front sees for catalogue answers the response cache vouches for."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from .conftest import persisted

pytestmark = pytest.mark.django_db

PRODUCTS = """
query ProductList($channel: String!) {
  products(channel: $channel, first: 10) { edges { node { name slug } } }
}
"""
ME = "query Me { me { email } }"


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_anonymous_catalogue_get_is_public_for_as_long_as_it_is_right(http, catalogue, settings):
    catalogue.product("Tee")
    response = http.get(PRODUCTS, {"channel": "china"}, extensions=persisted(PRODUCTS))
    assert response.status_code == 200
    directives = response.headers["Cache-Control"].split(", ")
    assert directives[0] == "public"
    max_age = int(directives[1].removeprefix("max-age="))
    assert 0 < max_age <= settings.GRAPHQL_RESPONSE_CACHE_SECONDS
    assert "Authorization" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Cache"] == "MISS"

    by_hash = http.get(variables={"channel": "china"}, extensions=persisted(PRODUCTS))
    assert by_hash.content == response.content
    assert by_hash.headers["X-Cache"] == "HIT"
    assert by_hash.headers["ETag"] == response.headers["ETag"]
    not_modified = http.get(
        variables={"channel": "china"},
        extensions=persisted(PRODUCTS),
        HTTP_IF_NONE_MATCH=response.headers["ETag"],
    )
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["Cache-Control"].startswith("public")


def test_a_price_change_changes_the_etag(http, catalogue):
    product = catalogue.product("Tee")
    first = http.get(PRODUCTS, {"channel": "china"})
    product.name = "Tee, second edition"
    product.save()
    second = http.get(PRODUCTS, {"channel": "china"}, HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert second.status_code == 200
    assert b"second edition" in second.content
    assert second.headers["ETag"] != first.headers["ETag"]


def test_a_signed_in_viewer_is_never_public(http, catalogue, fast_passwords):
    catalogue.product("Tee")
    get_user_model().objects.create_user("fan@example.com", "a-long-enough-password-1")
    token = http.post(
        {
            "query": 'mutation { tokenCreate(email: "fan@example.com", '
            'password: "a-long-enough-password-1") { token } }'
        }
    ).json()["data"]["tokenCreate"]["token"]
    response = http.get(PRODUCTS, {"channel": "china"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    me = http.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.json()["data"]["me"]["email"] == "fan@example.com"
    assert me.headers["Cache-Control"] == "no-store"
    assert "X-Cache" not in me.headers


def test_a_hit_by_get_reads_only_the_catalogue_version(http, catalogue, django_assert_num_queries):
    catalogue.product("Tee")
    http.get(PRODUCTS, {"channel": "china"})
    assert connection.vendor == "postgresql"
    with django_assert_num_queries(1):
        assert http.get(PRODUCTS, {"channel": "china"}).status_code == 200
