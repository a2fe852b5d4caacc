"""The rebuild: every ledger entry recomputed from its source documents, compared.

Sources, each replayed through the very function that posted it the first
time, against a `MemoryBook` (running sums in memory, see `books`) instead
of the journal in PostgreSQL:

- the `order.paid` / `order.refunded` outbox events and the sale snapshots
  (accruals, tier steps, reversals: `posting.accrue` / `posting.reverse`);
- the recorded advances and royalty payments (`RoyaltyPayment` rows:
  `payments.post_payment`);
- the issued statements, each version (`close.post_period_end`: true-ups,
  recoupment, FX, withholding).

They are merged in the order the ledger saw them: an event when the
`royalty-ledger` consumer delivered it (when it was written, if it is not
delivered yet), a payment when it was recorded, a statement when it was
issued. Order matters: a close reads what was owed on the day it ran, and
a tier reads the contract year's volume so far. Events stream in keyset
batches (their sale snapshots loaded per batch), so the replay's memory is
the book's sums, not the history.

Compared with the ledger: the balance of every account - (licensor,
licence, kind, currency), the licensor-level accounts included - and the
number of entries of each kind. Any entry lost, doubled, edited or computed
from a moved register shows up as a difference.

A refund the consumer refuses (more units than the line has left) is
refused here too and counted, not posted. An event that is not delivered
yet is replayed (it is owed) and counted, so a difference it causes reads
as "not posted yet" rather than as a wrong posting.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from marquee.core.exceptions import DomainError
from marquee.merch.models.outbox import OutboxDelivery, OutboxEvent

from ..models import RoyaltyPayment, Statement
from ..statements.close import post_period_end
from ..statements.payments import post_payment
from . import posting
from .books import MemoryBook, ledger_balances, ledger_entry_counts

BATCH = 1000
EVENT, PAYMENT, STATEMENT = 0, 1, 2  # the tie-break when two sources share a moment


@dataclass(frozen=True)
class Difference:
    account: tuple  # (licensor id, licence id, kind, currency); ("entries", kind) for counts
    ledger: Decimal
    rebuilt: Decimal


@dataclass
class Rebuild:
    book: MemoryBook
    events: int = 0
    undelivered: int = 0
    payments: int = 0
    statements: int = 0
    refused: list = field(default_factory=list)

    @property
    def balances(self) -> dict:
        return {k: v for k, v in self.book.balances.items() if v}

    @property
    def entry_counts(self) -> dict:
        return {k: v for k, v in self.book.journal.entry_counts.items() if v}


def _events() -> Iterator[tuple]:
    """(moment, EVENT, pk, (event, the sales of its order)) in keyset batches."""
    delivered = OutboxDelivery.objects.filter(
        event_id=OuterRef("pk"), consumer=posting.CONSUMER
    ).values("delivered_at")[:1]
    rows = (
        OutboxEvent.objects.filter(type__in=[posting.PAID, posting.REFUNDED])
        .annotate(
            delivered_at=Subquery(delivered), moment=Coalesce(F("delivered_at"), F("created_at"))
        )
        .order_by("moment", "pk")
    )
    after = None
    while True:
        page = (
            rows
            if after is None
            else rows.filter(Q(moment__gt=after[0]) | Q(moment=after[0], pk__gt=after[1]))
        )
        batch = list(page[:BATCH])
        if not batch:
            return
        by_order: dict = {}
        for line_id, sales in posting.load_sales({e.order_id for e in batch}).items():
            by_order.setdefault(sales[0].snapshot.order_line.order_id, {})[line_id] = sales
        for event in batch:
            yield (event.moment, EVENT, event.pk, (event, by_order.get(event.order_id)))
        after = (batch[-1].moment, batch[-1].pk)


def _payments() -> Iterator[tuple]:
    rows = RoyaltyPayment.objects.select_related("licensor", "licence", "recorded_by")
    for payment in rows.order_by("recorded_at", "pk").iterator(chunk_size=BATCH):
        yield (payment.recorded_at, PAYMENT, payment.pk, payment)


def _statements() -> Iterator[tuple]:
    rows = Statement.objects.select_related("licensor").order_by("issued_at", "pk")
    for statement in rows.iterator(chunk_size=BATCH):
        yield (statement.issued_at, STATEMENT, statement.pk, statement)


def replay() -> Rebuild:
    result = Rebuild(book=MemoryBook())
    book = result.book
    for _moment, source, _pk, item in heapq.merge(_events(), _payments(), _statements()):
        if source == EVENT:
            _replay_event(result, *item)
        elif source == PAYMENT:
            result.payments += 1
            post_payment(item, journal=book.journal)
        else:
            result.statements += 1
            post_period_end(
                item.licensor,
                item.period_start,
                item.period_end,
                item.currency,
                item.version,
                journal=book.journal,
            )
    return result


def _replay_event(result: Rebuild, event, lines) -> None:
    if not lines:
        return
    result.events += 1
    if event.delivered_at is None:
        result.undelivered += 1
    on = posting.business_date(event)
    if event.type == posting.PAID:
        posting.accrue(lines, result.book, on=on, event_id=event.pk)
        return
    try:
        posting.reverse(lines, event.payload, result.book, on=on, event_id=event.pk)
    except DomainError as error:
        result.refused.append((event.key, [d.code for d in error.details]))


def compare(rebuild: Rebuild) -> list[Difference]:
    """Accounts (to the cent) and entry counts where the ledger differs from the rebuild."""
    zero = Decimal(0)
    ledger = {k: v for k, v in ledger_balances().items() if v}
    rebuilt = rebuild.balances
    differences = [
        Difference(account, ledger.get(account, zero), rebuilt.get(account, zero))
        for account in sorted(set(ledger) | set(rebuilt), key=str)
        if ledger.get(account, zero) != rebuilt.get(account, zero)
    ]
    counted, recounted = ledger_entry_counts(), rebuild.entry_counts
    differences += [
        Difference(
            ("entries", kind), Decimal(counted.get(kind, 0)), Decimal(recounted.get(kind, 0))
        )
        for kind in sorted(set(counted) | set(recounted))
        if counted.get(kind, 0) != recounted.get(kind, 0)
    ]
    return differences
