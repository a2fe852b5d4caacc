"""Stored images are served only when what they show may be seen.

A product hidden from the catalogue (unpublished, unpriced, or stopped by a
catalogue filter such as the licence gate) answers 404 for its thumbnails
and its original, exactly like an image that does not exist; staff see
everything, never cached by shared caches. Rendered thumbnails are not
reachable by their storage name.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marquee.merch import models as m
from marquee.merch.extensions import register_catalogue_filter, unregister_catalogue_filter
from tests.graphql.conftest import CatalogueBuilder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _without_licence_gate(settings):
    """Products here declare no licences; hiding by a filter is tested with one below."""
    settings.LICENCE_GATE_ENABLED = False


@pytest.fixture
def catalogue(db):
    return CatalogueBuilder()


@pytest.fixture
def staff_client(client):
    staff = get_user_model().objects.create_user("ops@marquee.example", "pw", is_staff=True)
    client.force_login(staff)
    return client


def thumbnail(product, size=256, fmt="webp"):
    return f"/thumbnail/product-media/{product.media.get().pk}/{size}/{fmt}/"


def original(product):
    return f"/media/{product.media.get().image.name}"


def body(response):
    return b"".join(response.streaming_content)


def test_visible_product_images_are_served_and_cacheable(catalogue, client, settings):
    tee = catalogue.product("Logo Tee")
    for url in (thumbnail(tee), original(tee)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == f"public, max-age={settings.MEDIA_CACHE_SECONDS}"
    assert client.get(original(tee))["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    "hide",
    [
        lambda p: m.ProductChannelListing.objects.filter(product=p).update(is_published=False),
        lambda p: m.ProductVariantChannelListing.objects.filter(variant__product=p).delete(),
        lambda p: m.Channel.objects.update(is_active=False),
    ],
    ids=["unpublished", "unpriced", "channels-inactive"],
)
def test_hidden_product_images_are_not_found(catalogue, client, hide):
    tee = catalogue.product("Logo Tee")
    assert client.get(thumbnail(tee)).status_code == 200  # rendered and stored while visible
    hide(tee)
    assert client.get(thumbnail(tee)).status_code == 404
    assert client.get(thumbnail(tee, fmt="original")).status_code == 404
    assert client.get(original(tee)).status_code == 404


def test_published_in_one_channel_is_enough(catalogue, client):
    tee = catalogue.product("Logo Tee")
    m.ProductChannelListing.objects.filter(product=tee, channel=catalogue.intl).update(
        is_published=False
    )
    assert client.get(thumbnail(tee)).status_code == 200
    assert client.get(original(tee)).status_code == 200


def test_a_catalogue_filter_hides_images_too(catalogue, client):
    tee = catalogue.product("Logo Tee")
    catalogue.product("Other Tee")

    def only_other(queryset, channel, now):
        return queryset.filter(name="Other Tee")

    register_catalogue_filter(only_other, order=500)
    try:
        assert client.get(thumbnail(tee)).status_code == 404
        assert client.get(original(tee)).status_code == 404
    finally:
        unregister_catalogue_filter(only_other)
    assert client.get(thumbnail(tee)).status_code == 200


def test_staff_see_hidden_images_never_cached_by_shared_caches(catalogue, staff_client):
    tee = catalogue.product("Draft Tee", published=False)
    for url in (thumbnail(tee), original(tee)):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store"


def test_rendered_thumbnails_and_unknown_files_are_not_served_by_name(catalogue, client):
    tee = catalogue.product("Logo Tee")
    assert client.get(thumbnail(tee)).status_code == 200
    stored = f"thumbnails/product-media/{tee.media.get().pk}/256.webp"
    assert default_storage.exists(stored)
    assert client.get(f"/media/{stored}").status_code == 404
    assert client.get("/media/products/no-such-file.png").status_code == 404
    assert client.get("/media/../settings.py").status_code == 404


def test_api_urls_of_originals_point_at_the_checked_view(catalogue, gql):
    tee = catalogue.product("Logo Tee")
    data = gql.execute('{ product(slug: "logo-tee", channel: "china") { media { url } } }')["data"][
        "product"
    ]
    assert data["media"][0]["url"] == f"http://testserver{original(tee)}"


def test_image_check_costs_two_statements(catalogue, client, django_assert_num_queries):
    """Active channels, then the image and its visibility in one statement (any channel count)."""
    tee = catalogue.product("Logo Tee")
    m.Channel.objects.create(
        name="Europe", slug="europe", currency_code="EUR", default_country="DE", is_active=True
    )
    small, full = thumbnail(tee), original(tee)
    assert client.get(small).status_code == 200  # render once
    with django_assert_num_queries(2):
        assert client.get(small).status_code == 200
    with django_assert_num_queries(2):
        assert client.get(full).status_code == 200
    m.ProductChannelListing.objects.filter(product=tee).update(is_published=False)
    with CaptureQueriesContext(connection) as hidden:
        assert client.get(small).status_code == 404
    assert len(hidden) == 2


def test_with_s3_the_checked_view_redirects_to_a_short_lived_signed_url(
    catalogue, client, settings
):
    """The bucket can stay private: signed even where AWS_QUERYSTRING_AUTH is off."""
    tee = catalogue.product("Logo Tee")
    full = original(tee)
    settings.AWS_STORAGE_BUCKET_NAME = "marquee-media"
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_S3_ENDPOINT_URL = None
    settings.AWS_QUERYSTRING_AUTH = False
    settings.AWS_ACCESS_KEY_ID = "test-key"
    settings.AWS_SECRET_ACCESS_KEY = "test-secret"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    response = client.get(full)
    assert response.status_code == 302
    location = response["Location"]
    assert "marquee-media" in location and tee.media.get().image.name in location
    assert "Signature=" in location or "X-Amz-Signature=" in location
    m.ProductChannelListing.objects.filter(product=tee).update(is_published=False)
    assert client.get(full).status_code == 404
