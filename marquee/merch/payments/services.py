"""Creating payment transactions and applying what providers report."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from marquee.core.exceptions import DomainError

from ..models import Checkout, Order, OrderEventType, TransactionItem
from ..orders import events as order_events
from ..orders import payment_status
from ..pricing import quantize_price
from .gateways import GatewayResult, gateway_for


@dataclass
class Initialized:
    transaction: TransactionItem
    result: GatewayResult


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
    if amount is None:
        amount = amount_due(source)
    amount = quantize_price(Decimal(amount), currency).amount
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
