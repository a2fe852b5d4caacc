"""The rebuild recomputes the ledger from the source events and equals it to the cent."""

import os
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marquee.core.exceptions import DomainError
from marquee.licensing import services
from marquee.licensing.models import (
    EntryKind,
    ExchangeRate,
    JournalEntry,
    LedgerAccount,
    LedgerLine,
    Licensor,
    ProductApproval,
    RoyaltyPeriodClose,
    Statement,
    WithholdingRate,
)
from marquee.licensing.royalties import posting, rebuild
from marquee.licensing.services.royalty_terms import validation
from marquee.licensing.statements import close as closing
from marquee.licensing.statements import payments
from marquee.licensing.statements.ledger import payable

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("REBUILD_EXAMPLES", "15"))


def run(*args):
    import io

    out = io.StringIO()
    try:
        call_command("rebuild_royalty_ledger", *args, stdout=out, stderr=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def test_compare_is_clean_then_catches_a_stray_posting(register, sales):
    order = sales.order((sales.product(), 2))
    sales.paid(order)
    sales.refund(order, [(order.lines.get(), 1)])
    code, out = run("--compare")
    assert code == 0 and "matches" in out, out
    entry = JournalEntry.objects.create(
        kind=EntryKind.ACCRUAL,
        licensor=register.licensor_a,
        licence=register.licence_a,
        effective_date=register.today,
        key="accrual:stray",
    )
    for account in LedgerAccount.objects.filter(licence=register.licence_a):
        amount = Decimal("1.00") if account.kind == "royalty_expense" else Decimal("-1.00")
        LedgerLine.objects.create(entry=entry, account=account, amount=amount, currency="CNY")
    code, out = run("--compare")
    assert code == 1
    assert "studio-a A-1 royalty_payable CNY" in out and "difference -1.00" in out, out


def test_without_compare_it_prints_the_rebuilt_balances(register, sales):
    sales.paid(sales.order((sales.product(), 1)))
    code, out = run()
    assert code == 0 and "studio-a A-1 royalty_payable CNY: -" in out


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_end(start: date) -> date:
    following = date(start.year + (start.month > 9), (start.month + 2) % 12 + 1, 1)
    return following - timedelta(days=1)


@pytest.fixture
def world(register, sales):
    """Four licences with different terms and four products, one of them co-licensed.

    Studio B states in USD, withholds 10 % and is owed a minimum guarantee:
    its co-licence earns in CNY (the sale currency) and is converted at each
    sale day's rate (TRANSACTION), so a close posts FX, withholding and, where
    a contract year ends, a true-up. Studio A withholds at a dated rate.
    """
    today = register.today
    Licensor.objects.filter(pk=register.licensor_b.pk).update(
        statement_currency="USD", withholding_tax_rate=Decimal(10)
    )
    register.licensor_b.refresh_from_db()
    WithholdingRate.objects.create(
        licensor=register.licensor_a, rate_percent=Decimal(5), effective_from=today - timedelta(300)
    )
    ExchangeRate.objects.bulk_create(
        ExchangeRate(
            source="PBOC",
            base_currency="CNY",
            quote_currency="USD",
            date=today + timedelta(days),
            rate=Decimal("0.1400") + Decimal(days % 7) / 1000,
        )
        for days in range(-500, 500)
    )
    tiers = [
        validation.TierSpec(Decimal(0), Decimal(4), Decimal(8)),
        validation.TierSpec(Decimal(4), Decimal(9), Decimal(11)),
        validation.TierSpec(Decimal(9), None, Decimal(14)),
    ]
    retro = register.licence(register.licensor_a, "R-1", [register.property_a])
    sales.terms(
        retro, rate_percent=Decimal(8), tier_basis="units", tier_mode="retroactive", tiers=tiers
    )
    revenue = register.licence(register.licensor_a, "V-1", [register.property_a])
    money = [
        validation.TierSpec(Decimal(0), Decimal(300), Decimal(7)),
        validation.TierSpec(Decimal(300), None, Decimal(9)),
    ]
    sales.terms(
        revenue,
        rate_percent=Decimal(7),
        tier_basis="revenue",
        tiers=money,
        per_unit_minimum=Decimal("9.50"),
        advance_amount=Decimal(500),
    )
    prop = services.create_property(
        licensor=register.licensor_b,
        name="Characters C-1",
        slug="characters-c-1",
        kind="character",
        films=[register.shop.film],
    )
    co = register.licence(
        register.licensor_b, "C-1", [prop], term_start=quarter_start(today - timedelta(400))
    )
    sales.terms(
        co,
        rate_percent=Decimal("9.5"),
        per_unit_amount=Decimal("0.35"),
        base="list",
        currency="CNY",  # the sale currency; the statement converts to USD
        minimum_guarantee=Decimal(400),
        exchange_rate_source="PBOC",
        exchange_rate_date="transaction",
    )
    products = [
        sales.product(retro, price=Decimal("59.90")),
        sales.product(revenue, price=Decimal("129.00")),
        sales.product(register.licence_a, co, shares=[Decimal("33.3333"), Decimal("66.6667")]),
        sales.product(retro, price=Decimal("15.55")),
    ]
    return products, [retro, revenue, co]


def past_quarters(today: date) -> list[tuple[date, date]]:
    """The calendar quarters from 240 days ago that have ended, oldest first."""
    quarters, start = [], quarter_start(today - timedelta(240))
    while quarter_end(start) < today:
        quarters.append((start, quarter_end(start)))
        start = quarter_end(start) + timedelta(days=1)
    return quarters


operation = st.one_of(
    # (sell, [(product, quantity)], -, paid this many days after the contract year 2 starts)
    st.tuples(
        st.just("sell"),
        st.lists(st.tuples(st.integers(0, 3), st.integers(1, 4)), min_size=1, max_size=3),
        st.just(0),
        st.integers(-240, 400),
    ),
    # (refund, which order, quantity of its first line, days from today)
    st.tuples(st.just("refund"), st.integers(-240, 20), st.integers(1, 4), st.integers(0, 400)),
    # (terms, which licence, new rate from today)
    st.tuples(st.just("terms"), st.integers(0, 2), st.integers(1, 20), st.just(0)),
    # (redeliver, which event)
    st.tuples(st.just("redeliver"), st.integers(0, 20), st.just(0), st.just(0)),
    # (close, -, -, -): the next past quarter that is not closed yet
    st.tuples(st.just("close"), st.just(0), st.just(0), st.just(0)),
    # (reissue, which licensor, -, -): a corrected version of its latest statement
    st.tuples(st.just("reissue"), st.integers(0, 1), st.just(0), st.just(0)),
    # (advance, which licence, hundreds, paid this many days ago)
    st.tuples(st.just("advance"), st.integers(0, 2), st.integers(1, 5), st.integers(1, 200)),
    # (pay, which licensor, percent of what it is owed, -)
    st.tuples(st.just("pay"), st.integers(0, 1), st.integers(1, 100), st.just(0)),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=1, max_size=10))
