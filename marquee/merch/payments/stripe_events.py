"""Verified Stripe events applied to transactions, orders and refunds.

Every handler sets amounts from the object in the event (Stripe's own
figures), so applying an event twice, or an older one after a newer one of
the same kind, leaves the same state. An event for a payment not recorded
here yet (its webhook beat the mutation's commit) returns MISSING; the
webhook view retries it later.
"""

from __future__ import annotations

from decimal import Decimal

from ..models import TransactionItem
from ..models.orders import OrderRefund, RefundStatus
from .access import lock_transaction
from .gateways.base import from_minor_units, record_event
from .services import apply_provider_amounts

APPLIED, MISSING, IGNORED = "applied", "missing", "ignored"


def _transaction_for(obj: dict, intent_id: str | None) -> TransactionItem | None:
    """The transaction an event is about, locked after its order (see `access`)."""
    token = (obj.get("metadata") or {}).get("transaction_token")
    item = None
    if token:
        item = TransactionItem.objects.filter(token=token).first()
    if item is None and intent_id:
        item = TransactionItem.objects.filter(psp_reference=intent_id).order_by("pk").first()
    if item is None:
        return None
    return lock_transaction(item)


def apply_intent(item: TransactionItem, intent: dict, event_type: str) -> str:
    """Apply a PaymentIntent as Stripe reports it (a webhook, or a read by transactionProcess).

    The caller holds the transaction's lock (`access.lock_transaction`).
    """
    currency = item.currency
    if event_type == "payment_intent.succeeded":
        received = from_minor_units(intent.get("amount_received") or intent["amount"], currency)
        changed = apply_provider_amounts(
            item, charged_value=received - item.refunded_value, authorized_value=Decimal(0)
        )
        if changed:
            record_event(item, "CHARGE_SUCCESS", received, message="Stripe: payment succeeded")
    elif event_type == "payment_intent.amount_capturable_updated":
        capturable = from_minor_units(intent.get("amount_capturable") or 0, currency)
        if apply_provider_amounts(item, authorized_value=capturable):
            record_event(item, "AUTHORIZATION_SUCCESS", capturable, message="Stripe: authorized")
    elif event_type == "payment_intent.payment_failed":
        error = (intent.get("last_payment_error") or {}).get("message") or "payment failed"
        record_event(
            item, "CHARGE_FAILURE", from_minor_units(intent["amount"], currency), f"Stripe: {error}"
        )
    elif event_type == "payment_intent.canceled":
        amount = from_minor_units(intent["amount"], currency)
        if apply_provider_amounts(item, authorized_value=Decimal(0), canceled_value=amount):
            record_event(item, "CANCEL_SUCCESS", amount, message="Stripe: canceled")
    return APPLIED


def _charge_refunded(item: TransactionItem, charge: dict) -> str:
    from ..orders.services import apply_refund_result

    currency = item.currency
    refunded = from_minor_units(charge.get("amount_refunded") or 0, currency)
    captured = from_minor_units(charge.get("amount_captured") or charge["amount"], currency)
    if apply_provider_amounts(item, charged_value=captured - refunded, refunded_value=refunded):
        record_event(item, "REFUND_SUCCESS", refunded, message="Stripe: refunded (cumulative)")
    # Requested refunds become final, oldest first, as far as Stripe's total covers them.
    confirmed = sum(
        (r.amount for r in OrderRefund.objects.filter(transaction=item, status="success")),
        Decimal(0),
    )
    for refund in OrderRefund.objects.filter(
        transaction=item, status=RefundStatus.PENDING
    ).order_by("pk"):
        if confirmed + refund.amount > refunded:
            break
        apply_refund_result(refund, succeeded=True)
        confirmed += refund.amount
    return APPLIED


HANDLED = {
    "payment_intent.succeeded",
    "payment_intent.amount_capturable_updated",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "charge.refunded",
}


def handle(event: dict) -> str:
    event_type = event.get("type", "")
    if event_type not in HANDLED:
        return IGNORED
    obj = (event.get("data") or {}).get("object") or {}
    if event_type == "charge.refunded":
        item = _transaction_for(obj, obj.get("payment_intent"))
        return MISSING if item is None else _charge_refunded(item, obj)
    item = _transaction_for(obj, obj.get("id"))
    return MISSING if item is None else apply_intent(item, obj, event_type)
