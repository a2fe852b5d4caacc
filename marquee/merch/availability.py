"""Whether a buyer can buy a product now, and how many of a variant they may ask for.

Pure decisions over data the caller has already loaded (the channel
listing, the variants priced in the channel, unallocated stock per variant),
so the API can batch its reads through DataLoaders and a web view can read
the same rows its own way; both ask these functions for the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.conf import settings


def tracked(variants: Iterable) -> list:
    """The variants whose stock counts (the others never run out)."""
    return [variant for variant in variants if variant.track_inventory]


def on_sale(listing) -> bool:
    """The product's channel listing exists and is available for purchase now."""
    return listing is not None and listing.is_available_for_purchase()


def is_product_available(listing, variants: Iterable, available: Mapping[int, int]) -> bool:
    """Available for purchase in the channel, and some priced variant can be had.

    `available` maps a tracked variant's pk to its unallocated stock; a
    variant that does not track inventory is always in stock.
    """
    if not on_sale(listing):
        return False
    variants = list(variants)
    if any(not variant.track_inventory for variant in variants):
        return True
    return any(available.get(variant.pk, 0) > 0 for variant in variants)


def quantity_for_sale(variant, available: int | None) -> int:
    """How many a buyer may put in a checkout line: stock, capped by the line limit."""
    limit = settings.MAX_CHECKOUT_LINE_QUANTITY
    if not variant.track_inventory:
        return limit
    return min(available or 0, limit)
