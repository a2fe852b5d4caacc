"""Cache-Control, ETag / If-None-Match and Vary on the API's answers."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from marquee.accounts.tokens import create_access_token
from marquee.graphql.core.http_cache import cache_control

pytestmark = pytest.mark.django_db

SHOP = "{ shop { name } }"
ME = "{ me { email } }"  # a viewer's own data: never given a cache policy


def policy(shared=True, max_age=30):
    return SimpleNamespace(shared=shared, max_age=max_age)


@pytest.mark.parametrize(
    ("given", "method", "status", "authenticated", "expected"),
    [
        (policy(), "GET", 200, False, "public, max-age=30"),
        (policy(max_age=1), "GET", 200, False, "public, max-age=1"),
        (policy(), "GET", 200, True, "private, max-age=30"),
        (policy(shared=False), "GET", 200, False, "private, max-age=30"),
        (policy(shared=False), "GET", 200, True, "private, max-age=30"),
        (policy(max_age=-5), "GET", 200, False, "public, max-age=0"),
        (None, "GET", 200, False, "no-store"),
        (None, "GET", 200, True, "no-store"),
        (policy(), "POST", 200, False, "no-store"),
        (policy(), "GET", 400, False, "no-store"),
        (policy(), "GET", 405, False, "no-store"),
    ],
)
def test_cache_control_from_the_policy(given, method, status, authenticated, expected):
    assert cache_control(given, method=method, status=status, authenticated=authenticated) == (
        expected
    )


def _vary(response) -> set[str]:
    return {value.strip().lower() for value in response.get("Vary", "").split(",") if value}


def test_an_anonymous_get_without_a_policy_is_no_store_with_an_etag(http):
    response = http.get(ME)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert not response["ETag"].startswith("W/")
    assert {"authorization", "origin"} <= _vary(response)
    assert "cookie" not in _vary(response) and "*" not in _vary(response)
    assert "csrftoken" not in response.cookies  # the API reads no cookie; none is set


def test_if_none_match_is_304_with_no_body_and_the_same_headers(http):
    first = http.get(SHOP)
    etag = first["ETag"]
    again = http.get(SHOP, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == first["Cache-Control"]
    assert _vary(again) == _vary(first)
    # A weak form of the tag and a list holding it match too (RFC 9110 §13.1.2).
    assert http.get(SHOP, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert http.get(SHOP, HTTP_IF_NONE_MATCH="*").status_code == 304
    assert http.get(SHOP, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_a_different_body_has_a_different_etag(http):
    name = http.get(SHOP)
    description = http.get("{ shop { description } }")
    assert name["ETag"] != description["ETag"]
    assert http.get(SHOP)["ETag"] == name["ETag"]  # the same body, the same tag
    response = http.get("{ shop { description } }", HTTP_IF_NONE_MATCH=name["ETag"])
    assert response.status_code == 200


def test_a_changed_answer_is_sent_whole_to_a_client_holding_the_old_tag(http, catalogue):
    query = 'query { products(channel: "china", first: 5) { edges { node { name } } } }'
    catalogue.product("Poster")
    old = http.get(query)["ETag"]
    catalogue.product("Figure")
    response = http.get(query, HTTP_IF_NONE_MATCH=old)
    assert response.status_code == 200
    assert len(response.json()["data"]["products"]["edges"]) == 2


def test_a_post_gets_an_etag_but_never_a_304(http):
    first = http.post({"query": SHOP})
    assert first["Cache-Control"] == "no-store"
    assert first["ETag"]
    again = http.post({"query": SHOP}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again.json() == {"data": {"shop": {"name": "Marquee"}}}


def test_errors_get_no_etag_and_no_store(http):
    response = http.get("{ shop { nonsense } }")
    assert response.status_code == 400
    assert "ETag" not in response
    assert response["Cache-Control"] == "no-store"


def test_a_signed_in_viewers_own_data_is_no_store_and_varies_on_authorization(http):
    user = get_user_model().objects.create_user("fan@example.com", "pw")
    response = http.get(
        "{ me { email } }", HTTP_AUTHORIZATION=f"Bearer {create_access_token(user)}"
    )
    assert response.json() == {"data": {"me": {"email": "fan@example.com"}}}
    assert response["Cache-Control"] == "no-store"
    assert "authorization" in _vary(response)


def test_graphiql_makes_the_answer_vary_on_accept(http, settings):
    settings.GRAPHIQL_ENABLED = True
    assert "accept" in _vary(http.get(SHOP))
    settings.GRAPHIQL_ENABLED = False
    assert "accept" not in _vary(http.get(SHOP))


class SharedForThirtySeconds:
    """Stands in for the response cache: marks every answer shareable for 30 s."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.graphql_cache_policy = policy(shared=True, max_age=30)
        return self.get_response(request)


@pytest.fixture
def shared_policy(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.SharedForThirtySeconds"]


def test_a_shared_answer_is_public_for_anonymous_viewers(http, shared_policy):
    response = http.get(ME)
    assert response["Cache-Control"] == "public, max-age=30"
    not_modified = http.get(ME, HTTP_IF_NONE_MATCH=response["ETag"])
    assert not_modified.status_code == 304
    assert not_modified["Cache-Control"] == "public, max-age=30"


def test_a_shared_answer_is_private_for_a_request_with_authorization(http, shared_policy):
    user = get_user_model().objects.create_user("fan@example.com", "pw")
    signed_in = http.get(ME, HTTP_AUTHORIZATION=f"Bearer {create_access_token(user)}")
    assert signed_in["Cache-Control"] == "private, max-age=30"
    # Even a token that is refused: a CDN must not store what was asked with one.
    refused = http.get(SHOP, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert refused.json() == {"data": {"shop": {"name": "Marquee"}}}
    assert refused["Cache-Control"].startswith("private, max-age=")


def test_a_shared_answer_by_post_or_with_errors_is_still_no_store(http, shared_policy):
    assert http.post({"query": SHOP})["Cache-Control"] == "no-store"
    assert http.get("{ shop { nonsense } }")["Cache-Control"] == "no-store"
