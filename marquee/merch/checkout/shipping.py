"""Which shipping methods a checkout may use, and at what price.

A method is available when its zone serves the checkout's channel and the
delivery country, it has a listing (a price) in the channel, and the cart's
value (gross subtotal after the voucher discount) lies within the listing's
minimum and maximum order value.
"""

from __future__ import annotations

from decimal import Decimal

from ..models import Channel, ShippingMethodChannelListing


def listings_for(
    channel: Channel, country: str | None, order_value: Decimal
) -> list[ShippingMethodChannelListing]:
    """Available methods' listings (with `method` loaded), in method order."""
    if not country:
        return []
    listings = (
        ShippingMethodChannelListing.objects.filter(channel=channel, method__zone__channels=channel)
        .select_related("method__zone")
        .order_by("method_id")
        .distinct()
    )
    return [
        listing
        for listing in listings
        if country in [c.code for c in listing.method.zone.countries]
        and within_order_value(listing, order_value)
    ]


def within_order_value(listing: ShippingMethodChannelListing, order_value: Decimal) -> bool:
    low, high = listing.minimum_order_price_amount, listing.maximum_order_price_amount
    return (low is None or order_value >= low) and (high is None or order_value <= high)


def available_listings(info, totals) -> list[ShippingMethodChannelListing]:
    """The methods a checkout can choose from now (none if nothing needs shipping)."""
    if not info.is_shipping_required or info.shipping_address is None:
        return []
    order_value = totals.subtotal.gross.amount - totals.discount.amount
    return listings_for(info.channel, info.shipping_address.country, order_value)


def offers(listings: list[ShippingMethodChannelListing], method_id: int) -> bool:
    """Whether a method is among the available listings (as `available_listings` gives them).

    The API asks this of the listings it already computed for the checkout, so
    the chosen method is judged by the same rule as on completion.
    """
    return any(listing.method_id == method_id for listing in listings)


def is_method_available(info, totals, method_id: int) -> bool:
    return offers(available_listings(info, totals), method_id)
