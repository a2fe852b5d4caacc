"""Stock allocation that cannot oversell, whatever the concurrency.

Allocation takes three statements, whatever the number of lines:

1. one SELECT ... FOR UPDATE locks every candidate stock row (warehouses
   serving the channel and the destination), in id order, so two orders
   never wait on each other in opposite directions. Once a lock is granted
   PostgreSQL returns the row's newest committed version, so the free units
   read here are counted inside the lock — never outside it (the mistake
   behind Saleor's oversells);
2. the plan is made from those locked rows in Python: a line may be split
   across warehouses, preferred in warehouse order;
3. one UPDATE ... FROM (VALUES ...) applies the plan, still conditional
   (`quantity - quantity_allocated >= take`) as a second guard, and must
   touch every planned row; then one bulk INSERT of the allocations.

If a line cannot be covered, `DomainError INSUFFICIENT_STOCK` is raised
before anything is written and the caller's transaction rolls back. The
CHECK constraint quantity_allocated <= quantity is a third, independent guard.

Reservations (`convert=True`, when the channel may hold stock): before the
above, ONE statement turns every hold of the order's checkout lines into
allocation on the same stock row:

    WITH gone AS (DELETE FROM reservation WHERE line IN (...) RETURNING ...)
    UPDATE stock SET reserved = reserved - units, allocated = allocated + moved
      FROM (SELECT ... FROM gone GROUP BY stock) ...

The hold is deleted by the statement that moves its units, so a hold is
converted once: a second completion, a replay or a sweep racing it finds
the row gone (the DELETE re-checks after the row lock) and moves nothing.
Expired holds not yet swept are converted too (their units never left the
counter). A hold in a warehouse that cannot ship to the destination is
given back in the same statement instead (moved = 0). What the holds did
not cover is then allocated as above (steps 1-3, for those lines only); all
the allocation rows are one INSERT. Lock order: the conversion locks the
rows holding the order's units (one per line in a drop), then step 1 locks
the remaining candidates in id order; when every line was held (a drop),
steps 1-3 are skipped and the order touches only its held rows.

Free units in steps 1-3 are quantity - allocated - reserved. When a line
falls short on rows that hold reserved units, other checkouts' expired holds
may be what is missing: they are swept (one statement, the rows are still
locked) and the plan is made once more before INSUFFICIENT_STOCK is raised.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from uuid import UUID

from django.db import connection
from django.db.models import F, Q

from marquee.core.exceptions import DomainError, ErrorDetail

from ..models import Allocation, FulfillmentLine, Stock, Warehouse
from ..reservations import expiry


@dataclass
class Demand:
    """Units one order line needs; `label` names the variant in an error."""

    order_line: object
    variant_id: int
    quantity: int
    label: str
    checkout_line_id: UUID | None = None  # whose holds may become this allocation


@dataclass
class _Row:
    id: int
    variant_id: int
    free: int
    warehouse_slug: str
    reserved: int = 0


def _eligible_warehouses(channel_id: int, country: str | None):
    """Warehouses that may ship this order.

    A warehouse qualifies when it serves the channel and, for a known
    destination, belongs to a shipping zone covering that country. A
    warehouse assigned to no zone at all serves every destination (small
    shops run one warehouse and never configure zones).
    """
    warehouses = Warehouse.objects.filter(channels__id=channel_id)
    if country:
        warehouses = warehouses.filter(
            Q(shipping_zones__countries__contains=country) | Q(shipping_zones__isnull=True)
        )
    return warehouses


def _lock_candidates(variant_ids, channel_id: int, country: str | None) -> dict[int, list[_Row]]:
    """Lock the candidate stock rows (id order) and group them per variant, preferred first."""
    rows = (
        Stock.objects.filter(product_variant_id__in=set(variant_ids))
        .filter(warehouse_id__in=_eligible_warehouses(channel_id, country).values("id"))
        .order_by("id")
        .select_for_update(of=("self",))
        .values_list(
            "id",
            "product_variant_id",
            "quantity",
            "quantity_allocated",
            "quantity_reserved",
            "warehouse__slug",
        )
    )
    stocks: dict[int, list[_Row]] = defaultdict(list)
    for stock_id, variant_id, quantity, allocated, reserved, slug in rows:
        free = max(quantity - allocated - reserved, 0)
        stocks[variant_id].append(_Row(stock_id, variant_id, free, slug, reserved))
    for candidates in stocks.values():
        candidates.sort(key=lambda row: (row.warehouse_slug, row.id))
    return stocks


def _apply(plan: dict[int, int]) -> None:
    """One conditional UPDATE for every planned row; all of them must take."""
    values = ", ".join(["(%s::bigint, %s::integer)"] * len(plan))
    params = [item for pair in sorted(plan.items()) for item in pair]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE merch_stock AS s
               SET quantity_allocated = s.quantity_allocated + v.take
              FROM (VALUES {values}) AS v(id, take)
             WHERE s.id = v.id
               AND s.quantity - s.quantity_allocated - s.quantity_reserved >= v.take
            RETURNING s.id
            """,
            params,
        )
        updated = len(cursor.fetchall())
    if updated != len(plan):  # impossible while the rows are locked; never oversell
        raise DomainError.single("INSUFFICIENT_STOCK", "Stock changed during allocation.")


