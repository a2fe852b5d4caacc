"""Posting balanced, idempotent journal entries, and reading account balances.

Period-end postings (`postings`) and payments (`payments`) talk to a
*journal*: five questions and one write, answered here by SQL against the
ledger (`SqlJournal`, the module-level `SQL`) and, during a rebuild, by a
scratch book in memory (`royalties.books.MemoryBook`) that answers the same
questions from running totals. The same posting code runs against both,
so the rebuild recomputes advances, recoupment, true-ups, FX, withholding
and payments as well as the sales.

Every write goes through `check_legs` first: an entry whose legs do not
balance per currency is refused (PostgreSQL would refuse it at commit
anyway; failing here names the entry). A key posted before posts nothing,
so a close that is run again, or resumed after a crash, never posts twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from ..models import AccountKind, JournalEntry, LedgerAccount, LedgerLine, Licence, Licensor

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Leg:
    kind: str  # AccountKind
    amount: Decimal  # debit positive, credit negative
    currency: str
    licence: Licence | None = None


def account(licensor: Licensor, licence: Licence | None, kind: str, currency: str):
    found, _ = LedgerAccount.objects.get_or_create(
        licensor=licensor, licence=licence, kind=kind, currency=currency
    )
    return found


def live(legs: list[Leg]) -> list[Leg]:
    return [leg for leg in legs if leg.amount != 0]


def check_legs(key: str, legs: list[Leg]) -> None:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for leg in legs:
        totals[leg.currency] += leg.amount
    unbalanced = {cur: total for cur, total in totals.items() if total != 0}
    if unbalanced:
        raise ValueError(f"entry {key} does not balance: {unbalanced}")


class Journal:
    """What both journals share: the one way an entry is posted.

    Zero legs are dropped, a key posted before posts nothing, unbalanced legs
    are refused; `_has` and `_write` are each journal's own.
    """

    def post(
        self,
        *,
        kind: str,
        licensor: Licensor,
        licence: Licence | None,
        effective_date: date,
        key: str,
        legs: list[Leg],
        memo: str = "",
        **sources,
    ):
        """Post one entry (None if `key` was posted before or every leg is zero)."""
        legs = live(legs)
        if not legs or self._has(key):
            return None
        check_legs(key, legs)
        return self._write(kind, licensor, licence, effective_date, key, legs, memo, sources)


class SqlJournal(Journal):
    """The journal in PostgreSQL."""

    def _has(self, key: str) -> bool:
        return JournalEntry.objects.filter(key=key).exists()

    def _write(self, kind, licensor, licence, effective_date, key, legs, memo, sources):
        entry = JournalEntry.objects.create(
            kind=kind,
            licensor=licensor,
            licence=licence,
            effective_date=effective_date,
            key=key,
            memo=memo[:500],
            **sources,
        )
        LedgerLine.objects.bulk_create(
            LedgerLine(
                entry=entry,
                account=account(licensor, leg.licence, leg.kind, leg.currency),
                amount=leg.amount,
                currency=leg.currency,
            )
            for leg in legs
        )
        return entry

    def balance(
        self,
        licensor_id: int,
        kind: str,
        currency: str,
        *,
        licence: Licence | None | bool = False,
        before: date | None = None,
        on_or_before: date | None = None,
        entry_kinds: tuple[str, ...] | None = None,
        since: date | None = None,
        key_prefix: str | None = None,
    ) -> Decimal:
        sql = [
            "SELECT COALESCE(SUM(ll.amount), 0) FROM licensing_ledgerline ll",
            "JOIN licensing_ledgeraccount a ON a.id = ll.account_id",
            "JOIN licensing_journalentry je ON je.id = ll.entry_id",
            "WHERE a.licensor_id = %s AND a.kind = %s AND a.currency = %s",
        ]
        params: list = [licensor_id, kind, currency]
        if licence is not False:
            if licence is None:
                sql.append("AND a.licence_id IS NULL")
            else:
                sql.append("AND a.licence_id = %s")
                params.append(licence.pk)
        for clause, value in (
            ("je.effective_date < %s", before),
            ("je.effective_date <= %s", on_or_before),
            ("je.effective_date >= %s", since),
        ):
            if value is not None:
                sql.append(f"AND {clause}")
                params.append(value)
        if entry_kinds is not None:
            sql.append("AND je.kind = ANY(%s)")
            params.append(list(entry_kinds))
        if key_prefix is not None:
            sql.append("AND je.key LIKE %s")
            params.append(key_prefix.replace("%", r"\%").replace("_", r"\_") + "%")
        with connection.cursor() as cursor:
            cursor.execute(" ".join(sql), params)
            return cursor.fetchone()[0]

    def currencies(self, licensor_id: int, licence: Licence, kind: str) -> list[str]:
        return list(
            LedgerAccount.objects.filter(licensor_id=licensor_id, licence=licence, kind=kind)
            .values_list("currency", flat=True)
            .order_by("currency")
        )

    def daily(
        self, licence: Licence, kind: str, currency: str, entry_kinds, since: date, until: date
    ) -> list[tuple[date, Decimal]]:
        """Signed sums per effective date of one licence account's lines of these kinds."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT je.effective_date, SUM(ll.amount)
                  FROM licensing_ledgerline ll
                  JOIN licensing_ledgeraccount a ON a.id = ll.account_id
                  JOIN licensing_journalentry je ON je.id = ll.entry_id
                 WHERE a.licence_id = %s AND a.kind = %s AND a.currency = %s
                   AND je.kind = ANY(%s) AND je.effective_date BETWEEN %s AND %s
                 GROUP BY je.effective_date ORDER BY je.effective_date
                """,
                [licence.pk, kind, currency, list(entry_kinds), since, until],
            )
            return cursor.fetchall()

    def has_entries(self, licence: Licence, since: date, until: date) -> bool:
        return JournalEntry.objects.filter(
            licence=licence, effective_date__range=(since, until)
        ).exists()


SQL = SqlJournal()


@dataclass(frozen=True)
class Posted:
    """What `MemoryJournal.post` answers instead of a saved JournalEntry."""

    key: str
    kind: str


class MemoryJournal(Journal):
    """The same journal as running sums in memory: the rebuild's scratch ledger.

    Lines are summed per account (licensor, kind, currency) under a compact
    key (licence id, entry kind, effective date): a year of sales collapses
    to one sum per licence and day, so a period-end question costs a scan of
    days, not of order lines. Entries that are not the royalty engine's own
    (true-ups, recoupment, FX, withholding, advances, payments: a few per
    licence and period) are also kept by key, for the key-prefix questions
    the period end asks (what earlier versions of a statement posted).
    """

    ENGINE_PREFIXES = ("accrual:", "reversal:", "tier:")

    def __init__(self):
        self.keys: set[str] = set()
        self.sums: dict = defaultdict(lambda: defaultdict(Decimal))
        self.keyed: list[tuple[str, int, int | None, str, str, Decimal]] = []
        self.accounts: dict = defaultdict(Decimal)  # (licensor, licence, kind, cur) -> balance
        self.entry_days: dict[int, set[date]] = defaultdict(set)
        self.entry_counts: dict[str, int] = defaultdict(int)

    # -- writing -------------------------------------------------------------
    def add(self, *, key, kind, licensor_id, licence_id, effective_date, lines) -> None:
        """Record one balanced entry; `lines` are (licence id, account kind, currency, amount)."""
        self.keys.add(key)
        self.entry_counts[kind] += 1
        if licence_id is not None:
            self.entry_days[licence_id].add(effective_date)
        engine = key.startswith(self.ENGINE_PREFIXES)
        for line_licence, account_kind, currency, amount in lines:
            self.sums[(licensor_id, account_kind, currency)][
                (line_licence, kind, effective_date)
            ] += amount
            self.accounts[(licensor_id, line_licence, account_kind, currency)] += amount
            if not engine:
                self.keyed.append((key, licensor_id, line_licence, account_kind, currency, amount))

    def _has(self, key: str) -> bool:
        return key in self.keys

    def _write(self, kind, licensor, licence, effective_date, key, legs, memo, sources):
        self.add(
            key=key,
            kind=kind,
            licensor_id=licensor.pk,
            licence_id=licence.pk if licence is not None else None,
            effective_date=effective_date,
            lines=[
                (
                    leg.licence.pk if leg.licence is not None else None,
                    leg.kind,
                    leg.currency,
                    leg.amount,
                )
                for leg in legs
            ],
        )
        return Posted(key, kind)

    # -- reading -------------------------------------------------------------
    def balance(
        self,
        licensor_id: int,
        kind: str,
        currency: str,
        *,
        licence: Licence | None | bool = False,
        before: date | None = None,
        on_or_before: date | None = None,
        entry_kinds: tuple[str, ...] | None = None,
        since: date | None = None,
        key_prefix: str | None = None,
    ) -> Decimal:
        wanted = False if licence is False else (None if licence is None else licence.pk)
        if key_prefix is not None and not key_prefix.startswith(self.ENGINE_PREFIXES):
            if before or on_or_before or since or entry_kinds:
                raise ValueError("key-prefix balances take no other filter")
            return sum(
                (
                    amount
                    for key, who, line_licence, account_kind, cur, amount in self.keyed
                    if who == licensor_id
                    and account_kind == kind
                    and cur == currency
                    and (wanted is False or line_licence == wanted)
                    and key.startswith(key_prefix)
                ),
                ZERO,
            )
        if key_prefix is not None:
            raise ValueError("the memory journal sums engine entries by account, not by key")
        total = ZERO
        for (line_licence, entry_kind, day), amount in self.sums[
            (licensor_id, kind, currency)
        ].items():
            if wanted is not False and line_licence != wanted:
                continue
            if entry_kinds is not None and entry_kind not in entry_kinds:
                continue
            if (
                (before is not None and day >= before)
                or (on_or_before is not None and day > on_or_before)
                or (since is not None and day < since)
            ):
                continue
            total += amount
        return total

    def currencies(self, licensor_id: int, licence: Licence, kind: str) -> list[str]:
        return sorted(
            {
                cur
                for who, line_licence, account_kind, cur in self.accounts
                if who == licensor_id and line_licence == licence.pk and account_kind == kind
            }
        )

    def daily(
        self, licence: Licence, kind: str, currency: str, entry_kinds, since: date, until: date
    ) -> list[tuple[date, Decimal]]:
        days: dict[date, Decimal] = defaultdict(Decimal)
        for (line_licence, entry_kind, day), amount in self.sums[
            (licence.licensor_id, kind, currency)
        ].items():
            if line_licence == licence.pk and entry_kind in entry_kinds and since <= day <= until:
                days[day] += amount
        return sorted(days.items())

    def has_entries(self, licence: Licence, since: date, until: date) -> bool:
        return any(since <= day <= until for day in self.entry_days.get(licence.pk, ()))


def post_entry(**entry) -> JournalEntry | None:
    return SQL.post(**entry)


def balance(licensor: Licensor, kind: str, currency: str, **filters) -> Decimal:
    """Signed sum (debit positive) of a licensor's account lines of one kind and currency.

    `licence=False` sums every licence's accounts and the licensor's own;
    a licence (or None) restricts to that one account. The date filters use
    the entries' effective dates.
    """
    return SQL.balance(licensor.pk, kind, currency, **filters)


def payable(licensor, currency, *, journal=SQL, **filters) -> Decimal:
    """What the licensor is owed (credit balance of its royalty-payable accounts)."""
    return -journal.balance(licensor.pk, AccountKind.ROYALTY_PAYABLE, currency, **filters)


def payable_currencies(licensor: Licensor, licence: Licence, journal=SQL) -> list[str]:
    return journal.currencies(licensor.pk, licence, AccountKind.ROYALTY_PAYABLE)
