"""On-hand stock as staff change it: by difference, never by overwriting counters.

A stock row holds three counters, `quantity` (on hand), `quantity_allocated`
(promised to placed orders, moved only by `orders/allocation.py`) and
`quantity_reserved` (held by checkouts, moved only by `merch/reservations`). An admin
form that saves the whole row writes back the counters it read when the page
was opened; meanwhile buyers allocated units, so the stale form would lower
`quantity_allocated` (the CHECK constraint cannot catch a counter that is too
low) and the shop would sell units it no longer has.

So staff never write `quantity_allocated` or `quantity_reserved`, and a
change of `quantity` is applied as the difference the person meant, in one
statement:

    UPDATE stock SET quantity = quantity + :delta
     WHERE id = :id AND quantity + :delta >= quantity_allocated + quantity_reserved

("I counted 12 where the form said 10" is +2, whatever buyers did since).
The WHERE clause refuses a change that would leave fewer units on hand than
are allocated and reserved; the allocation and reservation UPDATEs take the
same row lock, so they never interleave.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from marquee.core.exceptions import DomainError

from .models import Stock


def change_quantity(stock_id: int, delta: int) -> Stock:
    """Add `delta` (may be negative) to the on-hand quantity; returns the fresh row."""
    if delta == 0:
        return Stock.objects.get(pk=stock_id)
    with transaction.atomic():
        updated = (
            Stock.objects.filter(pk=stock_id)
            .alias(committed=F("quantity_allocated") + F("quantity_reserved"))
            .filter(committed__lte=F("quantity") + delta)
            .update(quantity=F("quantity") + delta)
        )
        stock = Stock.objects.get(pk=stock_id)
    if not updated:
        raise DomainError.single(
            "INSUFFICIENT_STOCK",
            f"Cannot take {-delta} off: {stock.quantity} on hand, "
            f"{stock.quantity_allocated} of them allocated to orders and "
            f"{stock.quantity_reserved} reserved by checkouts.",
            "quantity",
        )
    return stock


def set_counted_quantity(stock_id: int, counted: int, *, as_seen: int) -> Stock:
    """Staff counted `counted` where their form showed `as_seen`: apply the difference."""
    if counted < 0:
        raise DomainError.single("INVALID", "Quantity cannot be negative.", "quantity")
    return change_quantity(stock_id, counted - as_seen)
