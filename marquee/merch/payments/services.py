"""Starting payments, continuing them, and applying what providers report.

Every entry point takes the requester and applies `access`'s rule itself,
so the API (and any other caller) only names what to pay and for whom.

transactionInitialize runs in three steps, and never holds a row lock or
an open transaction while the provider is on the network:

1. read, without locks: the source as this requester may reach it, what is
   still due, how many transactions it has (the attempt, see `keys`);
2. call the provider with a key derived from source, amount and attempt;
3. in one short transaction: lock the source row, check again that the
   amount is still due, record the transaction and its event. The same
   attempt names the same transaction token, so a retry, a concurrent
   double click or a webhook that came first never records it twice; a
   provider payment that ends up unrecorded is abandoned (cancelled).

transactionProcess: read the transaction (access), ask the provider, then
lock (order first, then the transaction) and record.

Besides checkouts and orders, a source may be a `sources.Payable` of a kind
another domain registered (a backer subscription): the same three steps,
its transactions linked by `source_kind`/`source_key`, and its kind told
(`sources.settle`) whenever the amounts of one of them change.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum

from marquee.core.exceptions import DomainError

from ..models import Checkout, Order, OrderEventType, TransactionItem
from ..orders import events as order_events
from ..orders import payment_status
from ..outbox import events as outbox
from ..pricing import quantize_price
from . import access, keys, sources
from .access import payment_source, transaction_for  # noqa: F401 - the module's access API
from .gateways import (
    Gateway,
    GatewayResult,
    PaymentRequest,
    ProviderOutcome,
    enabled_gateways,
    find_gateway,
    gateway_for,
)
from .gateways.base import record_event


@dataclass
class Initialized:
    transaction: TransactionItem
    result: GatewayResult


@dataclass
class GatewayConfig:
    """One answer of paymentGatewayInitialize: the gateway's `data`, or why it is not there."""

    id: str
    data: dict | None = None
    error: str | None = None


@dataclass
class Standing:
    """What a source owes and what its transactions cover (one aggregate query)."""

    total: Decimal
    charged: Decimal
    authorized: Decimal
    transactions: int
    token_taken: bool = False

    @property
    def due(self) -> Decimal:
        return max(self.total - self.charged - self.authorized, Decimal(0))


def _source_filter(source) -> dict:
    if isinstance(source, sources.Payable):
        return {"source_kind": source.kind, "source_key": source.key}
    return {"checkout": source} if isinstance(source, Checkout) else {"order": source}


def _paid(source, token=None) -> dict:
    filters = _source_filter(source)
    aggregates = {
        "charged": Sum("charged_value"),
        "authorized": Sum("authorized_value"),
        "transactions": Count("pk"),
    }
    if token is not None:
        aggregates["token_taken"] = Count("pk", filter=Q(token=token))
    sums = TransactionItem.objects.filter(**filters).aggregate(**aggregates)
    return {key: value or 0 for key, value in sums.items()}


def _total(source) -> Decimal:
    if isinstance(source, sources.Payable):
        return source.total
    if isinstance(source, Checkout):
        from ..checkout.calculations import checkout_totals

        return checkout_totals(source).total.gross.amount
    return source.total_gross_amount


def standing(source, token=None) -> Standing:
    paid = _paid(source, token)
    return Standing(
        total=_total(source),
        charged=Decimal(paid["charged"]),
        authorized=Decimal(paid["authorized"]),
        transactions=paid["transactions"],
    )


def _column_limit() -> Decimal:
    """The first amount a transaction's DecimalField cannot hold (10^16 for 20 digits, 4 places)."""
    column = TransactionItem._meta.get_field("amount_requested")
    return Decimal(10) ** (column.max_digits - column.decimal_places)


def checked_amount(amount: Decimal | None, due: Decimal, currency: str) -> Decimal:
    """The amount to pay, in the currency's minor unit: what is due unless one is given.

    A given amount must be a finite, positive number and no more than what is
    still to pay; anything else is the client's mistake, refused with
    INVALID on `amount` before it reaches arithmetic or the database (a
    NaN, an infinity or 10^400 would otherwise fail inside either).
    """
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


def requested_amount(source: Checkout | Order, amount: Decimal | None) -> Decimal:
    return checked_amount(amount, amount_due(source), source.currency)


def amount_due(source) -> Decimal:
    """What is still to pay: the total less what transactions already cover."""
    return standing(source).due


# --- paymentGatewayInitialize -------------------------------------------------


