"""Small ledgers for statement tests: sales with their snapshot and accrual, refunds.

The accrual and reversal entries here are the simplest ones the ledger
allows (debit ROYALTY_EXPENSE / credit ROYALTY_PAYABLE under the licence,
in the sale currency, linked to the snapshot and order line), so the
period close can be tested on its own; swap in the real accrual service
once it exists.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from marquee.licensing.models import (
    AccountKind,
    EntryKind,
    JournalEntry,
    Licence,
    RoyaltyTerms,
    SaleSnapshot,
)
from marquee.licensing.statements.ledger import Leg, post_entry
from marquee.merch import models as m

_seq = itertools.count(1)


def terms(licence: Licence, *, start: date | None = None, rate="10", currency="CNY", **extra):
    return RoyaltyTerms.objects.create(
        licence=licence,
        effective_from=start or licence.term_start,
        rate_percent=Decimal(rate),
        currency=currency,
        **extra,
    )


def sale(
    shop,
    licence: Licence,
    *,
    on: date,
    quantity: int = 1,
    unit_net: str = "100",
    unit_list: str | None = None,
    rate: str | None = None,
    country: str = "CN",
    currency: str = "CNY",
    product=None,
    sku: str = "TEE-1",
) -> SaleSnapshot:
    """A paid order line under `licence` and its accrual (rate × actual net price)."""
    unit_net = Decimal(unit_net)
    unit_list = Decimal(unit_list) if unit_list is not None else unit_net
    order = m.Order.objects.create(
        channel=shop.china, currency=currency, created_at=_at(on), status="unfulfilled"
    )
    line = m.OrderLine.objects.create(
        order=order,
        product_name=product.name if product else "Wolf Tee",
        product_sku=sku,
        product_id=product.pk if product else None,
        quantity=quantity,
        currency=currency,
        undiscounted_unit_price_net_amount=unit_list,
        undiscounted_unit_price_gross_amount=unit_list,
        unit_price_net_amount=unit_net,
        unit_price_gross_amount=unit_net,
        total_price_net_amount=unit_net * quantity,
        total_price_gross_amount=unit_net * quantity,
        undiscounted_total_price_net_amount=unit_list * quantity,
        undiscounted_total_price_gross_amount=unit_list * quantity,
    )
    in_force = (
        licence.royalty_terms.filter(effective_from__lte=on).order_by("-effective_from").first()
    )
    snapshot = SaleSnapshot.objects.create(
        order_line=line,
        licence=licence,
        licensor=licence.licensor,
        terms=in_force,
        share_percent=Decimal(100),
        channel=shop.china,
        country=country,
        sold_at=_at(on),
        currency=currency,
        quantity=quantity,
        list_total_net=unit_list * quantity,
        net_total=unit_net * quantity,
    )
    rate = Decimal(rate) if rate is not None else in_force.rate_percent
    base = unit_net * quantity
    royalty = (base * rate / 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    _royalty_entry(
        EntryKind.ACCRUAL,
        snapshot,
        on,
        f"accrual:{line.pk}:{licence.pk}",
        quantity,
        base,
        rate,
        royalty,
    )
    return snapshot


def refund(snapshot: SaleSnapshot, *, on: date, quantity: int = 1) -> JournalEntry:
    """Reverse `quantity` units at the rate they were earned."""
    accrual = JournalEntry.objects.get(snapshot=snapshot, kind=EntryKind.ACCRUAL)
    base = (snapshot.net_total * quantity / snapshot.quantity).quantize(Decimal("0.0001"))
    royalty = (base * accrual.rate_percent / 100).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    return _royalty_entry(
        EntryKind.REVERSAL,
        snapshot,
        on,
        f"reversal:{next(_seq)}:{snapshot.pk}",
        -quantity,
        -base,
        accrual.rate_percent,
        -royalty,
        reverses=accrual,
    )


def _royalty_entry(kind, snapshot, on, key, units, base, rate, royalty, **sources):
    return post_entry(
        kind=kind,
        licensor=snapshot.licensor,
        licence=snapshot.licence,
        effective_date=on,
        key=key,
        legs=[
            Leg(AccountKind.ROYALTY_EXPENSE, royalty, snapshot.currency, snapshot.licence),
            Leg(AccountKind.ROYALTY_PAYABLE, -royalty, snapshot.currency, snapshot.licence),
        ],
        snapshot=snapshot,
        order_line=snapshot.order_line,
        units=units,
        base_amount=base,
        rate_percent=rate,
        **sources,
    )


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))
