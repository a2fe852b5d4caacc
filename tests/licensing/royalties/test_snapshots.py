"""The placement hook freezes what each line owes under; approval history is kept."""

from datetime import timedelta
from decimal import Decimal

import pytest

from marquee.core.exceptions import DomainError
from marquee.licensing import services
from marquee.licensing.models import ApprovalEvent, ProductApproval, SaleSnapshot

pytestmark = pytest.mark.django_db


def test_one_snapshot_per_line_and_licence(register, sales):
    licence_c = sales.co_licence("C-1")
    duo = sales.product(register.licence_a, licence_c, shares=[Decimal(60), Decimal(40)])
    solo = sales.product()
    order = sales.order((duo, 2), (solo, 1))
    snaps = list(SaleSnapshot.objects.order_by("order_line__sort_order", "licence_id"))
    assert [(s.licence_id, s.share_percent) for s in snaps] == [
        (register.licence_a.pk, Decimal(60)),
        (licence_c.pk, Decimal(40)),
        (register.licence_a.pk, Decimal(100)),
    ]
    line = order.lines.order_by("sort_order").first()
    first = snaps[0]
    assert first.terms == register.licence_a.royalty_terms.get()
    assert (first.channel, first.country, first.currency) == (sales.shop.china, "CN", "CNY")
    assert first.category_id == duo.category_id and first.quantity == 2
    assert first.net_total == line.total_price_net_amount
    assert first.list_total_net == line.undiscounted_total_price_net_amount
    assert snaps[1].licensor == register.licensor_b


def test_later_terms_and_shares_do_not_change_a_past_sale(register, sales):
    product = sales.product()
    sales.order((product, 1))
    old = SaleSnapshot.objects.get()
    sales.terms(register.licence_a, effective_from=register.today, rate_percent=Decimal(15))
    ProductApproval.objects.filter(product=product).update(share_percent=Decimal(50))
    old.refresh_from_db()
    assert old.share_percent == Decimal(100) and old.terms.rate_percent == Decimal(10)
    sales.order((product, 1))
    new = SaleSnapshot.objects.latest("pk")
    assert new.terms.rate_percent == Decimal(15) and new.share_percent == Decimal(50)


def test_no_terms_in_force_refuses_the_checkout_with_a_code(register, sales, shop):
    licence = register.licence(register.licensor_a, "A-2", [register.property_a])
    product = sales.shop.product("Bare Figure", variants=1, stock=5)
    # terms only from tomorrow on: nothing covers today's sale
    sales.terms(licence, effective_from=register.today + timedelta(days=1))
    register.approve(product, licence)
    checkout = shop.checkout([(product.variants.first(), 1)])
    shop.pay(checkout)
    from marquee.merch.orders.placement import complete_checkout

    with pytest.raises(DomainError) as raised:
        complete_checkout(checkout.token)
    assert [d.code for d in raised.value.details] == ["ROYALTY_TERMS_MISSING"]
    assert "A-2" not in str(raised.value)  # customers hear no contract data
    assert not SaleSnapshot.objects.exists()


def test_per_unit_terms_in_another_currency_refuse_the_sale(register, sales, shop):
    licence = register.licence(register.licensor_a, "A-3", [register.property_a])
    sales.terms(licence, currency="USD", per_unit_amount=Decimal(1), exchange_rate_source="ECB")
    product = sales.product(licence)
    checkout = shop.checkout([(product.variants.first(), 1)])
    shop.pay(checkout)
    from marquee.merch.orders.placement import complete_checkout

    with pytest.raises(DomainError) as raised:
        complete_checkout(checkout.token)
    assert [d.code for d in raised.value.details] == ["ROYALTY_CURRENCY_MISMATCH"]


def test_gate_off_writes_no_snapshot(register, sales, settings):
    product = sales.product()
    settings.LICENCE_GATE_ENABLED = False
    sales.order((product, 1))
    assert not SaleSnapshot.objects.exists()


def test_resubmitting_keeps_the_history_of_shares_and_dropped_licences(register, shop, sales):
    licence_c = sales.co_licence("C-2")
    product = shop.product("Crossover", variants=1)
    a, c = register.licence_a, licence_c
    services.submit_product(product, [(a, Decimal(70)), (c, Decimal(30))])
    services.submit_product(product, [(a, Decimal(100))])
    events = ApprovalEvent.objects.filter(product=product).order_by("pk")
    assert [(e.licence_id, e.share_percent, e.withdrawn) for e in events] == [
        (a.pk, Decimal(70), False),
        (c.pk, Decimal(30), False),
        (c.pk, Decimal(30), True),
        (a.pk, Decimal(100), False),
    ]
    assert ProductApproval.objects.filter(product=product).count() == 1


def test_the_api_names_the_missing_terms_code(register, sales, shop):
    from tests.licensing.conftest import RoleClient
    from tests.orders.conftest import COMPLETE, checkout_id

    licence = register.licence(register.licensor_a, "A-4", [register.property_a])
    sales.terms(licence, effective_from=register.today + timedelta(days=1))
    product = sales.shop.product("Early Figure", variants=1, stock=5)
    register.approve(product, licence)
    checkout = shop.checkout([(product.variants.first(), 1)])
    shop.pay(checkout)
    body = RoleClient().run(COMPLETE, {"id": checkout_id(checkout)})
    errors = body["data"]["checkoutComplete"]["errors"]
    assert [e["code"] for e in errors] == ["ROYALTY_TERMS_MISSING"]
    assert body["data"]["checkoutComplete"]["order"] is None
