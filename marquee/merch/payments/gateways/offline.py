"""Offline test gateway: marks payments and refunds as done. No money moves.

It exists for the demo (`make run`), tests and benchmarks. It is offered,
and accepted by transactionInitialize, only while OFFLINE_PAYMENTS_ENABLED
is on; that is off by default, and with DEBUG off the settings refuse it
unless OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY also says so. Its name
says what it is.

It answers under the id and `data` contract of Saleor's Dummy Payment App
(`saleor.io.dummy-payment-app`), which Saleor's storefront drives for test
checkouts: `paymentGateway.data = {"event": {"type": <event>,
"includePspReference": <bool>}}` names the event the payment ends with
(CHARGE_SUCCESS, AUTHORIZATION_SUCCESS, a *_FAILURE, *_REQUEST or
*_ACTION_REQUIRED). Without `data` a charge succeeds (an authorization is
authorized), as this gateway always did. `data` of another shape gives a
CHARGE_FAILURE (or AUTHORIZATION_FAILURE) event saying why, as the app does.
transactionProcess takes the same `data` and moves the payment on.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from .base import Gateway, GatewayResult, ProviderOutcome, record_event

EVENT_TYPES = (
    "CHARGE_REQUEST",
    "CHARGE_ACTION_REQUIRED",
    "CHARGE_FAILURE",
    "CHARGE_SUCCESS",
    "AUTHORIZATION_REQUEST",
    "AUTHORIZATION_ACTION_REQUIRED",
    "AUTHORIZATION_FAILURE",
    "AUTHORIZATION_SUCCESS",
)


def _failure(action: str) -> str:
    return "AUTHORIZATION_FAILURE" if action == "AUTHORIZATION" else "CHARGE_FAILURE"


def requested_event(data, action: str) -> tuple[str, bool, str]:
    """(event type, include a PSP reference, problem) from the Dummy app's `data`."""
    if data in (None, {}):
        success = "AUTHORIZATION_SUCCESS" if action == "AUTHORIZATION" else "CHARGE_SUCCESS"
        return success, True, ""
    event = data.get("event") if isinstance(data, dict) else None
    if not isinstance(event, dict):
        return _failure(action), True, "data.event must be an object with a `type`."
    type_ = event.get("type")
    if type_ not in EVENT_TYPES:
        return _failure(action), True, f"data.event.type must be one of {', '.join(EVENT_TYPES)}."
    include = event.get("includePspReference", True)
    if not isinstance(include, bool):
        return _failure(action), True, "data.event.includePspReference must be a boolean."
    return type_, include, ""


class OfflineGateway(Gateway):
    id = "saleor.io.dummy-payment-app"
    aliases = ("marquee.payments.offline",)
    name = "Offline test gateway — no money moves"

    def is_enabled(self) -> bool:
        return bool(settings.OFFLINE_PAYMENTS_ENABLED)

    def config(self, *, currency: str, amount: Decimal) -> dict:
        return {"name": self.name, "testMode": True, "currency": currency}

    def _outcome(self, data, action: str, amount: Decimal, psp: str) -> ProviderOutcome:
        type_, include_psp, problem = requested_event(data, action)
        outcome = ProviderOutcome(
            event_type=type_,
            psp_reference=psp if include_psp else "",
            message=f"{self.name}: {problem or 'accepted'}",
            client_data={"exception": True} if problem else None,
        )
        if type_ == "CHARGE_SUCCESS":
            outcome.charged = amount
        elif type_ == "AUTHORIZATION_SUCCESS":
            outcome.authorized = amount
        return outcome

    def start(self, request) -> ProviderOutcome:
        return self._outcome(
            request.data, request.action, request.amount, f"offline-{request.token}"
        )

    def resume(self, item) -> GatewayResult:
        return GatewayResult(event=item.events.order_by("-pk").first(), data=None)

    def fetch(self, item, data) -> ProviderOutcome | None:
        if not data:
            return None
        event = data.get("event") if isinstance(data, dict) else None
        type_ = event.get("type") if isinstance(event, dict) else None
        authorizing = isinstance(type_, str) and type_.startswith("AUTHORIZATION")
        action = "AUTHORIZATION" if authorizing else "CHARGE"
        return self._outcome(data, action, item.amount_requested, item.psp_reference)

    def apply(self, item, outcome) -> GatewayResult:
        """Move the payment to the event named; amounts are set, not added: a repeat is a no-op."""
        from ..services import apply_provider_amounts

        if outcome is None:
            return self.resume(item)
        changed = False
        if outcome.event_type == "CHARGE_SUCCESS":
            changed = apply_provider_amounts(
                item,
                charged_value=item.amount_requested - item.refunded_value,
                authorized_value=Decimal(0),
            )
        elif outcome.event_type == "AUTHORIZATION_SUCCESS" and item.charged_value == 0:
            changed = apply_provider_amounts(item, authorized_value=item.amount_requested)
        if not changed and outcome.event_type.endswith("_SUCCESS"):
            return GatewayResult(event=item.events.order_by("-pk").first(), data=None)
        event = record_event(item, outcome.event_type, item.amount_requested, outcome.message)
        return GatewayResult(event=event, data=outcome.client_data)

    def refund_charged(self, item, amount, *, refund_key: str) -> None:
        from django.db import transaction

        from ..access import lock_transaction
        from ..services import apply_provider_amounts

        with transaction.atomic():
            locked = lock_transaction(item)
            if locked.events.filter(type="REFUND_SUCCESS", psp_reference=refund_key).exists():
                return  # this refund was made before
            amount = min(amount, locked.charged_value)
            if amount <= 0:
                return
            apply_provider_amounts(
                locked,
                charged_value=locked.charged_value - amount,
                refunded_value=locked.refunded_value + amount,
            )
            record_event(
                locked,
                "REFUND_SUCCESS",
                amount,
                message=f"{self.name}: refunded",
                psp=refund_key,
            )

    def refund(self, item, refund) -> None:
        from ...orders.services import apply_refund_result

        item.charged_value -= refund.amount
        item.refunded_value += refund.amount
        item.save(update_fields=["charged_value", "refunded_value", "updated_at"])
        record_event(item, "REFUND_SUCCESS", refund.amount, message=f"{self.name}: refunded")
        apply_refund_result(refund, succeeded=True, psp_reference=f"offline-refund-{refund.pk}")
