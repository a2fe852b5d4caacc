"""The rebuild: every royalty posting recomputed from the source events, compared.

Sources are the sale snapshots and the `order.paid` / `order.refunded`
outbox events. They are replayed in the order they were written (event
id) through the very `posting` functions the consumer runs, but against a
`MemoryBook` (running totals in dictionaries) instead of the journal (SQL
sums), and the resulting balance per account - (licensor, licence, kind,
currency) - is compared with the ledger's balance over the royalty
engine's own entries (keys ``accrual:``, ``reversal:``, ``tier:``;
advances, payments and the like are posted by the period close and are
not sources here). Any posting lost, doubled, edited or computed from a
moved register shows up as a difference.

A refund the consumer refuses (more units than the line has left) is
refused here too and counted, not posted.

Order matters only for tiers: the ledger counts the contract year's
volume in the order events were delivered, the rebuild in the order they
were written. They are the same unless deliveries overtook each other
(retries, parallel workers); then retroactive tiers still agree (every
sale of the year ends at the reached rate), while marginal tiers can put
different units of different lines in the higher tier and show up here as
a difference worth a look.

The replay holds the snapshots of every order at once; at the scale of
`bench/royalty_close.py` it should stream orders in batches (same code,
a loop over id ranges).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from marquee.core.exceptions import DomainError
from marquee.merch.models.outbox import OutboxEvent

from . import posting
from .books import MemoryBook, ledger_balances


@dataclass(frozen=True)
class Difference:
    account: tuple  # (licensor id, licence id, kind, currency)
    ledger: Decimal
    rebuilt: Decimal


@dataclass
class Rebuild:
    book: MemoryBook
    events: int = 0
    refused: list = field(default_factory=list)

    @property
    def balances(self) -> dict:
        return {k: v for k, v in self.book.balances.items() if v}


def replay() -> Rebuild:
    events = list(
        OutboxEvent.objects.filter(type__in=[posting.PAID, posting.REFUNDED]).order_by("pk")
    )
    by_line = posting.load_sales({e.order_id for e in events})
    by_order: dict = {}
    for line_id, sales in by_line.items():
        by_order.setdefault(sales[0].snapshot.order_line.order_id, {})[line_id] = sales
    result = Rebuild(book=MemoryBook())
    for event in events:
        lines = by_order.get(event.order_id)
        if not lines:
            continue
        result.events += 1
        on = posting.business_date(event)
        if event.type == posting.PAID:
            posting.accrue(lines, result.book, on=on, event_id=event.pk)
        else:
            try:
                posting.reverse(lines, event.payload, result.book, on=on, event_id=event.pk)
            except DomainError as error:
                result.refused.append((event.key, [d.code for d in error.details]))
    return result


def compare(rebuild: Rebuild) -> list[Difference]:
    """Accounts whose ledger balance differs from the rebuilt one (to the cent)."""
    ledger = {k: v for k, v in ledger_balances().items() if v}
    rebuilt = rebuild.balances
    return [
        Difference(account, ledger.get(account, Decimal(0)), rebuilt.get(account, Decimal(0)))
        for account in sorted(set(ledger) | set(rebuilt), key=str)
        if ledger.get(account, Decimal(0)) != rebuilt.get(account, Decimal(0))
    ]
