"""Changes to a placed order: cancel, fulfil, refund. Each writes an OrderEvent.

Cancelling, fulfilling and a refund the provider confirmed also record an
outbox event (`marquee.merch.outbox.events`) in the same transaction, for
consumers outside merch such as the royalty ledger.

Every function runs inside the caller's transaction (the admin action or
mutation wraps it) and locks the order row first, so two staff members
acting on one order are serialised.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max

from marquee.core.exceptions import DomainError

from ..models import (
    Fulfillment,
    Order,
    OrderEventType,
    OrderLine,
    OrderStatus,
    TransactionItem,
)
from ..models.orders import OrderRefund, RefundStatus
from ..outbox import events as outbox
from ..pricing import quantize_price
from . import allocation, events, payment_status


def lock(order_id) -> Order:
    order = Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
    if order is None:
        raise DomainError.single("NOT_FOUND", f"Order {order_id} does not exist.", field="id")
    return order


def cancel_order(order: Order, *, user=None) -> Order:
    """Cancel an order nothing of which has shipped; its stock goes back on sale."""
    order = lock(order.pk)
    if order.status == OrderStatus.CANCELED:
        return order
    if order.lines.filter(quantity_fulfilled__gt=0).exists():
        raise DomainError.single(
            "CANNOT_CANCEL_ORDER",
            f"Order #{order.number} has shipped items; refund them instead of cancelling.",
        )
    released = allocation.release(order.lines.all())
    order.status = OrderStatus.CANCELED
    order.save(update_fields=["status", "updated_at"])
    events.record(order, OrderEventType.CANCELED, user=user, released_units=released)
    outbox.record_many([outbox.cancelled(order)])
    return order


def confirm_order(order: Order, *, user=None) -> Order:
    """Move an unconfirmed order on to fulfilment (its stock is already allocated)."""
    order = lock(order.pk)
    if order.status != OrderStatus.UNCONFIRMED:
        raise DomainError.single(
            "INVALID",
            f"Order #{order.number} is {order.get_status_display().lower()}, not unconfirmed.",
        )
    order.status = OrderStatus.UNFULFILLED
    order.save(update_fields=["status", "updated_at"])
    events.record(order, OrderEventType.CONFIRMED, user=user)
    return order


def fulfil_order(order: Order, *, user=None, tracking_number: str = "") -> Fulfillment | None:
    """Ship every unit still allocated: stock and allocations drop together."""
    order = lock(order.pk)
    if order.status == OrderStatus.CANCELED:
        raise DomainError.single("CANNOT_FULFILL_ORDER", f"Order #{order.number} is cancelled.")
    if order.status == OrderStatus.UNCONFIRMED:
        raise DomainError.single(
            "CANNOT_FULFILL_UNCONFIRMED_ORDER", f"Order #{order.number} is not confirmed yet."
        )
    lines = list(order.lines.all())
    wanted = {
        line.pk: line.quantity - line.quantity_fulfilled - line.quantity_refunded
        for line in lines
        if line.quantity - line.quantity_fulfilled - line.quantity_refunded > 0
    }
    if not wanted:
        return None
    number = (order.fulfillments.aggregate(n=Max("fulfillment_order"))["n"] or 0) + 1
    fulfillment = Fulfillment.objects.create(
        order=order, fulfillment_order=number, tracking_number=tracking_number
    )
    shipped = allocation.ship(fulfillment, wanted)
    shipped_by_line: dict = {}
    for fl in shipped:
        shipped_by_line[fl.order_line_id] = shipped_by_line.get(fl.order_line_id, 0) + fl.quantity
    # Lines without tracked stock (no allocation) ship without touching stock.
    untracked = [line for line in lines if line.pk in wanted and line.pk not in shipped_by_line]
    for line in untracked:
        if line.variant is None or not line.variant.track_inventory:
            shipped_by_line[line.pk] = wanted[line.pk]
            fulfillment.lines.create(order_line=line, quantity=wanted[line.pk])
    for line in lines:
        if line.pk in shipped_by_line:
            line.quantity_fulfilled += shipped_by_line[line.pk]
    OrderLine.objects.bulk_update(lines, ["quantity_fulfilled"])
    _update_fulfilment_status(order, lines)
    events.record(
        order,
        OrderEventType.FULFILLED,
        user=user,
        fulfillment=number,
        lines={str(k): v for k, v in shipped_by_line.items()},
    )
    outbox.record_many([outbox.fulfilled(fulfillment, shipped_by_line)])
    return fulfillment


def _update_fulfilment_status(order: Order, lines) -> None:
    open_units = sum(
        line.quantity - line.quantity_fulfilled - line.quantity_refunded for line in lines
    )
    shipped = sum(line.quantity_fulfilled for line in lines)
    if open_units == 0 and shipped:
        order.status = OrderStatus.FULFILLED
    elif shipped:
        order.status = OrderStatus.PARTIALLY_FULFILLED
    order.save(update_fields=["status", "updated_at"])


def _refundable_transaction(order: Order) -> TransactionItem:
    item = (
        TransactionItem.objects.select_for_update()
        .filter(order=order, charged_value__gt=0)
        .order_by("-charged_value", "pk")
        .first()
    )
    if item is None:
        raise DomainError.single(
            "NOT_PAID", f"Order #{order.number} has no charged payment to refund."
        )
    return item


def request_refund(
    order: Order,
    *,
    lines: dict | None = None,
    restock: bool = True,
    user=None,
    idempotency_key: str | None = None,
) -> OrderRefund:
    """Ask the provider to refund whole lines' units (or the whole order).

    `lines` maps an order line id to a number of units; None refunds the
    whole charged balance. The refund is only *requested* here: it becomes
    final (units marked refunded, stock returned, order totals changed) in
    `apply_refund_result`, when the provider confirms - at once for the
    offline gateway, by webhook for Stripe.
    """
    from ..payments.gateways import gateway_for

    if idempotency_key:
        existing = OrderRefund.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    order = lock(order.pk)
    item = _refundable_transaction(order)
    pending = _pending_units(order)
    if lines is None:
        amount = item.charged_value - _pending_amount(order)
        line_rows = []
    else:
        by_id = {str(line.pk): line for line in order.lines.all()}
        amount = Decimal(0)
        line_rows = []
        for line_id, quantity in lines.items():
            line = by_id.get(str(line_id))
            if line is None:
                raise DomainError.single(
                    "NOT_FOUND", f"Order #{order.number} has no line {line_id}.", field="lines"
                )
            open_units = line.quantity - line.quantity_refunded - pending.get(str(line.pk), 0)
            if quantity <= 0 or quantity > open_units:
                raise DomainError.single(
                    "INVALID_QUANTITY",
                    f"{line.product_name}: {quantity} units cannot be refunded; "
                    f"{open_units} are refundable.",
                    field="lines",
                )
            amount += line.total_price_gross_amount * quantity / line.quantity
            line_rows.append({"line": str(line.pk), "quantity": quantity})
        amount = quantize_price(amount, order.currency).amount
    if amount <= 0 or amount > item.charged_value:
        raise DomainError.single(
            "INVALID_AMOUNT",
            f"Nothing refundable: {amount} {order.currency} against {item.charged_value} charged.",
        )
    refund = OrderRefund.objects.create(
        order=order,
        transaction=item,
        user=events._actor(user),
        currency=order.currency,
        amount=amount,
        lines=line_rows,
        restock=restock,
        idempotency_key=idempotency_key,
    )
    gateway_for(item.gateway).refund(item, refund)
    events.record(
        order,
        OrderEventType.NOTE_ADDED,
        user=user,
        message=f"Refund of {amount} {order.currency} requested",
        refund=refund.pk,
    )
    return refund


def _pending(order):
    return OrderRefund.objects.filter(order=order, status=RefundStatus.PENDING)


def _pending_amount(order) -> Decimal:
    return sum((r.amount for r in _pending(order)), Decimal(0))


def _pending_units(order) -> dict[str, int]:
    units: dict[str, int] = {}
    for refund in _pending(order):
        for row in refund.lines:
            units[row["line"]] = units.get(row["line"], 0) + row["quantity"]
    return units


def apply_refund_result(refund: OrderRefund, *, succeeded: bool, psp_reference: str = "") -> None:
    """The provider's answer: mark lines refunded and restock, or record the refusal.

    Idempotent: a refund already final is left alone, so a replayed or late
    provider event changes nothing. Amounts on the transaction are set by
    the gateway (from the provider's own figures) before this runs.
    """
    refund = OrderRefund.objects.select_for_update().get(pk=refund.pk)
    if refund.status != RefundStatus.PENDING:
        return
    order = lock(refund.order_id)
    refund.status = RefundStatus.SUCCESS if succeeded else RefundStatus.FAILURE
    if psp_reference:
        refund.psp_reference = psp_reference
    refund.save(update_fields=["status", "psp_reference"])
    if not succeeded:
        events.record(
            order,
            OrderEventType.NOTE_ADDED,
            message=f"Refund of {refund.amount} {refund.currency} refused by the provider",
            refund=refund.pk,
        )
        return
    lines = {str(line.pk): line for line in order.lines.all()}
    rows = refund.lines or [
        {"line": key, "quantity": line.quantity - line.quantity_refunded}
        for key, line in lines.items()
        if line.quantity > line.quantity_refunded
    ]
    changed, refunded_lines = [], []
    for row in rows:
        line = lines[row["line"]]
        count = min(row["quantity"], line.quantity - line.quantity_refunded)
        if count <= 0:
            continue
        # Units not shipped yet will never ship: their allocation is always
        # released. Shipped units go back on the shelf only when restocked.
        unshipped = line.quantity - line.quantity_fulfilled - line.quantity_refunded
        from_allocation = min(count, max(unshipped, 0))
        if from_allocation:
            allocation.release([line.pk], {line.pk: from_allocation})
        if refund.restock and count - from_allocation:
            allocation.return_to_stock(line, count - from_allocation)
        refunded_lines.append(
            outbox.refund_line(line, already_refunded=line.quantity_refunded, quantity=count)
        )
        line.quantity_refunded += count
        changed.append(line)
    OrderLine.objects.bulk_update(changed, ["quantity_refunded"])
    payment_status.refresh(order)
    events.record(
        order,
        OrderEventType.REFUNDED,
        user=refund.user,
        amount=str(refund.amount),
        currency=refund.currency,
        lines=rows,
        restocked=refund.restock,
    )
    outbox.record_many([outbox.refunded(order, refund, refunded_lines)])
