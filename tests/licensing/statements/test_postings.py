"""Period-end postings: advances and recoupment, guarantee true-up, withholding, FX, payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from marquee.core.exceptions import DomainError
from marquee.licensing.models import (
    AccountKind,
    ExchangeRate,
    JournalEntry,
    PeriodCloseStatus,
    Statement,
    WithholdingRate,
)
from marquee.licensing.statements import close as closing
from marquee.licensing.statements.ledger import balance, payable
from marquee.licensing.statements.payments import record_advance_payment, record_royalty_payment

from .conftest import Q1_2025, Q2_2025, Q4_2024
from .factories import sale, terms


def kinds():
    return list(JournalEntry.objects.values_list("kind", flat=True).order_by("pk"))


def test_advance_is_recouped_up_to_what_is_owed(register, licence, run_close):
    advance = record_advance_payment(
        licence, amount=Decimal("50"), paid_on=date(2024, 12, 1), reference="TT-1"
    )
    assert advance.kind == "advance"
    again = record_advance_payment(
        licence, amount=Decimal("50"), paid_on=date(2024, 12, 1), reference="TT-1"
    )
    assert again.pk == advance.pk  # the same payment, recorded once
    assert balance(register.licensor_a, AccountKind.ADVANCE_PREPAID, "CNY") == Decimal("50")

    sale(register.shop, licence, on=date(2025, 2, 1), quantity=3, unit_net="100")  # 30 owed
    run_close(Q1_2025)
    q1 = Statement.objects.get(period_start=Q1_2025[0])
    assert q1.royalty == Decimal("30")
    assert q1.advances_recouped == Decimal("30")
    assert q1.amount_payable == 0

    sale(register.shop, licence, on=date(2025, 5, 1), quantity=4, unit_net="100")  # 40 owed
    run_close(Q2_2025)
    q2 = Statement.objects.get(period_start=Q2_2025[0])
    assert q2.advances_recouped == Decimal("20")  # what was left of the advance
    assert q2.amount_payable == Decimal("20")
    assert balance(register.licensor_a, AccountKind.ADVANCE_PREPAID, "CNY") == 0


def test_unrecoupable_advance_is_not_recouped(register, run_close):
    licence = register.licence(
        register.licensor_a,
        "A-NR",
        [register.property_a],
        term_start=date(2024, 4, 1),
        term_end=date(2027, 3, 31),
    )
    terms(licence, rate="10", advance_recoupable=False)
    record_advance_payment(licence, amount=Decimal("50"), paid_on=date(2025, 1, 2), reference="X")
    sale(register.shop, licence, on=date(2025, 2, 1), unit_net="100")
    run_close(Q1_2025)
    assert Statement.objects.get().advances_recouped == 0


@pytest.mark.parametrize("amount", [Decimal(0), Decimal("-1"), Decimal("1.00001")])
def test_bad_advance_amounts_are_refused(register, licence, amount):
    with pytest.raises(DomainError) as refused:
        record_advance_payment(licence, amount=amount, paid_on=date(2025, 1, 1), reference="R")
    assert refused.value.details[0].code == "AMOUNT_NOT_POSITIVE"
    assert not JournalEntry.objects.exists()


def test_guarantee_true_up_only_at_contract_year_end(register, run_close):
    licence = register.licence(
        register.licensor_a,
        "A-MG",
        [register.property_a],
        term_start=date(2024, 4, 1),
        term_end=date(2027, 3, 31),
    )
    terms(licence, rate="10", minimum_guarantee=Decimal("100"))
    sale(register.shop, licence, on=date(2024, 11, 1), unit_net="200")  # 20 in year 1
    run_close(Q4_2024)
    q4 = Statement.objects.get(period_start=Q4_2024[0])
    assert q4.guarantee_true_up == 0  # not pro-rated into quarters
    assert q4.amount_payable == Decimal("20")

    sale(register.shop, licence, on=date(2025, 3, 1), unit_net="300")  # 30 more: 50 in year 1
    run_close(Q1_2025)  # the contract year ends on 2025-03-31
    q1 = Statement.objects.get(period_start=Q1_2025[0])
    assert q1.guarantee_true_up == Decimal("50")
    assert q1.amount_payable == Decimal("100")  # 20 carried + 30 + 50
    true_up = JournalEntry.objects.get(kind="guarantee_true_up")
    assert true_up.effective_date == date(2025, 3, 31)
    assert true_up.licence == licence

    run_close(Q2_2025)  # year 2 has not ended: nothing more
    assert JournalEntry.objects.filter(kind="guarantee_true_up").count() == 1


def test_advance_counts_towards_the_guarantee(register, run_close):
    licence = register.licence(
        register.licensor_a,
        "A-MGA",
        [register.property_a],
        term_start=date(2024, 4, 1),
        term_end=date(2027, 3, 31),
    )
    terms(licence, rate="10", minimum_guarantee=Decimal("100"))
    record_advance_payment(licence, amount=Decimal("100"), paid_on=date(2024, 4, 1), reference="A")
    sale(register.shop, licence, on=date(2025, 2, 1), unit_net="600")  # 60 earned
    run_close(Q1_2025)
    statement = Statement.objects.get()
    assert statement.guarantee_true_up == Decimal("40")
    assert statement.advances_recouped == Decimal("100")
    assert statement.amount_payable == 0  # the advance paid the guarantee


def test_withholding_at_the_rate_in_force_on_period_end(register, licence, run_close):
    WithholdingRate.objects.create(
        licensor=register.licensor_a, rate_percent=Decimal("10"), effective_from=date(2024, 1, 1)
    )
    WithholdingRate.objects.create(
        licensor=register.licensor_a, rate_percent=Decimal("12.5"), effective_from=date(2025, 3, 1)
    )
    sale(register.shop, licence, on=date(2025, 1, 5), unit_net="10.02")  # 1.002 owed
    run_close(Q1_2025)
    statement = Statement.objects.get()
    # 12.5 % of 1.002 = 0.12525 -> 0.13 (ROUND_HALF_UP to the cent)
    assert statement.withholding == Decimal("0.13")
    assert statement.amount_payable == Decimal("1.002") - Decimal("0.13")
    assert balance(register.licensor_a, AccountKind.WITHHOLDING_PAYABLE, "CNY") == Decimal("-0.13")


def test_withholding_falls_back_to_the_licensors_rate(register, licence, run_close):
    register.licensor_a.withholding_tax_rate = Decimal("20")
    register.licensor_a.save()
    sale(register.shop, licence, on=date(2025, 1, 5), unit_net="100")
    run_close(Q1_2025)
    assert Statement.objects.get().withholding == Decimal("2")


def usd_licensor(register):
    register.licensor_a.statement_currency = "USD"
    register.licensor_a.save()


def test_fx_at_period_end(register, licence, run_close):
    usd_licensor(register)
    licence.royalty_terms.update(exchange_rate_date="period_end", exchange_rate_source="PBOC")
    ExchangeRate.objects.create(
        source="PBOC",
        base_currency="CNY",
        quote_currency="USD",
        date=date(2025, 3, 31),
        rate=Decimal("0.13793103"),
    )
    sale(register.shop, licence, on=date(2025, 1, 5), unit_net="1000")  # 100 CNY
    sale(register.shop, licence, on=date(2025, 2, 5), unit_net="333", sku="MUG")  # 33.3
    run_close(Q1_2025)
    statement = Statement.objects.get()
    assert statement.currency == "USD"
    # 133.3 CNY x 0.13793103 = 18.386...; lines round one by one (13.79 + 4.59)
    assert statement.royalty == Decimal("18.38")
    assert statement.amount_payable == Decimal("18.39")  # the posted conversion of the balance
    assert statement.fx_adjustment == Decimal("0.01")
    assert payable(register.licensor_a, "CNY") == 0
    assert payable(register.licensor_a, "USD") == Decimal("18.39")
    line = statement.lines.get(sku="TEE-1")
    assert (line.currency, line.royalty) == ("CNY", Decimal("100"))
    assert line.royalty_in_statement_currency == Decimal("13.79")


def test_fx_on_transaction_dates_uses_each_days_rate(register, licence, run_close):
    usd_licensor(register)
    for day, rate in ((date(2025, 1, 5), "0.14"), (date(2025, 2, 5), "0.15")):
        ExchangeRate.objects.create(
            source="ECB",
            base_currency="USD",
            quote_currency="CNY",
            date=day,
            rate=Decimal(1) / Decimal(rate),
        )
    ExchangeRate.objects.create(
        source="ECB",
        base_currency="CNY",
        quote_currency="USD",
        date=date(2025, 3, 31),
        rate=Decimal("0.2"),
    )
    sale(register.shop, licence, on=date(2025, 1, 5), unit_net="1000")  # 100 CNY -> 14
    sale(register.shop, licence, on=date(2025, 2, 5), unit_net="1000")  # 100 CNY -> 15
    run_close(Q1_2025)
    statement = Statement.objects.get()
    assert statement.royalty == Decimal("29.00")
    assert statement.amount_payable == Decimal("29.00")
    assert statement.fx_adjustment == 0


def test_missing_rate_names_pair_and_date_and_posts_nothing(register, licence, run_close):
    usd_licensor(register)
    sale(register.shop, licence, on=date(2025, 1, 5), unit_net="1000")
    entries = JournalEntry.objects.count()
    request = run_close(Q1_2025)
    close = request.close
    assert close.status == PeriodCloseStatus.FAILED
    assert "CNY→USD" in close.error and "2025-01-05" in close.error
    assert close.licensors_done == 0
    assert JournalEntry.objects.count() == entries  # nothing half-posted
    assert not Statement.objects.exists()
    with pytest.raises(DomainError) as missing:
        closing.close_licensor(close, register.licensor_a)
    detail = missing.value.details[0]
    assert detail.code == "FX_RATE_MISSING"
    assert detail.extra == {"pair": "CNY/USD", "date": "2025-01-05"}

    # With the rate added, closing again resumes the failed close.
    ExchangeRate.objects.create(
        source="ECB",
        base_currency="CNY",
        quote_currency="USD",
        date=date(2025, 1, 5),
        rate=Decimal("0.14"),
    )
    ExchangeRate.objects.create(
        source="ECB",
        base_currency="CNY",
        quote_currency="USD",
        date=date(2025, 3, 31),
        rate=Decimal("0.14"),
    )
    retried = run_close(Q1_2025)
    assert not retried.already_closed
    assert retried.close.pk == close.pk
    assert retried.close.status == PeriodCloseStatus.DONE
    assert Statement.objects.get().amount_payable == Decimal("14.00")


def test_payment_settles_what_is_owed(register, licence, run_close):
    sale(register.shop, licence, on=date(2025, 2, 1), unit_net="1000")
    run_close(Q1_2025)
    with pytest.raises(DomainError) as over:
        record_royalty_payment(
            register.licensor_a,
            amount=Decimal("100.01"),
            paid_on=date(2025, 4, 20),
            reference="PAY-1",
        )
    assert over.value.details[0].code == "PAYMENT_EXCEEDS_BALANCE"
    payment = record_royalty_payment(
        register.licensor_a, amount=Decimal("100"), paid_on=date(2025, 4, 20), reference="PAY-1"
    )
    assert payment.kind == "payment"
    assert payable(register.licensor_a, "CNY") == 0
    sale(register.shop, licence, on=date(2025, 5, 1), unit_net="50")
    run_close(Q2_2025)
    q2 = Statement.objects.get(period_start=Q2_2025[0])
    assert q2.opening_balance == 0  # 100 owed, 100 paid during the quarter
    assert q2.amount_payable == Decimal("5")
    assert kinds().count("payment") == 1


def test_reissued_statement_shows_the_whole_periods_recoupment(register, licence, run_close):
    record_advance_payment(licence, amount=Decimal("50"), paid_on=date(2024, 12, 1), reference="A")
    sale(register.shop, licence, on=date(2025, 2, 1), quantity=3, unit_net="100")  # 30
    run_close(Q1_2025)
    first = Statement.objects.get()
    sale(register.shop, licence, on=date(2025, 3, 20), quantity=1, unit_net="300")  # 30 late
    second = closing.reissue_statement(first, "late sale")
    assert second.royalty == Decimal("60")
    assert second.advances_recouped == Decimal("50")  # 30 in v1, 20 more in v2
    assert second.amount_payable == Decimal("10")
    assert second.fx_adjustment == 0
    assert kinds().count("recoupment") == 2
