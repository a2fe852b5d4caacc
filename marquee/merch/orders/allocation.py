"""Stock allocation that cannot oversell, whatever the concurrency.

Each stock row is claimed with ONE conditional UPDATE that reads and writes
the row under its own row lock:

    UPDATE merch_stock SET quantity_allocated = quantity_allocated + take
    FROM (SELECT id, LEAST(n, quantity - quantity_allocated) AS take
          FROM merch_stock WHERE id = %s AND quantity > quantity_allocated
          FOR UPDATE) ...

Nothing is counted outside that lock: the number of units free is read by
the same statement that takes them, after any concurrent transaction on the
row has committed (PostgreSQL re-reads the newest row version once the lock
is granted). A line may be split across warehouses; rows are visited in one
global order (variant, warehouse, stock id) so two orders never wait on each
other in opposite directions. If a line cannot be covered, `DomainError
INSUFFICIENT_STOCK` is raised and the caller's transaction rolls back every
claim made so far. The CHECK constraint quantity_allocated <= quantity is a
second, independent guard.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q

from marquee.core.exceptions import DomainError, ErrorDetail

from ..models import Allocation, FulfillmentLine, Stock, Warehouse

_TAKE_SQL = """
UPDATE merch_stock AS s
   SET quantity_allocated = s.quantity_allocated + t.take
  FROM (SELECT id, LEAST(%s, quantity - quantity_allocated) AS take
          FROM merch_stock
         WHERE id = %s AND quantity > quantity_allocated
           FOR UPDATE) AS t
 WHERE s.id = t.id
RETURNING t.take
"""


@dataclass
class Demand:
    """Units one order line needs; `label` names the variant in an error."""

    order_line: object
    variant_id: int
    quantity: int
    label: str


def candidate_stocks(variant_ids, channel_id: int, country: str | None) -> dict[int, list[int]]:
    """Stock ids per variant, in allocation order, for warehouses that may ship this order.

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
    rows = (
        Stock.objects.filter(product_variant_id__in=set(variant_ids))
        .filter(warehouse_id__in=warehouses.values("id"))
        .order_by("product_variant_id", "warehouse__slug", "id")
        .values_list("id", "product_variant_id")
    )
    stocks: dict[int, list[int]] = defaultdict(list)
    for stock_id, variant_id in rows:
        stocks[variant_id].append(stock_id)
    return stocks


def _take(stock_id: int, wanted: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_TAKE_SQL, [wanted, stock_id])
        row = cursor.fetchone()
    return row[0] if row else 0


def allocate(demands: list[Demand], *, channel_id: int, country: str | None) -> list[Allocation]:
    """Claim stock for every demand, or raise INSUFFICIENT_STOCK (caller rolls back).

    Statements: one SELECT for the candidate rows, one UPDATE per stock row
    visited (one per line when a warehouse covers it), one bulk INSERT.
    """
    stocks = candidate_stocks([d.variant_id for d in demands], channel_id, country)
    allocations = []
    for demand in sorted(demands, key=lambda d: d.variant_id):
        remaining = demand.quantity
        for stock_id in stocks.get(demand.variant_id, []):
            taken = _take(stock_id, remaining)
            if taken:
                allocations.append(
                    Allocation(
                        order_line=demand.order_line, stock_id=stock_id, quantity_allocated=taken
                    )
                )
                remaining -= taken
            if remaining == 0:
                break
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
    return Allocation.objects.bulk_create(allocations)


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