_CONVERT = """
WITH gone AS (
    DELETE FROM merch_reservation AS r WHERE r.checkout_line_id = ANY(%s::uuid[])
    RETURNING r.checkout_line_id, r.stock_id, r.quantity_reserved
), judged AS (
    SELECT gone.*, (s.warehouse_id IN ({eligible})) AS eligible
      FROM gone JOIN merch_stock AS s ON s.id = gone.stock_id
), per_stock AS (
    SELECT stock_id, SUM(quantity_reserved)::integer AS units,
           SUM(CASE WHEN eligible THEN quantity_reserved ELSE 0 END)::integer AS moved
      FROM judged GROUP BY stock_id
), moved AS (
    UPDATE merch_stock AS s
       SET quantity_reserved = s.quantity_reserved - per_stock.units,
           quantity_allocated = s.quantity_allocated + per_stock.moved
      FROM per_stock
     WHERE s.id = per_stock.stock_id
    RETURNING s.id
)
SELECT checkout_line_id, stock_id, quantity_reserved FROM judged WHERE eligible
"""


def convert_reservations(line_ids, *, channel_id: int, country: str | None) -> dict:
    """Turn the lines' holds into allocated units (one statement): {line_id: [(stock, units)]}."""
    eligible, params = (
        _eligible_warehouses(channel_id, country).values("id").query.sql_with_params()
    )
    converted: dict = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            _CONVERT.format(eligible=eligible), [[str(line) for line in line_ids], *params]
        )
        for line_id, stock_id, units in cursor.fetchall():
            converted[UUID(str(line_id))].append((stock_id, units))
    return converted


def allocate(
    demands: list[Demand], *, channel_id: int, country: str | None, convert: bool = False
) -> list[Allocation]:
    """Claim stock for every demand, or raise INSUFFICIENT_STOCK (caller rolls back).

    `convert`: first turn the demands' checkout lines' holds into allocation.
    """
    allocations = []
    if convert:
        held = [d.checkout_line_id for d in demands if d.checkout_line_id is not None]
        converted = convert_reservations(held, channel_id=channel_id, country=country)
        uncovered = []
        for demand in demands:
            remaining = demand.quantity
            for stock_id, units in converted.get(demand.checkout_line_id, []):
                allocations.append(
                    Allocation(
                        order_line=demand.order_line, stock_id=stock_id, quantity_allocated=units
                    )
                )
                remaining -= units
            if remaining > 0:
                uncovered.append(
                    Demand(demand.order_line, demand.variant_id, remaining, demand.label)
                )
        demands = uncovered
    if demands:
        try:
            allocations.extend(_claim(demands, channel_id=channel_id, country=country))
        except _HeldElsewhere as held:
            # Units held by other checkouts' expired, unswept holds are free:
            # give them back (one statement) and plan once more, rows still locked.
            expiry.sweep(variant_ids=held.variant_ids)
            allocations.extend(_claim(demands, channel_id=channel_id, country=country, last=True))
    return Allocation.objects.bulk_create(allocations) if allocations else []


class _HeldElsewhere(Exception):
    """Too few free units, but some are held by reservations (perhaps expired ones)."""

    def __init__(self, variant_ids):
        self.variant_ids = variant_ids


