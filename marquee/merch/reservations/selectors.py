"""Reads of reservations.

`expires_at(checkout)` is one statement: the earliest `reserved_until` of
the checkout's live holds (Saleor's `Checkout.stockReservationExpires`).

`counted_back(now, checkout_id)` is the expression the stock reads add to
quantity - allocated - reserved: the units of expired holds not swept yet
(lazily given back on read, so a crashed or late sweep never hides stock)
and, for a checkout judging its own lines, the units it holds itself — a
buyer is never told INSUFFICIENT_STOCK about the units they hold. It is a
correlated subquery, so every stock read stays one statement.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, IntegerField, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Reservation


def expires_at(checkout, now: datetime | None = None) -> datetime | None:
    """When the checkout's first live hold runs out; None when it holds nothing."""
    now = now or timezone.now()
    return Reservation.objects.filter(
        checkout_line__checkout_id=checkout.pk, reserved_until__gt=now
    ).aggregate(first=Min("reserved_until"))["first"]


def _counted_back_condition(now: datetime, checkout_id) -> Q:
    condition = Q(reserved_until__lte=now)
    if checkout_id is not None:
        condition |= Q(checkout_line__checkout_id=checkout_id)
    return condition


def counted_back(now: datetime, checkout_id=None, stock_ref: str = "pk"):
    """Units of the stock row (OuterRef `stock_ref`) that count as available although held."""
    held = (
        Reservation.objects.filter(_counted_back_condition(now, checkout_id))
        .filter(stock_id=OuterRef(stock_ref))
        .values("stock_id")
        .annotate(units=Sum("quantity_reserved"))
        .values("units")[:1]
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), 0)


def has_expired_holds(now: datetime, stock_ref: str = "pk"):
    """The stock row (OuterRef `stock_ref`) has an expired hold (so at least a unit comes back)."""
    return Exists(Reservation.objects.filter(stock_id=OuterRef(stock_ref), reserved_until__lte=now))
