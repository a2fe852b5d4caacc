"""Closing a period: statements, lines aggregated in PostgreSQL, progress, idempotency."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.licensing.models import (
    JournalEntry,
    LedgerLine,
    PeriodCloseStatus,
    RoyaltyPeriodClose,
    Statement,
)
from marquee.licensing.statements import close as closing
from marquee.licensing.statements import rendering

from .conftest import Q1_2025, Q2_2025
from .factories import refund, sale, terms


def check_ledger_balanced():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_statement_lines_and_totals(register, licence, run_close):
    shop = register.shop
    tee = sale(shop, licence, on=date(2025, 1, 10), quantity=3, unit_net="80", unit_list="100")
    sale(shop, licence, on=date(2025, 2, 1), quantity=1, unit_net="100", sku="TEE-1")
    sale(shop, licence, on=date(2025, 2, 2), quantity=2, unit_net="50", country="US", sku="MUG")
    refund(tee, on=date(2025, 3, 5), quantity=1)
    sale(shop, licence, on=date(2025, 4, 1), quantity=5)  # next quarter: not stated

    request = run_close(Q1_2025)

    assert not request.already_closed
    close = request.close
    assert close.status == PeriodCloseStatus.DONE
    assert (close.licensors_done, close.licensors_total) == (1, 1)
    statement = Statement.objects.get(licensor=register.licensor_a)
    assert statement.due_date == date(2025, 4, 30)
    lines = {(line.sku, line.country): line for line in statement.lines.all()}
    assert set(lines) == {("TEE-1", "CN"), ("MUG", "US")}
    tee_line = lines["TEE-1", "CN"]
    # 3 @ 80 (list 100) + 1 @ 100, one of the 80s refunded.
    assert tee_line.units == 3
    assert tee_line.gross == Decimal("400")
    assert tee_line.discounts == Decimal("60")
    assert tee_line.returns == Decimal("80")
    assert tee_line.royalty_base == Decimal("260")
    assert tee_line.rate_percent == Decimal("10")
    assert tee_line.royalty == Decimal("26")
    assert tee_line.royalty_in_statement_currency == Decimal("26")
    assert tee_line.channel == shop.china.slug
    assert lines["MUG", "US"].royalty == Decimal("10")
    assert statement.royalty == Decimal("36")
    assert statement.units == 5
    assert statement.opening_balance == 0
    assert statement.amount_payable == Decimal("36")
    assert statement.fx_adjustment == 0
    check_ledger_balanced()


def test_period_not_ended_is_refused(register, licence):
    today = timezone.localdate()
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        closing.close_period(start, end, register.staff)
    assert refused.value.details[0].code == "PERIOD_NOT_ENDED"
    assert not RoyaltyPeriodClose.objects.exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2025, 1, 2), date(2025, 3, 31)), (date(2025, 1, 1), date(2025, 3, 30))],
)
def test_period_must_be_whole_months(register, start, end):
    with pytest.raises(DomainError) as refused:
        closing.close_period(start, end, register.staff)
    assert refused.value.details[0].code == "PERIOD_INVALID"


def test_second_close_is_a_noop_that_says_so(register, licence, run_close):
    sale(register.shop, licence, on=date(2025, 2, 1))
    first = run_close(Q1_2025)
    entries = JournalEntry.objects.count()
    again = run_close(Q1_2025)
    assert again.already_closed
    assert "already closed" in again.message
    assert again.close.pk == first.close.pk
    assert Statement.objects.count() == 1
    assert JournalEntry.objects.count() == entries
    # Running the task again changes nothing either.
    closing.run_close(first.close.pk)
    assert Statement.objects.count() == 1


def test_opening_balance_carries_what_was_not_paid(register, licence, run_close):
    sale(register.shop, licence, on=date(2025, 2, 1), unit_net="100")
    run_close(Q1_2025)
    sale(register.shop, licence, on=date(2025, 5, 1), unit_net="50")
    run_close(Q2_2025)
    q2 = Statement.objects.get(period_start=Q2_2025[0])
    assert q2.opening_balance == Decimal("10")
    assert q2.royalty == Decimal("5")
    assert q2.amount_payable == Decimal("15")


def test_yearly_licence_is_stated_once_a_year(register, run_close):
    yearly = register.licence(
        register.licensor_b,
        "B-YEAR",
        [register.property_b],
        term_start=date(2024, 1, 1),
        term_end=date(2027, 12, 31),
        statement_period_months=12,
    )
    terms(yearly, rate="8")
    sale(register.shop, yearly, on=date(2025, 2, 1), unit_net="100")
    run_close(Q1_2025)
    assert not Statement.objects.filter(licensor=register.licensor_b).exists()
    sale(register.shop, yearly, on=date(2025, 11, 1), unit_net="100")
    run_close((date(2025, 10, 1), date(2025, 12, 31)))
    statement = Statement.objects.get(licensor=register.licensor_b)
    assert statement.royalty == Decimal("16")  # the whole year's sales
    assert statement.opening_balance == 0
    assert statement.amount_payable == Decimal("16")


def test_issued_statement_is_immutable_and_reissued_as_a_new_version(register, licence, run_close):
    sale(register.shop, licence, on=date(2025, 2, 1), unit_net="100")
    run_close(Q1_2025)
    first = Statement.objects.get()
    with pytest.raises(DomainError) as refused:
        closing.amend_statement(first, royalty=Decimal(0))
    assert refused.value.details[0].code == "STATEMENT_IMMUTABLE"
    with pytest.raises(DatabaseError), transaction.atomic():
        Statement.objects.filter(pk=first.pk).update(royalty=Decimal(0))
    with pytest.raises(DomainError) as no_reason:
        closing.reissue_statement(first, " ")
    assert no_reason.value.details[0].code == "REASON_REQUIRED"

    # A sale found late, dated in the period, corrected by a new version.
    sale(register.shop, licence, on=date(2025, 3, 30), unit_net="30")
    second = closing.reissue_statement(first, "late sale of 30 March", register.staff)
    assert second.version == 2
    assert second.supersedes == first
    assert "late sale" in second.reason
    assert second.royalty == Decimal("13")
    first.refresh_from_db()
    assert first.royalty == Decimal("10")
    with pytest.raises(DomainError) as stale:
        closing.reissue_statement(first, "again")
    assert stale.value.details[0].code == "STATEMENT_SUPERSEDED"


def test_files_hook_runs_for_each_statement(register, licence, run_close):
    rendered = []
    renderer = rendering.register_statement_renderer(rendered.append)
    try:
        sale(register.shop, licence, on=date(2025, 2, 1))
        run_close(Q1_2025)
    finally:
        rendering._renderers.remove(renderer)
    assert [s.licensor for s in rendered] == [register.licensor_a]


def test_ledger_lines_only_in_postgres_totals(register, licence, run_close):
    """The statement's royalty equals an independent SQL sum over the ledger."""
    for day in range(1, 20):
        sale(register.shop, licence, on=date(2025, 1, day), unit_net=f"{day}.33")
    run_close(Q1_2025)
    statement = Statement.objects.get()
    ledger = -sum(
        LedgerLine.objects.filter(
            account__kind="royalty_payable",
            entry__kind__in=["accrual", "reversal"],
            entry__effective_date__range=Q1_2025,
        ).values_list("amount", flat=True)
    )
    assert statement.royalty == ledger.quantize(Decimal("0.01"))


def test_statement_period_must_be_a_calendar_block(register):
    with pytest.raises(DomainError) as refused:
        register.licence(
            register.licensor_a, "A-5M", [register.property_a], statement_period_months=5
        )
    assert refused.value.details[0].field == "statement_period_months"