def _claim(
    demands: list[Demand], *, channel_id: int, country: str | None, last: bool = False
) -> list[Allocation]:
    """Steps 1-3: lock the candidates, plan, apply; returns the unsaved allocations.

    Raises `_HeldElsewhere` (unless `last`) when a line falls short on rows
    that hold reserved units, before anything is written.
    """
    stocks = _lock_candidates([d.variant_id for d in demands], channel_id, country)
    allocations, plan = [], defaultdict(int)
    for demand in sorted(demands, key=lambda d: d.variant_id):
        remaining = demand.quantity
        for row in stocks.get(demand.variant_id, []):
            taken = min(row.free, remaining)
            if taken:
                row.free -= taken
                plan[row.id] += taken
                allocations.append(
                    Allocation(
                        order_line=demand.order_line, stock_id=row.id, quantity_allocated=taken
                    )
                )
                remaining -= taken
            if remaining == 0:
                break
        if remaining and not last and any(row.reserved for row in stocks[demand.variant_id]):
            raise _HeldElsewhere(sorted(stocks))
        if remaining:
            raise DomainError(
                ErrorDetail(
                    code="INSUFFICIENT_STOCK",
                    message=(
                        f"Not enough stock for {demand.label}: {demand.quantity} requested, "
                        f"{demand.quantity - remaining} available."
                    ),
                    field="lines",
                    extra={"variants": [demand.variant_id]},
                )
            )
    if plan:
        _apply(plan)
    return allocations


def _locked_allocations(order_lines):
    """The allocations of these lines, their stock rows locked in id order."""
    allocations = list(
        Allocation.objects.filter(order_line__in=order_lines)
        .select_related("order_line")
        .order_by("stock_id", "pk")
    )
    stock_ids = sorted({a.stock_id for a in allocations})
    list(Stock.objects.filter(pk__in=stock_ids).order_by("pk").select_for_update())
    return allocations


def release(order_lines, quantities: dict | None = None) -> int:
    """Give allocated units back to stock (cancel, refund before shipping).

    `quantities` maps an order line id to how many units to release; None
    releases everything still allocated. Returns the units released.
    """
    released = 0
    wanted = dict(quantities) if quantities is not None else None
    for allocation in _locked_allocations(order_lines):
        line_id = allocation.order_line_id
        count = allocation.quantity_allocated
        if wanted is not None:
            count = min(count, wanted.get(line_id, 0))
            wanted[line_id] = wanted.get(line_id, 0) - count
        if count <= 0:
            continue
        Stock.objects.filter(pk=allocation.stock_id).update(
            quantity_allocated=F("quantity_allocated") - count
        )
        allocation.quantity_allocated -= count
        if allocation.quantity_allocated:
            allocation.save(update_fields=["quantity_allocated"])
        else:
            allocation.delete()
        released += count
    return released


def ship(fulfillment, quantities: dict) -> list[FulfillmentLine]:
    """Units leave the warehouse: shelf quantity and allocation drop together."""
    lines = []
    wanted = dict(quantities)
    for allocation in _locked_allocations(list(wanted)):
        line_id = allocation.order_line_id
        count = min(allocation.quantity_allocated, wanted.get(line_id, 0))
        if count <= 0:
            continue
        Stock.objects.filter(pk=allocation.stock_id).update(
            quantity=F("quantity") - count, quantity_allocated=F("quantity_allocated") - count
        )
        allocation.quantity_allocated -= count
        if allocation.quantity_allocated:
            allocation.save(update_fields=["quantity_allocated"])
        else:
            allocation.delete()
        wanted[line_id] -= count
        lines.append(
            FulfillmentLine(
                fulfillment=fulfillment,
                order_line=allocation.order_line,
                quantity=count,
                stock_id=allocation.stock_id,
            )
        )
    return FulfillmentLine.objects.bulk_create(lines)


def return_to_stock(order_line, quantity: int) -> int:
    """Shipped units that came back go onto the shelf they left from."""
    returned = 0
    shipped = (
        FulfillmentLine.objects.filter(order_line=order_line, stock__isnull=False)
        .order_by("stock_id")
        .values_list("stock_id", "quantity")
    )
    for stock_id, count in shipped:
        count = min(count, quantity - returned)
        if count <= 0:
            break
        Stock.objects.filter(pk=stock_id).update(quantity=F("quantity") + count)
        returned += count
    return returned
