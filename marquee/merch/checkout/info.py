"""Everything checkout needs to price and validate a cart, fetched at once.

`fetch_checkout_info` runs a fixed number of statements whatever the number
of lines (lines with variants, products and types; the channel's variant
and product listings; tax rate; shipping listing; voucher), so pricing a
checkout of 1 or 100 lines costs the same. Calculations and validators then
work on these objects and touch the database no further.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..models import (
    Channel,
    Checkout,
    CheckoutLine,
    Product,
    ProductChannelListing,
    ProductVariant,
    ProductVariantChannelListing,
    ShippingMethod,
    ShippingMethodChannelListing,
    Voucher,
    VoucherChannelListing,
)
from . import taxes, vouchers


@dataclass
class LineInfo:
    line: CheckoutLine
    variant: ProductVariant
    product: Product
    variant_listing: ProductVariantChannelListing | None
    product_listing: ProductChannelListing | None

    @property
    def quantity(self) -> int:
        return self.line.quantity

    @property
    def requires_shipping(self) -> bool:
        return self.product.product_type.is_shipping_required


@dataclass
class CheckoutInfo:
    checkout: Checkout
    channel: Channel
    lines: list[LineInfo]
    shipping_address: object | None
    billing_address: object | None
    tax_rate: Decimal  # percent, e.g. Decimal("13.000")
    shipping_method: ShippingMethod | None = None
    shipping_listing: ShippingMethodChannelListing | None = None
    voucher: Voucher | None = None
    voucher_listing: VoucherChannelListing | None = None
    # Who asked for this change or check (None: nobody signed in). Not the
    # checkout's owner: validators word their refusals for this person.
    requester: object | None = None
    extra: dict = field(default_factory=dict)

    @property
    def currency(self) -> str:
        return self.channel.currency_code

    @property
    def is_shipping_required(self) -> bool:
        return any(line.requires_shipping for line in self.lines)

    @property
    def delivery_country(self) -> str:
        """Where the goods go: the shipping address, else the channel's default country."""
        if self.shipping_address is not None:
            return self.shipping_address.country
        return self.channel.default_country.code


def fetch_lines(checkout: Checkout, channel: Channel) -> list[LineInfo]:
    lines = list(
        CheckoutLine.objects.filter(checkout_id=checkout.pk).select_related(
            "variant__product__product_type"
        )
    )
    variant_ids = {line.variant_id for line in lines}
    product_ids = {line.variant.product_id for line in lines}
    variant_listings = {
        listing.variant_id: listing
        for listing in ProductVariantChannelListing.objects.filter(
            variant_id__in=variant_ids, channel=channel
        )
    }
    product_listings = {
        listing.product_id: listing
        for listing in ProductChannelListing.objects.filter(
            product_id__in=product_ids, channel=channel
        )
    }
    return [
        LineInfo(
            line=line,
            variant=line.variant,
            product=line.variant.product,
            variant_listing=variant_listings.get(line.variant_id),
            product_listing=product_listings.get(line.variant.product_id),
        )
        for line in lines
    ]


def fetch_checkout_info(checkout: Checkout, requester=None) -> CheckoutInfo:
    channel = checkout.channel
    shipping_address = checkout.shipping_address if checkout.shipping_address_id else None
    billing_address = checkout.billing_address if checkout.billing_address_id else None
    info = CheckoutInfo(
        checkout=checkout,
        channel=channel,
        lines=fetch_lines(checkout, channel),
        shipping_address=shipping_address,
        billing_address=billing_address,
        tax_rate=Decimal(0),
        requester=requester if getattr(requester, "is_authenticated", False) else None,
    )
    info.tax_rate = taxes.rate_for(channel, info.delivery_country)
    if checkout.shipping_method_id:
        info.shipping_listing = (
            ShippingMethodChannelListing.objects.filter(
                method_id=checkout.shipping_method_id, channel=channel
            )
            .select_related("method")
            .first()
        )
        info.shipping_method = (
            info.shipping_listing.method if info.shipping_listing else checkout.shipping_method
        )
    if checkout.voucher_code:
        info.voucher, info.voucher_listing = vouchers.voucher_with_listing(
            checkout.voucher_code, channel
        )
    return info
