"""Catalogue prices through the pricing pipeline, one batch per request level.

Resolvers hand `VariantPriceLoader` the listings the catalogue loaders have
already fetched; the loader prices every variant asked for at one level of
the query (a page of 100 products) in one `price_variants` call, so each
price rule's batch hook runs once for the page and the arithmetic costs no
statement. The viewer is the requesting user (None when nobody is signed in)
and the moment is fixed once per request, so every price of a response is
computed for the same instant.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from django.utils import timezone

from marquee.merch.pricing import pipeline

from ..core.dataloaders import DataLoader


class PriceKey(NamedTuple):
    channel: object
    country: str | None  # None: the channel's default country
    product_id: int
    listing: object  # ProductVariantChannelListing


def viewer(context):
    user = getattr(context, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _moment(context):
    moment = getattr(context, "_pricing_moment", None)
    if moment is None:
        moment = timezone.now()
        context._pricing_moment = moment
    return moment


def pricing_context(context, channel, country):
    """One PricingContext per (channel, country) per request."""
    cache = context.__dict__.setdefault("_pricing_contexts", {})
    key = (channel.pk, country)
    if key not in cache:
        cache[key] = pipeline.pricing_context(
            channel, country=country, viewer=viewer(context), moment=_moment(context)
        )
    return cache[key]


def country_argument(address) -> str | None:
    """Saleor's `pricing(address:)`: only its country matters for a price."""
    country = (address or {}).get("country")
    if country is None:
        return None
    return getattr(country, "value", getattr(country, "name", country))


class VariantPriceLoader(DataLoader):
    """Key: PriceKey -> pipeline.VariantPrice (quantity 1)."""

    def batch_load(self, keys):
        groups = defaultdict(list)
        for index, key in enumerate(keys):
            groups[(key.channel.pk, key.country)].append(index)
        results = [None] * len(keys)
        for indexes in groups.values():
            first = keys[indexes[0]]
            context = pricing_context(self.context, first.channel, first.country)
            requests = [
                pipeline.PriceRequest(
                    variant_id=keys[i].listing.variant_id,
                    product_id=keys[i].product_id,
                    listing=keys[i].listing,
                )
                for i in indexes
            ]
            for index, price in zip(
                indexes, pipeline.price_variants(requests, context), strict=True
            ):
                results[index] = price
        return results


def load_prices(context, channel, country, product_id, listings):
    loader = VariantPriceLoader(context)
    return loader.load_many(
        [PriceKey(channel, country, product_id, listing) for listing in listings]
    )
