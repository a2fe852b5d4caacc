"""What every gateway offers, and the two halves of a provider call.

A payment is started in two steps so that no row lock or transaction is
held while a provider is on the network (DESIGN: hot rows are locked only
for a statement, never across a network call):

1. `start(request)` talks to the provider and writes nothing. The request
   carries the transaction's token and an idempotency key decided before
   the call, so a retried start asks the provider for the same thing again.
2. The service then locks the checkout or order and records what `start`
   returned (a `ProviderOutcome`): the transaction, its amounts, one event.

`transactionProcess` has the same shape: `fetch` asks the provider where a
payment stands (no lock), `apply` records it (under the transaction's lock).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import get_currency_precision

from ...models import TransactionEvent, TransactionItem


@dataclass(frozen=True)
class PaymentRequest:
    """A payment to start, decided before the provider is called."""

    token: uuid.UUID  # the transaction's token, known before the transaction exists
    provider_key: str  # the provider's idempotency key (see payments.keys)
    currency: str
    amount: Decimal
    action: str  # CHARGE or AUTHORIZATION
    data: object  # the gateway's `clean_data`
    metadata: dict[str, str]


@dataclass
class ProviderOutcome:
    """What a provider said, before anything is recorded."""

    event_type: str
    psp_reference: str = ""
    message: str = ""
    charged: Decimal = Decimal(0)
    authorized: Decimal = Decimal(0)
    client_data: dict | None = None
    raw: dict = field(default_factory=dict)


@dataclass
class GatewayResult:
    """What a gateway call produced: the event recorded and data for the client."""

    event: TransactionEvent | None
    data: dict | None = field(default_factory=dict)


class Gateway:
    id = ""
    name = ""
    # Earlier ids still accepted by transactionInitialize and paymentGatewayInitialize.
    aliases: tuple[str, ...] = ()

    def is_enabled(self) -> bool:
        raise NotImplementedError

    def config(self, *, currency: str, amount: Decimal) -> dict:
        """`data` for paymentGatewayInitialize: what the storefront needs to show the form."""
        raise NotImplementedError

    def clean_data(self, data, action: str):
        """The storefront's `paymentGateway.data`, checked; DomainError INVALID if unusable."""
        return data

    def start(self, request: PaymentRequest) -> ProviderOutcome:
        """Ask the provider to start the payment. Writes nothing; may be repeated."""
        raise NotImplementedError

    def abandon(self, outcome: ProviderOutcome) -> None:
        """A started payment that will not be recorded (a duplicate, or refused meanwhile)."""

    def resume(self, item: TransactionItem) -> GatewayResult:
        """The result of an earlier initialize, for a repeated idempotency key."""
        return GatewayResult(event=item.events.order_by("-pk").first())

    def fetch(self, item: TransactionItem, data: dict) -> ProviderOutcome | None:
        """transactionProcess, first half: where the payment stands (no lock held)."""
        return None

    def apply(self, item: TransactionItem, outcome: ProviderOutcome | None) -> GatewayResult:
        """transactionProcess, second half: record `fetch`'s outcome (item locked)."""
        return self.resume(item)

    def refund(self, item: TransactionItem, refund) -> None:
        raise NotImplementedError

    def refund_charged(self, item: TransactionItem, amount: Decimal, *, refund_key: str) -> None:
        """Give back `amount` of what the transaction charged (a registered source's refund).

        Called with no transaction open, `amount` at most what is charged;
        the same `refund_key` asks the provider for the same refund, so a
        repeated call refunds once.
        """
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
