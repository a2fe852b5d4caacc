"""Catalogue filters registered by other apps hide products everywhere a buyer looks."""

import pytest
from django.core.exceptions import ValidationError

from marquee.merch import extensions
from marquee.merch.models import ProductChannelListing

pytestmark = pytest.mark.django_db

LIST = '{ products(channel: "china", first: 10) { edges { node { name } } } }'


def test_catalogue_filter_hides_products_from_listings_and_pages(gql, catalogue):
    catalogue.product("Licensed")
    catalogue.product("Unlicensed")

    def only_licensed(queryset, channel, now):
        return queryset.exclude(name="Unlicensed")

    extensions.register_catalogue_filter(only_licensed, order=500)
    try:
        names = [e["node"]["name"] for e in gql.execute(LIST)["data"]["products"]["edges"]]
        assert names == ["Licensed"]
        page = gql.execute(
            '{ product(slug: "unlicensed", channel: "china") { name } }', expect_errors=True
        )
        assert page["errors"][0]["extensions"]["exception"]["code"] == "NOT_FOUND"
    finally:
        extensions.unregister_catalogue_filter(only_licensed)
    assert len(gql.execute(LIST)["data"]["products"]["edges"]) == 2


def test_publication_check_blocks_publishing(catalogue):
    product = catalogue.product("Draft", published=False)
    listing = ProductChannelListing.objects.get(product=product, channel=catalogue.china)

    def needs_licence(candidate):
        return ["No active licence covers this product in this channel."]

    extensions.register_publication_check(needs_licence, order=500)
    try:
        listing.is_published = True
        with pytest.raises(ValidationError) as raised:
            listing.full_clean()
        assert "No active licence" in str(raised.value)
    finally:
        extensions.unregister_publication_check(needs_licence)
    listing.full_clean()
