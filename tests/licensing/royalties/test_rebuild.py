"""The rebuild recomputes the ledger from the source events and equals it to the cent."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marquee.core.exceptions import DomainError
from marquee.licensing.models import (
    EntryKind,
    JournalEntry,
    LedgerAccount,
    LedgerLine,
    ProductApproval,
)
from marquee.licensing.royalties import posting, rebuild
from marquee.licensing.services.royalty_terms import validation

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


@pytest.fixture
def world(register, sales):
    """Three licences with different terms and four products, one of them co-licensed."""
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
    )
    co = sales.co_licence()
    sales.terms(co, rate_percent=Decimal("9.5"), per_unit_amount=Decimal("0.35"), base="list")
    products = [
        sales.product(retro, price=Decimal("59.90")),
        sales.product(revenue, price=Decimal("129.00")),
        sales.product(register.licence_a, co, shares=[Decimal("33.3333"), Decimal("66.6667")]),
        sales.product(retro, price=Decimal("15.55")),
    ]
    return products, [retro, revenue, co]


operation = st.one_of(
    # (sell, [(product, quantity)], -, paid this many days after the contract year 2 starts)
    st.tuples(
        st.just("sell"),
        st.lists(st.tuples(st.integers(0, 3), st.integers(1, 4)), min_size=1, max_size=3),
        st.just(0),
        st.integers(-30, 400),
    ),
    # (refund, which order, quantity of its first line, days from today)
    st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 4), st.integers(0, 400)),
    # (terms, which licence, new rate from today)
    st.tuples(st.just("terms"), st.integers(0, 2), st.integers(1, 20), st.just(0)),
    # (redeliver, which event)
    st.tuples(st.just("redeliver"), st.integers(0, 20), st.just(0), st.just(0)),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=1, max_size=8))
def test_rebuild_equals_incremental_to_the_cent(register, sales, world, ops):
    products, licences = world
    start = register.today - timedelta(days=365)  # the licences' term start
    with transaction.atomic():
        orders, events, changed = [], [], set()
        for op, a, b, c in ops:
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
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # every entry balances
        result = rebuild.replay()
        assert rebuild.compare(result) == []
        assert (
            len(result.book.keys)
            == JournalEntry.objects.filter(key__regex=r"^(accrual|reversal|tier):").count()
        )
        transaction.set_rollback(True)
