"""Offline test gateway: marks payments and refunds as done. No money moves.

It exists for the demo (`make run`), tests and benchmarks. It is offered,
and accepted by transactionInitialize, only while OFFLINE_PAYMENTS_ENABLED
is on; that is off by default, and with DEBUG off the settings refuse it
unless OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY also says so. Its name
says what it is.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from .base import Gateway, GatewayResult, record_event


class OfflineGateway(Gateway):
    id = "marquee.payments.offline"
    name = "Offline test gateway — no money moves"

    def is_enabled(self) -> bool:
        return bool(settings.OFFLINE_PAYMENTS_ENABLED)

    def config(self, *, currency: str, amount: Decimal) -> dict:
        return {"name": self.name, "testMode": True, "currency": currency}

    def initialize(self, item, *, action: str, amount: Decimal, data: dict) -> GatewayResult:
        item.name = self.name
        item.psp_reference = f"offline-{item.token}"
        if action == "AUTHORIZATION":
            item.authorized_value = amount
            event_type = "AUTHORIZATION_SUCCESS"
        else:
            item.charged_value = amount
            event_type = "CHARGE_SUCCESS"
        item.save(
            update_fields=[
                "name",
                "psp_reference",
                "authorized_value",
                "charged_value",
                "updated_at",
            ]
        )
        event = record_event(item, event_type, amount, message=f"{self.name}: accepted")
        return GatewayResult(event=event, data={"testMode": True})

    def refund(self, item, refund) -> None:
        from ...orders.services import apply_refund_result

        item.charged_value -= refund.amount
        item.refunded_value += refund.amount
        item.save(update_fields=["charged_value", "refunded_value", "updated_at"])
        record_event(item, "REFUND_SUCCESS", refund.amount, message=f"{self.name}: refunded")
        apply_refund_result(refund, succeeded=True, psp_reference=f"offline-refund-{refund.pk}")
