"""Posting balanced, idempotent journal entries, and reading account balances.

Every period-end posting goes through `post_entry`: it refuses an entry
whose legs do not balance per currency (PostgreSQL would refuse it at
commit anyway; failing here names the entry), and it posts nothing when an
entry with the same key exists, so a close that is run again, or resumed
after a crash, never posts twice.
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


def post_entry(
    *,
    kind: str,
    licensor: Licensor,
    licence: Licence | None,
    effective_date: date,
    key: str,
    legs: list[Leg],
    memo: str = "",
    **sources,
) -> JournalEntry | None:
    """Post one entry (None if `key` was posted before or every leg is zero)."""
    legs = [leg for leg in legs if leg.amount != 0]
    if not legs or JournalEntry.objects.filter(key=key).exists():
        return None
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for leg in legs:
        totals[leg.currency] += leg.amount
    unbalanced = {cur: total for cur, total in totals.items() if total != 0}
    if unbalanced:
        raise ValueError(f"entry {key} does not balance: {unbalanced}")
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
    licensor: Licensor,
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
    """Signed sum (debit positive) of a licensor's account lines of one kind and currency.

    `licence=False` sums every licence's accounts and the licensor's own;
    a licence (or None) restricts to that one account. The date filters use
    the entries' effective dates.
    """
    sql = [
        "SELECT COALESCE(SUM(ll.amount), 0) FROM licensing_ledgerline ll",
        "JOIN licensing_ledgeraccount a ON a.id = ll.account_id",
        "JOIN licensing_journalentry je ON je.id = ll.entry_id",
        "WHERE a.licensor_id = %s AND a.kind = %s AND a.currency = %s",
    ]
    params: list = [licensor.pk, kind, currency]
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


def payable(licensor, currency, **filters) -> Decimal:
    """What the licensor is owed (credit balance of its royalty-payable accounts)."""
    return -balance(licensor, AccountKind.ROYALTY_PAYABLE, currency, **filters)


def payable_currencies(licensor: Licensor, licence: Licence) -> list[str]:
    return list(
        LedgerAccount.objects.filter(
            licensor=licensor, licence=licence, kind=AccountKind.ROYALTY_PAYABLE
        )
        .values_list("currency", flat=True)
        .order_by("currency")
    )
