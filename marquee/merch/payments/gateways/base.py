from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import get_currency_precision

from ...models import TransactionEvent, TransactionItem


@dataclass
class GatewayResult:
    """What a gateway call produced: the event recorded and data for the client."""

    event: TransactionEvent | None
    data: dict = field(default_factory=dict)


class Gateway:
    id = ""
    name = ""

    def is_enabled(self) -> bool:
        raise NotImplementedError

    def config(self, *, currency: str, amount: Decimal) -> dict:
        """`data` for paymentGatewayInitialize: what the storefront needs to show the form."""
        raise NotImplementedError

    def initialize(self, item: TransactionItem, *, action: str, amount: Decimal, data: dict):
        raise NotImplementedError

    def resume(self, item: TransactionItem) -> GatewayResult:
        """The result of an earlier initialize, for a repeated idempotency key."""
        return GatewayResult(event=item.events.order_by("-pk").first())

    def process(self, item: TransactionItem, data: dict) -> GatewayResult:
        return self.resume(item)

    def refund(self, item: TransactionItem, refund) -> None:
        raise NotImplementedError


def record_event(item: TransactionItem, type_: str, amount: Decimal, message: str = "", psp=""):
    return TransactionEvent.objects.create(
        transaction=item,
        type=type_,
        amount_value=amount,
        currency=item.currency,
        psp_reference=psp or item.psp_reference,
        message=message[:512],
    )


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Stripe's integer amount: exact, never rounded here (prices are rounded already)."""
    scaled = amount * (10 ** get_currency_precision(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} has more digits than the currency allows")
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    return Decimal(value) / (10 ** get_currency_precision(currency))
