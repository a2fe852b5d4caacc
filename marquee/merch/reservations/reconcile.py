"""Proving the books balance per stock row, and repairing what a crash left.

For every stock row (of some variants, or all), `reconcile()` checks

    quantity = available + reserved + allocated, with
    reserved  = SUM(live and expired Reservation rows of the row)
    allocated = SUM(Allocation rows of the row)
    0 <= allocated, 0 <= reserved, allocated + reserved <= quantity

and, with `repair=True`, fixes what it can. Statements, in order:

1. the expired holds are given back: one DELETE ... RETURNING + UPDATE (as
   `expiry.sweep`, but per stock row, for the report);
2. one SELECT reads every row's counters next to the sums of its rows, in
   one snapshot; committed data is always consistent (each writer changes
   rows and counters in one transaction), so a difference seen here is
   drift: a lost hold (a line deleted by a path that did not give its hold
   back, a raw delete), a counter edited by hand, a restored backup;
3. per drifted row set (only when there is drift): SELECT ... FOR UPDATE
   locks the rows in id order, then ONE UPDATE sets each counter to the sum
   of its rows, computed by that new statement inside the locks. Writers
   that were mid-way wait for the lock and then apply their change relative
   to the repaired counter: a reserve locks the stock row before it writes
   its hold (so its hold is not yet in the sum and adds to the counter
   afterwards); a release, sweep or conversion deletes holds in the statement
   that then waits for the lock (its delete is uncommitted, so the sum still
   counts those holds, and its decrement follows). The bug avoided: setting
   a counter from sums read outside the lock, which erases a concurrent
   reservation and sells its units twice. A row whose true sums would exceed
   its quantity (an oversell already happened) is reported, not "repaired":
   staff must recount it (`stock_levels`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .expiry import GIVE_BACK


@dataclass
class RowReport:
    stock_id: int
    variant_id: int
    warehouse: str
    quantity: int
    allocated: int  # the counter
    allocated_rows: int  # SUM(Allocation rows)
    reserved: int
    reserved_rows: int
    expired_released: int = 0
    problems: list[str] = field(default_factory=list)
    fixed: bool = False

    @property
    def available(self) -> int:
        return self.quantity - self.allocated - self.reserved

    def describe(self) -> str:
        head = (
            f"stock {self.stock_id} (variant {self.variant_id}, {self.warehouse}): "
            f"quantity {self.quantity} = available {self.available} + reserved {self.reserved} "
            f"+ allocated {self.allocated}"
        )
        notes = list(self.problems)
        if self.expired_released:
            notes.append(f"released {self.expired_released} units of expired reservations")
        if self.fixed:
            notes.append("counters repaired")
        return head + (": " + "; ".join(notes) if notes else "")


@dataclass
class Report:
    checked: int = 0
    rows: list[RowReport] = field(default_factory=list)  # rows with something to say
    expired_units: int = 0
    repaired: bool = False

    @property
    def drifted(self) -> list[RowReport]:
        return [row for row in self.rows if row.problems]

    @property
    def unresolved(self) -> list[RowReport]:
        return [row for row in self.rows if row.problems and not row.fixed]

    @property
    def balanced(self) -> bool:
        return not self.unresolved

    def lines(self) -> list[str]:
        found = len(self.drifted)
        fixed = sum(1 for row in self.drifted if row.fixed)
        summary = (
            f"checked {self.checked} stock rows: {found} with drift, {fixed} repaired, "
            f"{self.expired_units} units of expired reservations released"
        )
        return [summary, *(row.describe() for row in self.rows)]

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "drifted": len(self.drifted),
            "repaired": sum(1 for row in self.drifted if row.fixed),
            "unresolved": len(self.unresolved),
            "expired_units": self.expired_units,
        }


def _variant_filter(alias: str, variant_ids) -> tuple[str, list]:
    if variant_ids is None:
        return "TRUE", []
    return f"{alias}.product_variant_id = ANY(%s)", [[int(v) for v in variant_ids]]


# The expired holds of the rows reconciled, given back by the shared statement.
_EXPIRED_IN = (
    "r.reserved_until <= %s AND r.stock_id IN (SELECT s.id FROM merch_stock AS s WHERE {where})"
)

_READ = """
SELECT s.id, s.product_variant_id, w.slug, s.quantity,
       s.quantity_allocated, COALESCE(a.units, 0), s.quantity_reserved, COALESCE(r.units, 0),
       COALESCE(r.expired, 0)
  FROM merch_stock AS s
  JOIN merch_warehouse AS w ON w.id = s.warehouse_id
  LEFT JOIN (SELECT stock_id, SUM(quantity_allocated)::integer AS units
               FROM merch_allocation GROUP BY stock_id) AS a ON a.stock_id = s.id
  LEFT JOIN (SELECT stock_id, SUM(quantity_reserved)::integer AS units,
                    SUM(quantity_reserved) FILTER (WHERE reserved_until <= %s)::integer AS expired
               FROM merch_reservation GROUP BY stock_id) AS r ON r.stock_id = s.id
 WHERE {where}
 ORDER BY s.id