def test_rebuild_equals_incremental_to_the_cent(register, sales, world, ops):
    products, licences = world
    start = register.today - timedelta(days=365)  # the licences' term start
    licensors = [register.licensor_a, register.licensor_b]
    quarters = past_quarters(register.today)
    with transaction.atomic():
        orders, events, changed, closed = [], [], set(), 0
        for number, (op, a, b, c) in enumerate(ops):
            if op == "sell":
                items = {}
                for index, quantity in a:
                    items[products[index]] = items.get(products[index], 0) + quantity
                order = sales.order(*items.items())
                _, event = sales.paid(order, on=start + timedelta(days=365 + c))
                orders.append(order)
                events.append(event)
            elif op == "refund" and orders:
                order = orders[a % len(orders)]
                line = order.lines.order_by("sort_order").first()
                try:
                    _, event = sales.refund(order, [(line, b)], on=register.today + timedelta(c))
                    events.append(event)
                except DomainError:
                    pass  # more than the line has left: refused, nothing posted
            elif op == "terms" and a not in changed:
                # a new terms version from today, and a share moved: past sales keep theirs
                changed.add(a)
                sales.terms(licences[a], effective_from=register.today, rate_percent=Decimal(b))
                shared = ProductApproval.objects.filter(product=products[2])
                shared.update(share_percent=Decimal(50))
            elif op == "redeliver" and events:
                posting.post_royalties(events[a % len(events)])
            elif op == "close" and closed < len(quarters):
                period = RoyaltyPeriodClose.objects.create(
                    period_start=quarters[closed][0], period_end=quarters[closed][1]
                )
                closing.run_close(period.pk)
                closed += 1
            elif op == "reissue":
                latest = Statement.objects.filter(licensor=licensors[a]).order_by("-pk").first()
                if latest is not None and not Statement.objects.filter(supersedes=latest):
                    closing.reissue_statement(latest, "late sales", register.staff)
            elif op == "advance":
                paid_on = register.today - timedelta(days=c)
                payments.record_advance_payment(
                    licences[a], amount=Decimal(b * 100), paid_on=paid_on, reference=f"ADV-{number}"
                )
            elif op == "pay":
                licensor = licensors[a]
                currency = licensor.statement_currency
                owed = payable(licensor, currency)
                amount = (owed * b / 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
                if amount > 0:
                    payments.record_royalty_payment(
                        licensor,
                        amount=amount,
                        paid_on=register.today,
                        reference=f"PAY-{number}",
                        currency=currency,
                    )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # every entry balances
        result = rebuild.replay()
        assert rebuild.compare(result) == []
        assert result.book.keys == set(JournalEntry.objects.values_list("key", flat=True))
        transaction.set_rollback(True)


def test_rebuild_replays_closes_advances_payments_and_fx(register, sales, world):
    """One fixed history through every source, so a regression shows without search."""
    products, (retro, revenue, co) = world
    quarters = past_quarters(register.today)
    for days in (-200, -120, -60, -10):
        order = sales.order((products[2], 3), (products[1], 1))
        sales.paid(order, on=register.today + timedelta(days))
    payments.record_advance_payment(
        revenue, amount=Decimal(300), paid_on=quarters[0][0], reference="ADV-1"
    )
    for period_start, period_end in quarters:
        period = RoyaltyPeriodClose.objects.create(period_start=period_start, period_end=period_end)
        closing.run_close(period.pk)
    owed = payable(register.licensor_b, "USD")
    assert owed > 0
    payments.record_royalty_payment(
        register.licensor_b,
        amount=owed / 2,
        paid_on=register.today,
        reference="PAY-1",
        currency="USD",
    )
    kinds = set(JournalEntry.objects.values_list("kind", flat=True))
    expected = {"accrual", "advance", "recoupment", "guarantee_true_up", "fx", "withholding"}
    assert expected | {"payment"} <= kinds, kinds
    result = rebuild.replay()
    assert result.statements == Statement.objects.count() and result.payments == 2
    assert rebuild.compare(result) == []
    code, out = run("--compare")
    assert code == 0 and "2 payments" in out, out
