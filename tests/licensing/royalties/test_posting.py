"""The royalty-ledger consumer: paid sales accrue, refunds reverse, nothing twice."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marquee.core.exceptions import DomainError
from marquee.licensing.models import EntryKind, JournalEntry, SaleSnapshot
from marquee.licensing.royalties import posting
from marquee.licensing.services.royalty_terms import validation
from tests.licensing.conftest import RoleClient
from tests.orders.conftest import COMPLETE, checkout_id

from .conftest import payable

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


def cents(amount):
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def test_paid_order_accrues_each_snapshot(register, sales):
    product = sales.product()
    order = sales.order((product, 3))
    posted, event = sales.paid(order)
    snap = SaleSnapshot.objects.get()
    entry = JournalEntry.objects.get()
    assert (entry.kind, entry.key, entry.snapshot, entry.outbox_event) == (
        EntryKind.ACCRUAL,
        f"accrual:{snap.pk}",
        snap,
        event,
    )
    assert (entry.units, entry.base_amount, entry.rate_percent) == (3, snap.net_total, 10)
    assert payable(register.licence_a) == cents(snap.net_total / 10)
    legs = {line.account.kind: line.amount for line in entry.lines.all()}
    assert legs == {
        "royalty_expense": cents(snap.net_total / 10),
        "royalty_payable": -legs["royalty_expense"],
    }


def test_a_redelivered_event_posts_nothing(register, sales):
    order = sales.order((sales.product(), 1))
    _, event = sales.paid(order)
    assert posting.post_royalties(event) == []
    assert JournalEntry.objects.count() == 1


def test_list_base_ignores_the_discount(register, sales):
    licence = register.licence(register.licensor_a, "A-L", [register.property_a])
    sales.terms(licence, base="list", rate_percent=Decimal(10))
    order = sales.order((sales.product(licence), 2))
    sales.paid(order)
    snap = SaleSnapshot.objects.get()
    assert JournalEntry.objects.get().base_amount == snap.list_total_net


def test_shares_split_the_line_exactly(register, sales):
    licence_c = sales.co_licence()
    product = sales.product(
        register.licence_a, licence_c, shares=[Decimal("33.3333"), Decimal("66.6667")]
    )
    order = sales.order((product, 1))
    sales.paid(order)
    bases = list(JournalEntry.objects.order_by("licence_id").values_list("base_amount", flat=True))
    assert sum(bases) == SaleSnapshot.objects.first().net_total
    assert payable(licensor=register.licensor_b) > payable(licensor=register.licensor_a) > 0


def test_category_rate(register, sales):
    licence = register.licence(register.licensor_a, "A-C", [register.property_a])
    sales.terms(
        licence, rate_percent=Decimal(10), category_rates=[(sales.shop.apparel, Decimal(6))]
    )
    sales.paid(sales.order((sales.product(licence), 1)))  # tees sit under apparel
    entry = JournalEntry.objects.get()
    assert entry.rate_percent == Decimal(6)


def test_refunds_reverse_at_the_rate_earned_and_add_up(register, sales):
    product = sales.product()
    order = sales.order((product, 3))
    sales.paid(order)
    accrued = payable()
    line = order.lines.get()
    # a new, higher rate applies from today on: earlier sales reverse at what they earned
    for _ in range(3):
        sales.refund(order, [(line, 1)])
    reversals = JournalEntry.objects.filter(kind=EntryKind.REVERSAL)
    assert reversals.count() == 3
    assert {r.rate_percent for r in reversals} == {Decimal(10)}
    assert all(r.reverses.kind == EntryKind.ACCRUAL for r in reversals)
    assert payable() == 0 and accrued > 0


def test_a_refund_larger_than_the_line_is_refused_and_posts_nothing(register, sales):
    order = sales.order((sales.product(), 2))
    sales.paid(order)
    line = order.lines.get()
    sales.refund(order, [(line, 1)])
    before = JournalEntry.objects.count()
    with pytest.raises(DomainError) as raised:
        sales.refund(order, [(line, 2)])
    assert [d.code for d in raised.value.details] == ["REFUND_EXCEEDS_LINE"]
    assert JournalEntry.objects.count() == before


def test_an_amount_only_refund_owes_nothing_back(register, sales):
    order = sales.order((sales.product(), 1))
    sales.paid(order)
    posted, _ = sales.refund(order, [])
    assert posted == [] and payable() > 0


def test_retroactive_tier_posts_an_adjustment_for_the_earlier_sales(register, sales):
    licence = register.licence(register.licensor_a, "A-T", [register.property_a])
    sales.terms(
        licence,
        rate_percent=Decimal(8),
        tier_basis="units",
        tier_mode="retroactive",
        tiers=[
            validation.TierSpec(Decimal(0), Decimal(5), Decimal(8)),
            validation.TierSpec(Decimal(5), None, Decimal(12)),
        ],
    )
    product = sales.product(licence)
    first = sales.order((product, 4))
    sales.paid(first)
    second = sales.order((product, 2))  # units 5 and 6: the year reaches 12 %
    sales.paid(second)
    net = [s.net_total for s in SaleSnapshot.objects.order_by("pk")]
    step = JournalEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert step.key.startswith("tier:") and step.tier_lower_bound == 5
    assert step.lines.get(amount__gt=0).amount == cents(net[0] * 12 / 100) - cents(net[0] * 8 / 100)
    assert payable(licence) == cents(net[0] * 12 / 100) + cents(net[1] * 12 / 100)


def test_marginal_unit_tiers(register, sales):
    licence = register.licence(register.licensor_a, "A-M", [register.property_a])
    sales.terms(
        licence,
        rate_percent=Decimal(8),
        tier_basis="units",
        tiers=[
            validation.TierSpec(Decimal(0), Decimal(5), Decimal(8)),
            validation.TierSpec(Decimal(5), None, Decimal(12)),
        ],
    )
    product = sales.product(licence)
    sales.paid(sales.order((product, 4)))
    sales.paid(sales.order((product, 2)))  # 1 unit at 8 %, 1 at 12 %
    second = SaleSnapshot.objects.latest("pk")
    entry = JournalEntry.objects.get(snapshot=second)
    assert entry.rate_percent == Decimal("10.0000") and entry.tier_lower_bound == 5
    assert not JournalEntry.objects.filter(kind=EntryKind.ADJUSTMENT).exists()


def test_checkout_complete_to_ledger_end_to_end(register, sales, shop):
    product = sales.product()
    checkout = shop.checkout([(product.variants.first(), 2)])
    shop.pay(checkout)
    with CaptureQueriesContext(connection):
        body = RoleClient().run(COMPLETE, {"id": checkout_id(checkout)})
    assert body["data"]["checkoutComplete"]["errors"] == []
    order = register.licence_a.sale_snapshots.get().order_line.order
    sales.paid(order)
    snap = SaleSnapshot.objects.get()
    assert payable(register.licence_a) == cents(snap.net_total / 10)


# The snapshots (with terms, licence, category, line); their tiers; the
# category rates of their terms; the licence lock; the keys already taken;
# earlier accruals of the snapshots; their refunded units; the contract
# year's volume; the accounts (INSERT ... ON CONFLICT DO NOTHING, then
# SELECT); the entries; their lines. Savepoints are not counted.
ACCRUAL_STATEMENTS = 12


@pytest.mark.parametrize("lines", [1, 5])
def test_accrual_costs_constant_statements(register, sales, lines):
    order = sales.order(*[(sales.product(), 1) for _ in range(lines)])
    event = sales.event(order, posting.PAID, f"paid:{order.pk}", {})
    with CaptureQueriesContext(connection) as queries:
        posting.post_royalties(event)
    assert JournalEntry.objects.count() == lines
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == ACCRUAL_STATEMENTS, "\n".join(statements)