"""

_REPAIR = """
UPDATE merch_stock AS s
   SET quantity_allocated = t.allocated, quantity_reserved = t.reserved
  FROM (
    SELECT s2.id,
           COALESCE((SELECT SUM(quantity_allocated) FROM merch_allocation
                      WHERE stock_id = s2.id), 0)::integer AS allocated,
           COALESCE((SELECT SUM(quantity_reserved) FROM merch_reservation
                      WHERE stock_id = s2.id), 0)::integer AS reserved
      FROM merch_stock AS s2 WHERE s2.id = ANY(%s)
  ) AS t
 WHERE s.id = t.id AND t.allocated + t.reserved <= s.quantity
RETURNING s.id
"""


def _problems(row: RowReport) -> list[str]:
    problems = []
    if row.reserved != row.reserved_rows:
        problems.append(
            f"reserved counter {row.reserved} but reservations hold {row.reserved_rows}"
        )
    if row.allocated != row.allocated_rows:
        problems.append(
            f"allocated counter {row.allocated} but allocations hold {row.allocated_rows}"
        )
    if row.quantity < 0 or row.allocated < 0 or row.reserved < 0:
        problems.append("negative counter")
    if row.allocated_rows + row.reserved_rows > row.quantity:
        problems.append(
            f"over-committed: {row.allocated_rows} allocated and {row.reserved_rows} reserved "
            f"of {row.quantity} on hand (recount the shelf)"
        )
    return problems


def reconcile(variant_ids=None, repair: bool = True, *, now: datetime | None = None) -> Report:
    """Check (and with `repair`, fix) every stock row of the variants (None: all)."""
    now = now or timezone.now()
    report = Report(repaired=repair)
    where, params = _variant_filter("s", variant_ids)
    released: dict[int, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if repair:
            condition = _EXPIRED_IN.format(where=where)
            cursor.execute(GIVE_BACK.format(condition=condition), [now, *params])
            released = dict(cursor.fetchall())
    with connection.cursor() as cursor:
        cursor.execute(_READ.format(where=where), [now, *params])
        rows = cursor.fetchall()
    report.checked = len(rows)
    report.expired_units = sum(released.values())
    for stock_id, variant_id, slug, quantity, alloc, alloc_rows, res, res_rows, expired in rows:
        row = RowReport(stock_id, variant_id, slug, quantity, alloc, alloc_rows, res, res_rows)
        row.expired_released = released.get(stock_id, 0)
        row.problems = _problems(row)
        if not repair and expired:
            row.problems.append(f"{expired} units held by expired reservations")
        if row.problems or row.expired_released:
            report.rows.append(row)
    drifted = [row for row in report.rows if row.problems]
    if repair and drifted:
        ids = sorted(row.stock_id for row in drifted)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM merch_stock WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [ids]
            )
            cursor.execute(_REPAIR, [ids])
            fixed = {stock_id for (stock_id,) in cursor.fetchall()}
            cursor.execute(
                "SELECT id, quantity_allocated, quantity_reserved FROM merch_stock "
                "WHERE id = ANY(%s)",
                [ids],
            )
            after = {stock_id: (a, r) for stock_id, a, r in cursor.fetchall()}
        for row in drifted:
            if row.stock_id in fixed:
                row.fixed = True
                row.allocated, row.reserved = after[row.stock_id]
    return report
