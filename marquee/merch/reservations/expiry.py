"""Expired reservations give their units back.

`sweep()` is one statement: DELETE the expired `Reservation` rows
(`reserved_until <= now`, optionally of some variants only) RETURNING their
units, and UPDATE each stock row's `quantity_reserved` by the sum, so a
unit is given back exactly once even when two sweeps (the Celery beat task
`merch.tasks.sweep_reservations`, every `RESERVATION_SWEEP_SECONDS`, and a
reserve that found nothing) run at once: the second finds the rows deleted.

Between expiry and the sweep the units already count as available on read
(`reservations.selectors`); the line that held them may still complete
with them (the conversion takes expired, unswept holds too), and a hold
refreshed before the sweep stays (the sweep re-checks `reserved_until`
after the row lock).
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils import timezone

# Shared by release, sweep and reconciliation: the deleted rows' units go back in the
# same statement; it returns (stock id, units given back) per stock row.
GIVE_BACK = """
WITH gone AS (
    DELETE FROM merch_reservation AS r WHERE {condition}
    RETURNING r.stock_id, r.quantity_reserved
), per_stock AS (
    SELECT stock_id, SUM(quantity_reserved)::integer AS units FROM gone GROUP BY stock_id
)
UPDATE merch_stock AS s
   SET quantity_reserved = s.quantity_reserved - per_stock.units
  FROM per_stock
 WHERE s.id = per_stock.stock_id
RETURNING s.id, per_stock.units
"""


def sweep(variant_ids=None, *, now: datetime | None = None) -> int:
    """Delete expired reservations and return their units to stock; returns the units."""
    now = now or timezone.now()
    condition = "r.reserved_until <= %s"
    params: list = [now]
    if variant_ids is not None:
        variant_ids = [int(v) for v in variant_ids]
        if not variant_ids:
            return 0
        condition += (
            " AND r.stock_id IN (SELECT id FROM merch_stock WHERE product_variant_id = ANY(%s))"
        )
        params.append(variant_ids)
    with connection.cursor() as cursor:
        cursor.execute(GIVE_BACK.format(condition=condition), params)
        return sum(units for _stock_id, units in cursor.fetchall())