def gateway_configs(
    kind: str,
    key,
    requester,
    *,
    amount: Decimal | None,
    gateway_ids: list[str] | None,
    shown_id=None,
) -> list[GatewayConfig]:
    """What the storefront needs to show each requested (or every enabled) gateway's form."""
    source = access.require_source(kind, key, requester, shown_id=shown_id)
    amount = requested_amount(source, amount)
    requested = gateway_ids or [g.id for g in enabled_gateways()]
    configs = []
    for gateway_id in requested:
        gateway = find_gateway(gateway_id)
        if gateway is None or not gateway.is_enabled():
            configs.append(
                GatewayConfig(gateway_id, error=f"Payment gateway {gateway_id!r} is not available.")
            )
            continue
        # Answered under the id the storefront asked for, which it looks its config up by.
        data = gateway.config(currency=source.currency, amount=amount)
        configs.append(GatewayConfig(gateway_id, data=data))
    return configs


# --- transactionInitialize ------------------------------------------------------


def start_payment(kind: str, key, requester, *, shown_id=None, **options) -> Initialized:
    """transactionInitialize for the checkout or order KIND/KEY, as this requester may reach it."""
    source = access.require_source(kind, key, requester, shown_id=shown_id)
    return initialize_transaction(source, **options)


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
    Call it outside a transaction: it opens its own, after the provider call.
    """
    # 1. Read, without locks.
    if idempotency_key:
        existing = TransactionItem.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _resume(existing, source)
    gateway = gateway_for(gateway_id, enabled_only=True)
    data = gateway.clean_data(data, action)
    before = standing(source)
    amount = checked_amount(amount, before.due, source.currency)
    if amount <= 0:
        raise DomainError.single(
            "INVALID",
            "Nothing to pay: the amount must be positive and the total not yet covered.",
            field="amount",
        )
    request = _request(source, gateway, action, amount, data, idempotency_key, before)
    # 2. The provider, with no lock held.
    outcome = gateway.start(request)
    # 3. Lock, check again, record.
    try:
        with transaction.atomic():
            recorded = _record(source, gateway, request, outcome, idempotency_key, before.total)
    except IntegrityError:
        recorded = None  # a concurrent request with the same client key committed first
    if recorded is not None and recorded.created:
        return Initialized(transaction=recorded.item, result=recorded.result)
    item = recorded.item if recorded is not None else _recorded_meanwhile(request, idempotency_key)
    if outcome.psp_reference and (item is None or item.psp_reference != outcome.psp_reference):
        gateway.abandon(outcome)
    if item is None:
        raise DomainError.single("UNIQUE", "The payment was recorded concurrently; retry.")
    return _resume(item, source)


def _recorded_meanwhile(request, client_key) -> TransactionItem | None:
    found = TransactionItem.objects.filter(token=request.token).first()
    if found is None and client_key:
        found = TransactionItem.objects.filter(idempotency_key=client_key).first()
    return found


@dataclass
class _Recorded:
    item: TransactionItem
    created: bool
    result: GatewayResult | None = None


def _request(source, gateway, action, amount, data, client_key, before) -> PaymentRequest:
    provider_key = keys.provider_key(
        source,
        action=action,
        amount=amount,
        currency=source.currency,
        attempt=keys.attempt_of(client_key, before.transactions),
    )
    token = keys.transaction_token(provider_key)
    metadata = {"transaction_token": str(token)}
    if isinstance(source, sources.Payable):
        metadata["source_kind"] = source.kind
        metadata["source_key"] = source.key
    elif isinstance(source, Checkout):
        metadata["checkout_token"] = str(source.pk)
    else:
        metadata["order_token"] = str(source.token)
    return PaymentRequest(
        token=token,
        provider_key=provider_key,
        currency=source.currency,
        amount=amount,
        action=action,
        data=data,
        metadata=metadata,
    )


def _record(
    source, gateway: Gateway, request, outcome: ProviderOutcome, client_key, total
) -> _Recorded:
    """Inside the step-3 transaction: the attempt's transaction, new or recorded earlier."""
    locked = access.lock_source(source)
    if isinstance(locked, sources.Payable):
        total = locked.total  # it may have stopped taking payments meanwhile
    now = standing_after_lock(source, request.token, total)
    if now.token_taken:
        return _Recorded(TransactionItem.objects.get(token=request.token), created=False)
    if request.amount > now.due:
        raise DomainError.single(
            "INVALID",
            f"Meanwhile other payments covered the total; {now.due:.2f} {request.currency} "
            "is still to pay.",
            field="amount",
        )
    item = TransactionItem.objects.create(
        token=request.token,
        gateway=gateway.id,
        name=gateway.name,
        psp_reference=outcome.psp_reference,
        currency=request.currency,
        amount_requested=request.amount,
        charged_value=outcome.charged,
        authorized_value=outcome.authorized,
        checkout=source if isinstance(source, Checkout) else None,
        order=source if isinstance(source, Order) else None,
        source_kind=source.kind if isinstance(source, sources.Payable) else "",
        source_key=source.key if isinstance(source, sources.Payable) else "",
        idempotency_key=client_key or None,
    )
    event = record_event(item, outcome.event_type, request.amount, outcome.message)
    if item.order_id and (outcome.charged or outcome.authorized):
        _refresh_order(item.order_id)
    if item.source_kind and outcome.charged:
        _settle_source(item)
    return _Recorded(
        item, created=True, result=GatewayResult(event=event, data=outcome.client_data)
    )


