"""Where royalty postings go: the ledger (PostgreSQL), or a scratch book in memory.

`posting` computes every entry against a *book*: it asks the book what was
posted before (the contract year's volume, a line's accrual and what its
refunds reversed, the earlier sales a retroactive tier step lifts) and
hands it the new entries. `LedgerBook` answers from and writes to the
journal; `MemoryBook` keeps the same facts in dictionaries, so the rebuild
replays the source events into it and compares balances with the ledger.
The two answer the same questions by different means (SQL sums against
running totals), which is what makes the comparison worth having.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from ..models import AccountKind, EntryKind, JournalEntry, LedgerAccount, LedgerLine

# The entries the royalty engine owns (others post advances, payments...).
KEY_PREFIXES = ("accrual:", "reversal:", "tier:")


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


@dataclass
class MemoryBook:
    """The scratch ledger of the rebuild."""

    keys: set = field(default_factory=set)
    volumes: dict = field(default_factory=lambda: defaultdict(lambda: [0, Decimal(0)]))
    accruals: dict = field(default_factory=dict)
    refunded: dict = field(default_factory=lambda: defaultdict(int))
    by_year: dict = field(default_factory=lambda: defaultdict(list))
    balances: dict = field(default_factory=lambda: defaultdict(Decimal))

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
            Earlier(p.base, p.units, p.share, p.rate)
            for p in self.by_year[(licence_id, start)]
            if p.terms_id == terms_id and p.snapshot_id != exclude
        ]

    def post(self, posting: Posting, year_start: date | None = None) -> bool:
        if posting.key in self.keys:
            return False
        self.keys.add(posting.key)
        if posting.kind == EntryKind.ACCRUAL:
            volume = self.volumes[(posting.licence_id, year_start)]
            volume[0] += posting.units
            volume[1] += posting.base
            self.by_year[(posting.licence_id, year_start)].append(posting)
            self.accruals[posting.snapshot_id] = Accrued(
                posting.amount, posting.base, posting.rate, posting.units, posting.key
            )
        elif posting.kind == EntryKind.REVERSAL:
            self.refunded[posting.snapshot_id] += -posting.units
        for kind, amount in legs(posting):
            if amount:
                account = (posting.licensor_id, posting.licence_id, kind, posting.currency)
                self.balances[account] += amount
        return True


class LedgerBook:
    """The journal in PostgreSQL; call inside the posting's transaction."""

    def __init__(self):
        self._accounts: dict = {}

    def has(self, key: str) -> bool:
        return JournalEntry.objects.filter(key=key).exists()

    def volume(self, licence_id: int, start: date, end: date) -> tuple[int, Decimal]:
        totals = JournalEntry.objects.filter(
            kind=EntryKind.ACCRUAL,
            licence_id=licence_id,
            effective_date__gte=start,
            effective_date__lt=end,
        ).aggregate(units=Sum("units"), revenue=Sum("base_amount"))
        return totals["units"] or 0, totals["revenue"] or Decimal(0)

    def accrual(self, snapshot_id: int) -> Accrued | None:
        entry = (
            JournalEntry.objects.filter(kind=EntryKind.ACCRUAL, snapshot_id=snapshot_id)
            .annotate(amount=Sum("lines__amount", filter=Q(lines__amount__gt=0)))
            .first()
        )
        if entry is None:
            return None
        amount = entry.amount or Decimal(0)
        return Accrued(amount, entry.base_amount, entry.rate_percent, entry.units, entry.key)

    def refunded_units(self, snapshot_id: int) -> int:
        total = JournalEntry.objects.filter(
            kind=EntryKind.REVERSAL, snapshot_id=snapshot_id
        ).aggregate(units=Sum("units"))["units"]
        return -(total or 0)

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
        return [Earlier(*row) for row in rows]

    def _account(self, licensor_id, licence_id, kind, currency) -> int:
        key = (licensor_id, licence_id, kind, currency)
        if key not in self._accounts:
            account, _ = LedgerAccount.objects.get_or_create(
                licensor_id=licensor_id, licence_id=licence_id, kind=kind, currency=currency
            )
            self._accounts[key] = account.pk
        return self._accounts[key]

    def post(self, posting: Posting, year_start: date | None = None) -> bool:
        """Write the entry and its lines; False (nothing written) if its key exists."""
        reverses = None
        if posting.reverses_key:
            reverses = JournalEntry.objects.filter(key=posting.reverses_key).first()
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    kind=posting.kind,
                    licensor_id=posting.licensor_id,
                    licence_id=posting.licence_id,
                    effective_date=posting.effective_date,
                    key=posting.key,
                    memo=posting.memo[:500],
                    order_line_id=posting.order_line_id,
                    snapshot_id=posting.snapshot_id,
                    refund_id=posting.refund_id,
                    outbox_event_id=posting.outbox_event_id,
                    reverses=reverses,
                    units=posting.units,
                    base_amount=posting.base,
                    rate_percent=posting.rate,
                    per_unit_amount=posting.per_unit_amount,
                    tier_lower_bound=posting.tier_lower_bound,
                )
        except IntegrityError:
            return False  # posted before (a redelivered event)
        LedgerLine.objects.bulk_create(
            LedgerLine(
                entry=entry,
                account_id=self._account(
                    posting.licensor_id, posting.licence_id, kind, posting.currency
                ),
                amount=amount,
                currency=posting.currency,
            )
            for kind, amount in legs(posting)
            if amount
        )
        return True


def ledger_balances() -> dict:
    """The ledger's balance per (licensor, licence, kind, currency), royalty entries only."""
    prefix = Q()
    for start in KEY_PREFIXES:
        prefix |= Q(entry__key__startswith=start)
    rows = (
        LedgerLine.objects.filter(prefix)
        .values_list(
            "account__licensor_id", "account__licence_id", "account__kind", "account__currency"
        )
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {tuple(row[:4]): row[4] for row in rows}
