"""Payable sources: things other than checkouts and orders that the payment API can pay for.

The commerce core pays checkouts and orders. Another domain (members pay
for backer subscriptions) registers a *kind* here, named as the API names
its objects (the global ID's type, e.g. ``BackerSubscription``), and
transactionInitialize, transactionProcess, the Stripe webhook and refunds
then run for it exactly as they run for a checkout: same gateways, same
idempotency keys, same three steps with no lock held across the network.

A registrant says four things (`PayableKind`):

- ``find(key, requester)``: the source as this requester may reach it, or
  None (NOT_FOUND, as if it did not exist);
- ``lock(key)``: the source re-read under its row lock, inside the caller's
  transaction (None if it is gone);
- ``paid(key, transaction)``: its transactions now charge the full amount;
- ``refunded(key, transaction)``: what was charged has been given back.

Both callbacks run inside the transaction that changed the amounts (a
webhook, a transactionProcess, a refund), under the transaction row's lock,
and may be called more than once for the same state (a replayed webhook,
two transactions): the registrant makes them idempotent.

A source answers with a `Payable`: its currency, its price, and whether it
accepts a new payment now (an expired subscription does not: what is due
is then zero, and transactionInitialize says there is nothing to pay).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from marquee.core.registry import Registry

PAYABLE_SOURCES = Registry("payable sources")


@dataclass(frozen=True)
class Payable:
    """One payable thing of a registered kind, as the payment services see it."""

    kind: str
    key: str
    currency: str
    amount: Decimal
    accepts_payment: bool = True

    @property
    def pk(self) -> str:
        return self.key

    @property
    def total(self) -> Decimal:
        """What its transactions should cover now (zero once it takes no payment)."""
        return self.amount if self.accepts_payment else Decimal(0)


@dataclass(frozen=True)
class PayableKind:
    kind: str
    find: Callable[[str, object], Payable | None]
    lock: Callable[[str], Payable | None]
    paid: Callable[[str, object], None]
    refunded: Callable[[str, object], None]


def register(kind: PayableKind, *, codes=()) -> PayableKind:
    """Add a kind (idempotent per kind name: a second registration replaces nothing)."""
    if find_kind(kind.kind) is None:
        PAYABLE_SOURCES.register(kind, order=100, codes=codes, name=kind.kind)
    return kind


def unregister(name: str) -> None:
    found = find_kind(name)
    if found is not None:
        PAYABLE_SOURCES.unregister(found)


def find_kind(name) -> PayableKind | None:
    for entry in PAYABLE_SOURCES:
        if entry.fn.kind == name:
            return entry.fn
    return None


def kinds() -> list[str]:
    return [entry.fn.kind for entry in PAYABLE_SOURCES]


def find(kind: str, key, requester) -> Payable | None:
    registered = find_kind(kind)
    if registered is None or key is None:
        return None
    return registered.find(str(key), requester)


def settle(item, charged: Decimal, refunded: Decimal) -> None:
    """Tell the source's kind where its transactions stand after `item` changed.

    ``charged`` and ``refunded`` are the sums over every transaction of the
    source. Paid: the charges cover its price. Refunded: something was
    refunded and nothing is charged any more.
    """
    registered = find_kind(item.source_kind)
    if registered is None:
        return
    payable = registered.lock(item.source_key)
    if payable is None:
        return
    if charged >= payable.amount and charged > 0:
        registered.paid(item.source_key, item)
    elif refunded > 0 and charged <= 0:
        registered.refunded(item.source_key, item)
