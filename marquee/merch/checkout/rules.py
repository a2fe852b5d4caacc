"""Merch's own checkout rules, registered like any other app's.

Line rules: the product is published in the channel, the variant is priced
there, the product is available for purchase, the quantity is within
MAX_CHECKOUT_LINE_QUANTITY, and tracked stock covers it. Completion rules:
lines, email, addresses, a valid delivery method and a usable voucher.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from marquee.core.exceptions import ErrorDetail

from . import shipping
from .validators import (
    CHANNEL_AVAILABILITY,
    QUANTITY_INPUT,
    STOCK,
    LineCheck,
    register_completion_validator,
    register_line_validator,
)
from .vouchers import voucher_problem


def _line_error(check: LineCheck, code: str, message: str, field: str = "lines") -> ErrorDetail:
    extra = {"variants": [check.variant.pk]}
    if check.line.line.pk is not None:
        extra["lines"] = [check.line.line.pk]
    return ErrorDetail(code=code, message=message, field=field, extra=extra)


def _name(check: LineCheck) -> str:
    variant = check.variant
    label = check.product.name
    if variant.name:
        label = f"{label} ({variant.name})"
    return label


@register_line_validator(order=CHANNEL_AVAILABILITY + 10, codes=["PRODUCT_NOT_PUBLISHED"])
def published_in_channel(check: LineCheck):
    listing = check.line.product_listing
    if check.line.variant_listing is None:
        return  # `priced_in_channel` says it more precisely
    if listing is None or not listing.is_visible():
        yield _line_error(
            check,
            "PRODUCT_NOT_PUBLISHED",
            f"{_name(check)} is not published in channel {check.channel.slug!r}.",
        )


@register_line_validator(order=CHANNEL_AVAILABILITY, codes=["UNAVAILABLE_VARIANT_IN_CHANNEL"])
def priced_in_channel(check: LineCheck):
    if check.line.variant_listing is None:
        yield _line_error(
            check,
            "UNAVAILABLE_VARIANT_IN_CHANNEL",
            f"{_name(check)} is not sold in channel {check.channel.slug!r}.",
        )


@register_line_validator(
    order=CHANNEL_AVAILABILITY + 20, codes=["PRODUCT_UNAVAILABLE_FOR_PURCHASE"]
)
def available_for_purchase(check: LineCheck):
    listing = check.line.product_listing
    if listing is not None and listing.is_visible() and not listing.is_available_for_purchase():
        yield _line_error(
            check,
            "PRODUCT_UNAVAILABLE_FOR_PURCHASE",
            f"{_name(check)} is not available for purchase yet.",
        )


@register_line_validator(
    order=QUANTITY_INPUT, codes=["ZERO_QUANTITY", "QUANTITY_GREATER_THAN_LIMIT"]
)
def quantity_within_limit(check: LineCheck):
    limit = settings.MAX_CHECKOUT_LINE_QUANTITY
    if check.quantity <= 0:
        yield _line_error(check, "ZERO_QUANTITY", "Quantity must be at least 1.", "quantity")
    elif check.quantity > limit:
        yield _line_error(
            check,
            "QUANTITY_GREATER_THAN_LIMIT",
            f"Cannot buy more than {limit} of {_name(check)} in one checkout.",
            "quantity",
        )


@register_line_validator(order=STOCK, codes=["INSUFFICIENT_STOCK"])
def in_stock(check: LineCheck):
    if check.variant.track_inventory and check.quantity > check.quantity_available:
        yield _line_error(
            check,
            "INSUFFICIENT_STOCK",
            f"Only {check.quantity_available} of {_name(check)} left in stock.",
            "quantity",
        )


@register_completion_validator(order=100, codes=["NO_LINES"])
def has_lines(info, _totals):
    if not info.lines:
        yield ErrorDetail("NO_LINES", "The checkout has no lines.", "lines")


@register_completion_validator(order=110, codes=["CHANNEL_INACTIVE"])
def channel_active(info, _totals):
    if not info.channel.is_active:
        yield ErrorDetail("CHANNEL_INACTIVE", "The checkout's channel is not active.", "channel")


@register_completion_validator(order=200, codes=["EMAIL_NOT_SET"])
def email_set(info, _totals):
    if not info.checkout.email:
        yield ErrorDetail("EMAIL_NOT_SET", "Email is not set.", "email")


@register_completion_validator(
    order=210, codes=["SHIPPING_ADDRESS_NOT_SET", "BILLING_ADDRESS_NOT_SET"]
)
def addresses_set(info, _totals):
    if info.is_shipping_required and info.shipping_address is None:
        yield ErrorDetail(
            "SHIPPING_ADDRESS_NOT_SET", "Shipping address is not set.", "shipping_address"
        )
    if info.billing_address is None:
        yield ErrorDetail(
            "BILLING_ADDRESS_NOT_SET", "Billing address is not set.", "billing_address"
        )


@register_completion_validator(
    order=300, codes=["SHIPPING_METHOD_NOT_SET", "INVALID_SHIPPING_METHOD"]
)
def delivery_method_valid(info, totals):
    if not info.is_shipping_required or info.shipping_address is None:
        return
    if info.checkout.shipping_method_id is None:
        yield ErrorDetail(
            "SHIPPING_METHOD_NOT_SET", "Shipping method is not set.", "shipping_method"
        )
    elif not shipping.is_method_available(info, totals, info.checkout.shipping_method_id):
        yield ErrorDetail(
            "INVALID_SHIPPING_METHOD",
            "The shipping method is not available for this checkout.",
            "shipping_method",
        )


@register_completion_validator(order=400, codes=["VOUCHER_NOT_APPLICABLE"])
def voucher_usable(info, totals):
    if not info.checkout.voucher_code:
        return
    problem = voucher_problem(
        info.voucher, info.voucher_listing, totals.subtotal.gross, now=timezone.now()
    )
    if problem:
        yield ErrorDetail("VOUCHER_NOT_APPLICABLE", problem, "promo_code")
