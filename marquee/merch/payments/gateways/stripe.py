"""Stripe through its official SDK, under the id and data contract of Saleor's Stripe app.

Saleor's storefront drives the Stripe app (`saleor.app.payment.stripe`, v2):

- paymentGatewayInitialize returns `{"stripePublishableKey": ...}`;
- transactionInitialize sends `{"paymentIntent": {"paymentMethod": "card"}}`
  (the Payment Element's method; optional here) and gets back
  `{"paymentIntent": {"stripeClientSecret": ...}}` with a
  CHARGE_ACTION_REQUIRED (or AUTHORIZATION_ACTION_REQUIRED) event;
- after Stripe.js confirmed, transactionProcess asks Stripe where the
  PaymentIntent stands and records it (CHARGE_SUCCESS, AUTHORIZATION_SUCCESS...).

Amounts come only from Stripe's own figures: a PaymentIntent read with the
secret key (transactionProcess) or a verified webhook (`stripe_events`);
both set the same absolute amounts, so either may come first and the other
changes nothing. STRIPE_API_BASE redirects the SDK (localstripe).
"""

from __future__ import annotations

from contextlib import suppress
from decimal import Decimal

import stripe
from django.conf import settings

from marquee.core.exceptions import DomainError

from .base import (
    Gateway,
    GatewayResult,
    ProviderOutcome,
    from_minor_units,
    record_event,
    to_minor_units,
)

# Where a PaymentIntent stands -> the webhook event that reports the same state.
_SETTLED = {
    "succeeded": "payment_intent.succeeded",
    "requires_capture": "payment_intent.amount_capturable_updated",
    "canceled": "payment_intent.canceled",
}


def _configure() -> None:
    if settings.STRIPE_API_BASE:
        stripe.api_base = settings.STRIPE_API_BASE


def _call(fn, *args, **params):
    """One SDK call; a provider failure becomes a clear PAYMENT_ERROR, never a 500."""
    _configure()
    try:
        return fn(*args, api_key=settings.STRIPE_SECRET_KEY, **params)
    except stripe.StripeError as error:
        message = getattr(error, "user_message", None) or str(error) or "Stripe refused the call"
        raise DomainError.single("PAYMENT_ERROR", f"Stripe: {message}") from error


def _client_data(intent) -> dict:
    return {"paymentIntent": {"id": intent["id"], "stripeClientSecret": intent["client_secret"]}}


class StripeGateway(Gateway):
    id = "saleor.app.payment.stripe"
    aliases = ("marquee.payments.stripe",)
    name = "Stripe"

    def is_enabled(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY)

    def config(self, *, currency: str, amount: Decimal) -> dict:
        return {"stripePublishableKey": settings.STRIPE_PUBLISHABLE_KEY}

    def clean_data(self, data, action: str) -> dict:
        """The Stripe app's shape, `{"paymentIntent": {"paymentMethod": str}}`, or nothing."""
        if data in (None, {}):
            return {}
        intent = data.get("paymentIntent") if isinstance(data, dict) else None
        method = intent.get("paymentMethod") if isinstance(intent, dict) else None
        if not isinstance(method, str) or not method.strip() or method == "unknown":
            raise DomainError.single(
                "INVALID",
                'Stripe expects data {"paymentIntent": {"paymentMethod": "<Stripe payment '
                'method type, e.g. card>"}}.',
                field="paymentGateway",
            )
        return {"paymentIntent": {"paymentMethod": method.strip()}}

    def start(self, request) -> ProviderOutcome:
        intent = _call(
            stripe.PaymentIntent.create,
            amount=to_minor_units(request.amount, request.currency),
            currency=request.currency.lower(),
            capture_method="manual" if request.action == "AUTHORIZATION" else "automatic",
            metadata=request.metadata,
            idempotency_key=request.provider_key,
        )
        authorizing = request.action == "AUTHORIZATION"
        return ProviderOutcome(
            event_type="AUTHORIZATION_ACTION_REQUIRED" if authorizing else "CHARGE_ACTION_REQUIRED",
            psp_reference=intent["id"],
            message="Waiting for the buyer to confirm",
            client_data=_client_data(intent),
        )

    def abandon(self, outcome) -> None:
        """Cancel a PaymentIntent nobody will confirm (best effort: it moves nothing anyway)."""
        with suppress(DomainError):
            _call(stripe.PaymentIntent.cancel, outcome.psp_reference)

    def resume(self, item) -> GatewayResult:
        intent = _call(stripe.PaymentIntent.retrieve, id=item.psp_reference)
        return GatewayResult(event=item.events.order_by("-pk").first(), data=_client_data(intent))

    def fetch(self, item, data) -> ProviderOutcome:
        intent = _call(stripe.PaymentIntent.retrieve, id=item.psp_reference).to_dict()
        return ProviderOutcome(event_type=intent["status"], psp_reference=intent["id"], raw=intent)

    def apply(self, item, outcome) -> GatewayResult:
        """Record where the PaymentIntent stands, as its webhook would (same figures, same end)."""
        from ..stripe_events import apply_intent

        intent = outcome.raw
        status = intent["status"]
        if status in _SETTLED:
            apply_intent(item, intent, _SETTLED[status])
            event = item.events.order_by("-pk").first()
        else:
            event = record_event(
                item, "INFO", Decimal(0), message=f"Stripe PaymentIntent status: {status}"
            )
        data = {
            "paymentIntent": {
                "id": intent["id"],
                "status": status,
                "stripeClientSecret": intent.get("client_secret"),
            }
        }
        return GatewayResult(event=event, data=data)

    def refund_charged(self, item, amount, *, refund_key: str) -> None:
        """Refund what is charged; recorded from the charge as Stripe then reports it.

        The charge is read back (no lock held) and applied as its
        charge.refunded webhook would be, so whichever comes first, the
        other changes nothing.
        """
        from django.db import transaction

        from ..access import lock_transaction
        from ..stripe_events import _charge_refunded

        marker = f"Refund {refund_key}"[:512]
        if item.events.filter(type="REFUND_REQUEST", message=marker).exists():
            return  # asked before (Stripe's idempotency key covers a retry in between)
        stripe_refund = _call(
            stripe.Refund.create,
            payment_intent=item.psp_reference,
            amount=to_minor_units(min(amount, item.charged_value), item.currency),
            metadata={"transaction_token": str(item.token)},
            idempotency_key=refund_key,
        ).to_dict()
        charge_id = stripe_refund.get("charge")
        settled = bool(charge_id) and stripe_refund.get("status") == "succeeded"
        # Else it is settled later, by the charge.refunded webhook.
        charge = _call(stripe.Charge.retrieve, id=charge_id).to_dict() if settled else None
        with transaction.atomic():
            locked = lock_transaction(item)
            record_event(
                locked,
                "REFUND_REQUEST",
                from_minor_units(stripe_refund["amount"], item.currency),
                message=marker,
                psp=stripe_refund["id"],
            )
            if charge is not None:
                _charge_refunded(locked, charge)

    def refund(self, item, refund) -> None:
        stripe_refund = _call(
            stripe.Refund.create,
            payment_intent=item.psp_reference,
            amount=to_minor_units(refund.amount, refund.currency),
            metadata={"refund_id": str(refund.pk), "transaction_token": str(item.token)},
            idempotency_key=refund.idempotency_key or f"order-refund-{refund.pk}",
        )
        refund.psp_reference = stripe_refund["id"]
        refund.save(update_fields=["psp_reference"])
        record_event(
            item,
            "REFUND_REQUEST",
            refund.amount,
            message="Refund requested; final when Stripe confirms",
            psp=stripe_refund["id"],
        )
