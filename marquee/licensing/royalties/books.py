"""Where royalty postings go: the ledger (PostgreSQL), or a scratch book in memory.

`posting` computes every entry against a *book*: it asks the book what was
posted before (the contract year's volume, a line's accrual and what its
refunds reversed, the earlier sales a retroactive tier step lifts) and
hands it the new entries. `LedgerBook` answers from and writes to the
journal; `MemoryBook` keeps the same facts in dictionaries (and every entry
in a `statements.ledger.MemoryJournal`), so the rebuild replays the source
events into it and compares balances with the ledger.
The two answer the same questions by different means (SQL sums against
running totals), which is what makes the comparison worth having.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from ..models import AccountKind, EntryKind, JournalEntry, LedgerAccount, LedgerLine
from ..statements.ledger import MemoryJournal


@dataclass(frozen=True)
class Posting:
    """One journal entry: ``amount`` is debited to royalty expense and credited to
    the licensor's royalty payable (negative: the other way round)."""

    key: str
    kind: str
    licensor_id: int
    licence_id: int
    currency: str
    amount: Decimal
    effective_date: date
    snapshot_id: int
    order_line_id: object
    units: int = 0
    base: Decimal = Decimal(0)
    rate: Decimal | None = None
    per_unit_amount: Decimal | None = None
    tier_lower_bound: Decimal | None = None
    terms_id: int | None = None
    share: Decimal = Decimal(100)
    refund_id: int | None = None
    outbox_event_id: int | None = None
    reverses_key: str | None = None
    memo: str = ""


@dataclass(frozen=True)
class Accrued:
    amount: Decimal
    base: Decimal
    rate: Decimal | None
    units: int
    key: str


@dataclass(frozen=True)
class Earlier:
    base: Decimal
    units: int
    share: Decimal
    rate: Decimal | None


def legs(posting: Posting):
    """(account kind, signed amount) of a posting: debit positive, credit negative."""
    return (
        (AccountKind.ROYALTY_EXPENSE.value, posting.amount),
        (AccountKind.ROYALTY_PAYABLE.value, -posting.amount),
    )


@dataclass(frozen=True)
class _Sale:
    """What a retroactive tier step needs of an earlier accrual (kept per contract year)."""

    terms_id: int | None
    snapshot_id: int
    earlier: Earlier


@dataclass
class MemoryBook:
    """The scratch ledger of the rebuild.

    The royalty engine's questions (volumes, accruals, refunded units, the
    year's earlier sales) are answered from running totals here; every entry
    also lands in `journal`, a `MemoryJournal`, which answers the period
    end's and the payments' questions. The rebuild hands that journal to the
    very functions the close and the payments run, so one scratch ledger
    holds every kind of entry.
    """

    keys: set = field(default_factory=set)
    volumes: dict = field(default_factory=lambda: defaultdict(lambda: [0, Decimal(0)]))
    accruals: dict = field(default_factory=dict)
    refunded: dict = field(default_factory=lambda: defaultdict(int))
    by_year: dict = field(default_factory=lambda: defaultdict(list))
    journal: MemoryJournal = field(default_factory=MemoryJournal)

    def __post_init__(self):
        self.journal.keys = self.keys  # one set of posted keys, whoever posted them

    @property
    def balances(self) -> dict:
        """Balance per (licensor, licence, account kind, currency)."""
        return self.journal.accounts

    def prepare(self, snapshot_ids, keys) -> None:
        """Load what the book holds for these snapshots (nothing to do in memory)."""

    def flush(self) -> list:
        return []

    def has(self, key: str) -> bool:
        return key in self.keys

    def volume(self, licence_id: int, start: date, end: date) -> tuple[int, Decimal]:
        units, revenue = self.volumes[(licence_id, start)]
        return units, revenue

    def accrual(self, snapshot_id: int) -> Accrued | None:
        return self.accruals.get(snapshot_id)

    def refunded_units(self, snapshot_id: int) -> int:
        return self.refunded[snapshot_id]

    def earlier(self, licence_id, terms_id, start, end, exclude) -> list[Earlier]:
        return [
            sale.earlier
            for sale in self.by_year[(licence_id, start)]
            if sale.terms_id == terms_id and sale.snapshot_id != exclude
        ]

    def post(self, posting: Posting, year_start: date | None = None) -> bool:
        if posting.key in self.keys:
            return False
        self.keys.add(posting.key)
        if posting.kind == EntryKind.ACCRUAL:
            volume = self.volumes[(posting.licence_id, year_start)]
            volume[0] += posting.units
            volume[1] += posting.base
            self.by_year[(posting.licence_id, year_start)].append(
                _Sale(
                    posting.terms_id,
                    posting.snapshot_id,
                    Earlier(posting.base, posting.units, posting.share, posting.rate),
                )
            )
            self.accruals[posting.snapshot_id] = Accrued(
                posting.amount, posting.base, posting.rate, posting.units, posting.key
            )
        elif posting.kind == EntryKind.REVERSAL:
            self.refunded[posting.snapshot_id] += -posting.units
        self._record(posting)
        return True

    def _record(self, posting: Posting) -> None:
        self.journal.add(
            key=posting.key,
            kind=posting.kind,
            licensor_id=posting.licensor_id,
            licence_id=posting.licence_id,
            effective_date=posting.effective_date,
            lines=[
                (posting.licence_id, kind, posting.currency, amount)
                for kind, amount in legs(posting)
                if amount
            ],
        )


