"""Whether a promo code applies to a checkout, and how much it takes off.

A voucher applies when it has a listing in the checkout's channel, today is
within its start and end dates, it is not used up (`used < usage_limit`) and
the checkout's gross subtotal reaches the listing's minimum spend. The
discount itself is computed in `calculations.py`.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from prices import Money

from marquee.core.exceptions import DomainError

from ..models import Channel, Voucher, VoucherChannelListing

VOUCHER_NOT_APPLICABLE = "VOUCHER_NOT_APPLICABLE"


def voucher_with_listing(
    code: str, channel: Channel
) -> tuple[Voucher | None, VoucherChannelListing | None]:
    """The voucher a code names (codes match case-insensitively) and its channel listing."""
    voucher = Voucher.objects.filter(code__iexact=(code or "").strip()).first()
    if voucher is None:
        return None, None
    listing = VoucherChannelListing.objects.filter(voucher=voucher, channel=channel).first()
    return voucher, listing


def voucher_problem(
    voucher: Voucher | None,
    listing: VoucherChannelListing | None,
    subtotal_gross: Money,
    now=None,
) -> str | None:
    """Why the voucher cannot be used on this subtotal, or None when it can."""
    now = now or timezone.now()
    if voucher is None:
        return "Promo code is invalid."
    if listing is None:
        return "Promo code is not valid in this channel."
    if voucher.start_date and voucher.start_date > now:
        return "Promo code is not active yet."
    if voucher.end_date and voucher.end_date <= now:
        return "Promo code has expired."
    if voucher.usage_limit is not None and voucher.used >= voucher.usage_limit:
        return "Promo code has been used up."
    if listing.min_spent_amount is not None and subtotal_gross.amount < listing.min_spent_amount:
        minimum = Money(Decimal(listing.min_spent_amount), listing.currency)
        return f"Spend at least {minimum.amount:.2f} {minimum.currency} to use this promo code."
    return None


def check_voucher(voucher, listing, subtotal_gross: Money, *, field: str = "promo_code") -> None:
    if voucher is None:
        raise DomainError.single("INVALID", "Promo code is invalid.", field=field)
    problem = voucher_problem(voucher, listing, subtotal_gross)
    if problem is not None:
        raise DomainError.single(VOUCHER_NOT_APPLICABLE, problem, field=field)
