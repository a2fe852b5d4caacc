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
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q

from marquee.core.exceptions import DomainError, ErrorDetail

from ..models import Allocation, FulfillmentLine, Stock, Warehouse


@dataclass
class Demand:
    """Units one order line needs; `label` names the variant in an error."""

    order_line: object
    variant_id: int
    quantity: int
    label: str


@dataclass
class _Row:
    id: int
    variant_id: int
    free: int
    warehouse_slug: str


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
            "id", "product_variant_id", "quantity", "quantity_allocated", "warehouse__slug"
        )
    )
    stocks: dict[int, list[_Row]] = defaultdict(list)
    for stock_id, variant_id, quantity, allocated, slug in rows:
        stocks[variant_id].append(_Row(stock_id, variant_id, max(quantity - allocated, 0), slug))
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
             WHERE s.id = v.id AND s.quantity - s.quantity_allocated >= v.take
            RETURNING s.id
            """,
            params,
        )
        updated = len(cursor.fetchall())
    if updated != len(plan):  # impossible while the rows are locked; never oversell
        raise DomainError.single("INSUFFICIENT_STOCK", "Stock changed during allocation.")


def allocate(demands: list[Demand], *, channel_id: int, country: str | None) -> list[Allocation]:
    """Claim stock for every demand, or raise INSUFFICIENT_STOCK (caller rolls back)."""
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