class LedgerBook(MemoryBook):
    """The journal in PostgreSQL; use inside the posting's transaction.

    `prepare` loads, in a few statements, what the ledger already holds for
    the snapshots at hand (their keys, accruals and refunded units); the
    contract year's volume and a retroactive step's earlier sales are read
    by SQL sums when first asked. Postings then run against that state and
    `flush` writes them all: one INSERT for the accounts, one for the
    entries, one for the lines, whatever the number of lines. The caller
    holds a row lock on every licence involved, so nothing else posts for
    them in between.
    """

    def __init__(self):
        super().__init__()
        self._loaded_volumes: set = set()
        self._entry_ids: dict[str, int] = {}
        self.pending: list[Posting] = []

    def prepare(self, snapshot_ids, keys) -> None:
        taken = JournalEntry.objects.filter(key__in=keys).order_by().values_list("key", flat=True)
        self.keys |= set(taken)
        accruals = (
            JournalEntry.objects.filter(kind=EntryKind.ACCRUAL, snapshot_id__in=snapshot_ids)
            .annotate(amount=Sum("lines__amount", filter=Q(lines__amount__gt=0)))
            .values_list(
                "pk", "key", "snapshot_id", "amount", "base_amount", "rate_percent", "units"
            )
        )
        for pk, key, snapshot_id, amount, base, rate, units in accruals:
            self._entry_ids[key] = pk
            self.accruals[snapshot_id] = Accrued(amount or Decimal(0), base, rate, units, key)
        refunded = (
            JournalEntry.objects.filter(kind=EntryKind.REVERSAL, snapshot_id__in=snapshot_ids)
            .values_list("snapshot_id")
            .annotate(units=Sum("units"))
            .order_by()
        )
        for snapshot_id, units in refunded:
            self.refunded[snapshot_id] = -(units or 0)

    def volume(self, licence_id: int, start: date, end: date) -> tuple[int, Decimal]:
        if (licence_id, start) not in self._loaded_volumes:
            totals = JournalEntry.objects.filter(
                kind=EntryKind.ACCRUAL,
                licence_id=licence_id,
                effective_date__gte=start,
                effective_date__lt=end,
            ).aggregate(units=Sum("units"), revenue=Sum("base_amount"))
            self.volumes[(licence_id, start)] = [
                totals["units"] or 0,
                totals["revenue"] or Decimal(0),
            ]
            self._loaded_volumes.add((licence_id, start))
        return super().volume(licence_id, start, end)

    def earlier(self, licence_id, terms_id, start, end, exclude) -> list[Earlier]:
        rows = (
            JournalEntry.objects.filter(
                kind=EntryKind.ACCRUAL,
                licence_id=licence_id,
                snapshot__terms_id=terms_id,
                effective_date__gte=start,
                effective_date__lt=end,
            )
            .exclude(snapshot_id=exclude)
            .values_list("base_amount", "units", "snapshot__share_percent", "rate_percent")
        )
        stored = [Earlier(*row) for row in rows]
        return stored + super().earlier(licence_id, terms_id, start, end, exclude)

    def post(self, posting: Posting, year_start: date | None = None) -> bool:
        if not super().post(posting, year_start):
            return False
        self.pending.append(posting)
        return True

    def _record(self, posting: Posting) -> None:
        """Nothing to sum: `flush` writes the entry to the journal itself."""

    def _accounts(self, pending) -> dict:
        """The account ids the postings need, created where missing (two statements)."""
        wanted = {
            (p.licensor_id, p.licence_id, kind, p.currency)
            for p in pending
            for kind, amount in legs(p)
            if amount
        }
        if not wanted:
            return {}
        LedgerAccount.objects.bulk_create(
            [
                LedgerAccount(licensor_id=a, licence_id=b, kind=c, currency=d)
                for a, b, c, d in wanted
            ],
            ignore_conflicts=True,
        )
        rows = (
            LedgerAccount.objects.filter(
                licensor_id__in={w[0] for w in wanted}, licence_id__in={w[1] for w in wanted}
            )
            .values_list("pk", "licensor_id", "licence_id", "kind", "currency")
            .order_by()
        )
        return {tuple(row[1:]): row[0] for row in rows}

    def flush(self) -> list[Posting]:
        """Write the pending postings; returns them."""
        pending, self.pending = self.pending, []
        if not pending:
            return []
        accounts = self._accounts(pending)
        entries = JournalEntry.objects.bulk_create(
            [
                JournalEntry(
                    kind=p.kind,
                    licensor_id=p.licensor_id,
                    licence_id=p.licence_id,
                    effective_date=p.effective_date,
                    key=p.key,
                    memo=p.memo[:500],
                    order_line_id=p.order_line_id,
                    snapshot_id=p.snapshot_id,
                    refund_id=p.refund_id,
                    outbox_event_id=p.outbox_event_id,
                    reverses_id=self._entry_ids.get(p.reverses_key),
                    units=p.units,
                    base_amount=p.base,
                    rate_percent=p.rate,
                    per_unit_amount=p.per_unit_amount,
                    tier_lower_bound=p.tier_lower_bound,
                )
                for p in pending
            ]
        )
        LedgerLine.objects.bulk_create(
            LedgerLine(
                entry=entry,
                account_id=accounts[(p.licensor_id, p.licence_id, kind, p.currency)],
                amount=amount,
                currency=p.currency,
            )
            for entry, p in zip(entries, pending, strict=True)
            for kind, amount in legs(p)
            if amount
        )
        return pending


def ledger_balances() -> dict:
    """The ledger's balance per (licensor, licence, account kind, currency), every entry."""
    rows = (
        LedgerLine.objects.values_list(
            "account__licensor_id", "account__licence_id", "account__kind", "account__currency"
        )
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {tuple(row[:4]): row[4] for row in rows}


def ledger_entry_counts() -> dict:
    """How many entries of each kind the ledger holds."""
    rows = JournalEntry.objects.values_list("kind").annotate(n=Count("pk")).order_by()
    return dict(rows)
