"""Stripe through its official SDK, in the shape of Saleor's Stripe app.

transactionInitialize creates a PaymentIntent and hands its client secret
to the storefront, which confirms the payment with Stripe.js. Nothing here
marks money as charged or refunded: only a verified webhook does (see
`payments.stripe_events`). STRIPE_API_BASE redirects the SDK (localstripe).
"""

from __future__ import annotations

from decimal import Decimal

import stripe
from django.conf import settings

from marquee.core.exceptions import DomainError

from .base import Gateway, GatewayResult, record_event, to_minor_units


def _configure() -> None:
    if settings.STRIPE_API_BASE:
        stripe.api_base = settings.STRIPE_API_BASE


def _call(fn, **params):
    """One SDK call; a provider failure becomes a clear PAYMENT_ERROR, never a 500."""
    _configure()
    try:
        return fn(api_key=settings.STRIPE_SECRET_KEY, **params)
    except stripe.StripeError as error:
        message = getattr(error, "user_message", None) or str(error) or "Stripe refused the call"
        raise DomainError.single("PAYMENT_ERROR", f"Stripe: {message}") from error


class StripeGateway(Gateway):
    id = "marquee.payments.stripe"
    name = "Stripe"

    def is_enabled(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY)

    def config(self, *, currency: str, amount: Decimal) -> dict:
        return {"publishableKey": settings.STRIPE_PUBLISHABLE_KEY}

    def _client_data(self, intent) -> dict:
        return {
            "paymentIntent": {
                "id": intent["id"],
                "client_secret": intent["client_secret"],
                "publishableKey": settings.STRIPE_PUBLISHABLE_KEY,
            }
        }

    def initialize(self, item, *, action: str, amount: Decimal, data: dict) -> GatewayResult:
        metadata = {"transaction_token": str(item.token)}
        if item.checkout_id:
            metadata["checkout_token"] = str(item.checkout_id)
        if item.order_id:
            metadata["order_token"] = str(item.order.token)
        intent = _call(
            stripe.PaymentIntent.create,
            amount=to_minor_units(amount, item.currency),
            currency=item.currency.lower(),
            capture_method="manual" if action == "AUTHORIZATION" else "automatic",
            metadata=metadata,
            idempotency_key=item.idempotency_key or f"transaction-initialize-{item.token}",
        )
        item.name = self.name
        item.psp_reference = intent["id"]
        item.save(update_fields=["name", "psp_reference", "updated_at"])
        event_type = (
            "AUTHORIZATION_ACTION_REQUIRED"
            if action == "AUTHORIZATION"
            else "CHARGE_ACTION_REQUIRED"
        )
        event = record_event(item, event_type, amount, message="Waiting for the buyer to confirm")
        return GatewayResult(event=event, data=self._client_data(intent))

    def resume(self, item) -> GatewayResult:
        intent = _call(stripe.PaymentIntent.retrieve, id=item.psp_reference)
        return GatewayResult(
            event=item.events.order_by("-pk").first(), data=self._client_data(intent)
        )

    def process(self, item, data: dict) -> GatewayResult:
        """Report where the PaymentIntent stands; the webhook moves the money."""
        intent = _call(stripe.PaymentIntent.retrieve, id=item.psp_reference)
        status = intent["status"]
        event = record_event(
            item, "INFO", Decimal(0), message=f"Stripe PaymentIntent status: {status}"
        )
        result = self._client_data(intent)
        result["paymentIntent"]["status"] = status
        return GatewayResult(event=event, data=result)

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