def standing_after_lock(source, token, total: Decimal) -> Standing:
    """What the transactions cover now (the total as step 1 computed it)."""
    paid = _paid(source, token)
    return Standing(
        total=total,
        charged=Decimal(paid["charged"]),
        authorized=Decimal(paid["authorized"]),
        transactions=paid["transactions"],
        token_taken=bool(paid.get("token_taken")),
    )


def _resume(item: TransactionItem, source) -> Initialized:
    same_source = (
        (isinstance(source, Checkout) and item.checkout_id == source.pk)
        or (isinstance(source, Order) and item.order_id == source.pk)
        or (
            isinstance(source, sources.Payable)
            and (item.source_kind, item.source_key) == (source.kind, source.key)
        )
    )
    if not same_source:
        raise DomainError.single(
            "UNIQUE",
            "This idempotency key was already used for another payment.",
            field="idempotencyKey",
        )
    return Initialized(transaction=item, result=gateway_for(item.gateway).resume(item))


# --- transactionProcess ---------------------------------------------------------


def process_transaction(token, requester, data: dict | None = None, *, shown_id=None):
    """transactionProcess: ask the provider where the payment stands, then record it.

    Returns (transaction, GatewayResult). The provider is asked with no lock
    held; the record is made under the order's and the transaction's locks.
    """
    item = access.transaction_for(token, requester)
    if item is None:
        shown = shown_id if shown_id is not None else token
        raise DomainError.single("NOT_FOUND", f"No transaction with ID {shown!r}.", field="id")
    gateway = gateway_for(item.gateway)
    outcome = gateway.fetch(item, data or {})
    with transaction.atomic():
        locked = access.lock_transaction(item)
        result = gateway.apply(locked, outcome)
    return locked, result


# --- provider figures -----------------------------------------------------------


def _refresh_order(order_id) -> None:
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    before = (order.total_charged_amount, order.total_refunded_amount)
    was_paid = payment_status.order_is_paid(order)
    old, new = payment_status.refresh(order)
    if not was_paid and payment_status.order_is_paid(order):
        # The first time the order is fully charged (a later charge, a webhook):
        # order.paid, keyed per order so it is recorded once whatever happens after.
        outbox.record_many([outbox.paid(order)])
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
    if item.source_kind:
        _settle_source(item)
    return True


def _settle_source(item: TransactionItem) -> None:
    """Tell a registered source's kind what all its transactions now charge and refund."""
    sums = TransactionItem.objects.filter(
        source_kind=item.source_kind, source_key=item.source_key
    ).aggregate(charged=Sum("charged_value"), refunded=Sum("refunded_value"))
    sources.settle(item, Decimal(sums["charged"] or 0), Decimal(sums["refunded"] or 0))


# --- refunds of registered sources ------------------------------------------------


def refund_source(
    kind: str, key: str, amount: Decimal | None = None, *, refund_key: str = "all"
) -> Decimal:
    """Give back `amount` (all that is charged if None) of a source, through its gateways.

    Called outside a transaction (the provider is on the network). The
    amount is taken from the source's transactions oldest first, each with
    a provider key derived from `refund_key` and the transaction, so a
    repeated call asks the provider for the same refund and records nothing
    twice. The kind's `refunded` callback runs once the amounts say
    everything was given back (at once for the offline gateway and a
    refund Stripe settles at once, else on Stripe's charge.refunded
    webhook). Returns the amount asked for.
    """
    if amount is not None and (
        not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0
    ):
        raise DomainError.single("INVALID", "A refund must be a positive amount.", field="amount")
    asked = Decimal(0)
    charged = TransactionItem.objects.filter(
        source_kind=kind, source_key=str(key), charged_value__gt=0
    ).order_by("pk")
    for item in charged:
        share = item.charged_value if amount is None else min(item.charged_value, amount - asked)
        if share <= 0:
            break
        gateway_for(item.gateway).refund_charged(
            item, share, refund_key=f"marquee-{kind.lower()}-{key}-refund-{refund_key}-{item.pk}"
        )
        asked += share
    return asked


def refresh_order_payments(order_id) -> None:
    _refresh_order(order_id)
