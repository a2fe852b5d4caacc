"""Creating payment transactions and applying what providers report.

Payments follow the checkout's access rule (`checkout.selectors`): whoever
holds a checkout's ID may pay for it; an order is paid for by whoever may
see it (`orders.selectors.order_for_viewer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from marquee.core.exceptions import DomainError

from ..checkout.selectors import checkout_for
from ..models import Checkout, Order, OrderEventType, TransactionItem
from ..orders import events as order_events
from ..orders import payment_status
from ..orders import selectors as order_selectors
from ..pricing import quantize_price
from .gateways import GatewayResult, gateway_for


@dataclass
class Initialized:
    transaction: TransactionItem
    result: GatewayResult


def payment_source(kind: str, key, user, *, lock: bool = False) -> Checkout | Order | None:
    """The checkout or order a payment is for, as this requester may reach it; else None.

    A checkout by its ID, for whoever holds it (`checkout.selectors`); an
    order as `order(id)` finds it: its owner and staff, or anyone holding a
    guest order's ID. Another customer's order is not there.
    """
    if kind == "Checkout":
        return checkout_for(key, user, lock=lock)
    if kind == "Order":
        order, _ = order_selectors.order_for_viewer(key, user)
        if order is not None and lock:
            order = (
                Order.objects.select_for_update(of=("self",))
                .select_related("channel")
                .get(pk=order.pk)
            )
        return order
    return None


def transaction_for(token, user) -> TransactionItem | None:
    """A transaction, for whoever may reach the checkout or order it pays for."""
    item = TransactionItem.objects.filter(token=token).first()
    if item is None:
        return None
    if item.checkout_id is not None:
        return item if payment_source("Checkout", item.checkout_id, user) else None
    if item.order_id is not None:
        return item if payment_source("Order", item.order_id, user) else None
    return None


def _column_limit() -> Decimal:
    """The first amount a transaction's DecimalField cannot hold (10^16 for 20 digits, 4 places)."""
    column = TransactionItem._meta.get_field("amount_requested")
    return Decimal(10) ** (column.max_digits - column.decimal_places)


def requested_amount(source: Checkout | Order, amount: Decimal | None) -> Decimal:
    """The amount to pay, in the currency's minor unit: what is due unless one is given.

    A given amount must be a finite, positive number and no more than what is
    still to pay; anything else is the client's mistake, refused with
    INVALID on `amount` before it reaches arithmetic or the database (a
    NaN, an infinity or 10^400 would otherwise fail inside either).
    """
    due = amount_due(source)
    currency = source.currency
    if amount is None:
        return quantize_price(due, currency).amount
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise DomainError.single("INVALID", "The amount must be a number.", field="amount")
    if amount <= 0:
        raise DomainError.single("INVALID", "The amount must be positive.", field="amount")
    if amount >= _column_limit():
        raise DomainError.single(
            "INVALID",
            f"The amount is larger than any payment can be (at most {due:.2f} {currency} "
            "is still to pay).",
            field="amount",
        )
    amount = quantize_price(amount, currency).amount
    if amount > due:
        raise DomainError.single(
            "INVALID",
            f"The amount ({amount} {currency}) is more than is still to pay "
            f"({due:.2f} {currency}).",
            field="amount",
        )
    return amount


def amount_due(source) -> Decimal:
    """What is still to pay: the total less what transactions already cover."""
    if isinstance(source, Checkout):
        from ..checkout.calculations import checkout_totals

        total = checkout_totals(source).total.gross.amount
        sums = payment_status.transaction_sums(checkout=source)
    else:
        total = source.total_gross_amount
        sums = payment_status.transaction_sums(order=source)
    return max(total - sums["charged"] - sums["authorized"], Decimal(0))


def initialize_transaction(
    source: Checkout | Order,
    *,
    gateway_id: str,
    action: str = "CHARGE",
    amount: Decimal | None = None,
    data: dict | None = None,
    idempotency_key: str | None = None,
) -> Initialized:
    """Start a payment for a checkout or an order (Saleor's transactionInitialize).

    The same idempotency key returns the transaction created the first time
    (and its client data again), so a retried request never pays twice.
    """
    if idempotency_key:
        existing = TransactionItem.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _resume(existing, source)
    gateway = gateway_for(gateway_id, enabled_only=True)
    currency = source.currency
    amount = requested_amount(source, amount)
    if amount <= 0:
        raise DomainError.single(
            "INVALID",
            "Nothing to pay: the amount must be positive and the total not yet covered.",
            field="amount",
        )
    try:
        with transaction.atomic():
            item = TransactionItem.objects.create(
                gateway=gateway.id,
                currency=currency,
                amount_requested=amount,
                checkout=source if isinstance(source, Checkout) else None,
                order=source if isinstance(source, Order) else None,
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        # A concurrent request with the same key committed first.
        return _resume(TransactionItem.objects.get(idempotency_key=idempotency_key), source)
    result = gateway.initialize(item, action=action, amount=amount, data=data or {})
    if item.order_id:
        _refresh_order(item.order_id)
    return Initialized(transaction=item, result=result)


def _resume(item: TransactionItem, source) -> Initialized:
    same_source = (isinstance(source, Checkout) and item.checkout_id == source.pk) or (
        isinstance(source, Order) and item.order_id == source.pk
    )
    if not same_source:
        raise DomainError.single(
            "UNIQUE",
            "This idempotency key was already used for another payment.",
            field="idempotencyKey",
        )
    return Initialized(transaction=item, result=gateway_for(item.gateway).resume(item))


def process_transaction(item: TransactionItem, data: dict | None = None) -> GatewayResult:
    return gateway_for(item.gateway).process(item, data or {})


def _refresh_order(order_id) -> None:
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    before = (order.total_charged_amount, order.total_refunded_amount)
    old, new = payment_status.refresh(order)
    charged_delta = order.total_charged_amount + order.total_refunded_amount - sum(before)
    if charged_delta > 0:
        order_events.record(
            order, OrderEventType.PAYMENT_CHARGED, amount=str(charged_delta), status=new
        )
    refunded_delta = order.total_refunded_amount - before[1]
    if refunded_delta > 0:
        order_events.record(
            order, OrderEventType.PAYMENT_REFUNDED, amount=str(refunded_delta), status=new
        )


def apply_provider_amounts(item: TransactionItem, **values: Decimal) -> bool:
    """Set the transaction's amounts to the provider's figures; True if anything changed.

    Absolute values, not increments: a replayed or reordered provider event
    sets the same figures again and changes nothing. The order (if any) is
    updated in the same transaction.
    """
    changed = [name for name, value in values.items() if getattr(item, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(item, name, values[name])
    item.save(update_fields=[*changed, "updated_at"])
    if item.order_id:
        _refresh_order(item.order_id)
    return True


def refresh_order_payments(order_id) -> None:
    _refresh_order(order_id)
