"""PostgreSQL itself keeps the ledger append-only and every entry balanced."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from marquee.licensing import services
from marquee.licensing.models import AccountKind, EntryKind, JournalEntry, LedgerAccount, LedgerLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(db):
    licensor = services.create_licensor(slug="studio-l", name="Studio L")
    make = lambda kind: LedgerAccount.objects.create(  # noqa: E731
        licensor=licensor, kind=kind, currency="CNY"
    )
    return licensor, make(AccountKind.ROYALTY_EXPENSE), make(AccountKind.ROYALTY_PAYABLE)


def post(licensor, legs, key="test:1"):
    entry = JournalEntry.objects.create(
        kind=EntryKind.ADJUSTMENT, licensor=licensor, effective_date=date(2026, 1, 5), key=key
    )
    for account, amount in legs:
        LedgerLine.objects.create(entry=entry, account=account, amount=amount, currency="CNY")
    return entry


def check_now():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_balanced_entry_is_accepted(accounts):
    licensor, expense, payable = accounts
    post(licensor, [(expense, Decimal("12.3400")), (payable, Decimal("-12.3400"))])
    check_now()


def test_an_unbalanced_entry_is_refused_at_commit(accounts):
    licensor, expense, payable = accounts
    unbalanced = [(expense, Decimal("12.3500")), (payable, Decimal("-12.3400"))]
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        post(licensor, unbalanced)
        check_now()


@pytest.mark.parametrize("table", [JournalEntry, LedgerLine])
def test_entries_and_lines_cannot_be_edited_or_deleted(accounts, table):
    licensor, expense, payable = accounts
    post(licensor, [(expense, Decimal("5")), (payable, Decimal("-5"))])
    check_now()
    row = table.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        table.objects.filter(pk=row.pk).update(id=row.pk)
    # Raw SQL: the trigger holds whatever writes, not only the ORM.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table._meta.db_table} WHERE id = %s", [row.pk])
