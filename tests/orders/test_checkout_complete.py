from decimal import Decimal

import pytest
from django.core import mail
from graphql_relay import to_global_id

from marquee.core.exceptions import DomainError
from marquee.merch import models as m
from marquee.merch.orders import services

from .conftest import COMPLETE, OFFLINE, checkout_id


def complete(gql, checkout):
    return gql.execute(COMPLETE, {"id": checkout_id(checkout)})["data"]["checkoutComplete"]


def test_happy_path_with_offline_gateway(shop, gql, settings, django_capture_on_commit_callbacks):
    settings.OFFLINE_PAYMENTS_ENABLED = True
    tee, tee_m = shop.variants("Wolf Tee", count=2, stock=10)
    checkout = shop.checkout([(tee, 2), (tee_m, 1)])
    paid = gql.execute(
        """mutation($id: ID!, $gw: PaymentGatewayToInitialize!) {
          transactionInitialize(id: $id, paymentGateway: $gw, idempotencyKey: "k-1") {
            transaction { id chargedAmount { amount } }
            transactionEvent { type }
            data
            errors { field code message }
          }
        }""",
        {"id": checkout_id(checkout), "gw": {"id": OFFLINE}},
    )["data"]["transactionInitialize"]
    assert paid["errors"] == []
    assert paid["transactionEvent"]["type"] == "CHARGE_SUCCESS"
    # 2 x 99 + 1 x 100 + 12 shipping
    assert paid["transaction"]["chargedAmount"]["amount"] == 310.0

    with django_capture_on_commit_callbacks(execute=True):
        result = complete(gql, checkout)
    assert result["errors"] == []
    order = result["order"]
    assert order["status"] == "UNFULFILLED"
    assert order["isPaid"] is True
    assert order["chargeStatus"] == "FULL"
    assert order["paymentStatus"] == "FULLY_CHARGED"
    assert order["total"]["gross"] == {"amount": 310.0, "currency": "CNY"}
    assert [line["quantity"] for line in order["lines"]] == [2, 1]

    stored = m.Order.objects.get()
    assert stored.total_gross_amount == Decimal("310.0000")
    assert stored.subtotal_gross_amount == Decimal("298.0000")
    assert stored.shipping_price_gross_amount == Decimal("12.0000")
    assert stored.total_charged_amount == Decimal("310.0000")
    assert stored.shipping_address_id != checkout.shipping_address_id  # a copy
    assert stored.shipping_method_name == "SF Express"
    line = stored.lines.get(product_sku=tee.sku)
    assert (line.product_name, line.variant_name) == ("Wolf Tee", tee.name)
    assert line.translated_product_name == ""  # checkout language is English
    assert str(line.unit_price_gross_amount) == "99.0000"
    assert str(line.undiscounted_unit_price_gross_amount) == "99.0000"
    assert str(line.total_price_gross_amount) == "198.0000"
    assert stored.payment_transactions.count() == 1
    assert not m.Checkout.objects.filter(pk=checkout.pk).exists()
    stock = m.Stock.objects.get(product_variant=tee)
    assert (stock.quantity, stock.quantity_allocated) == (10, 2)
    assert [e.type for e in stored.events.all()] == ["placed", "email_sent"]
    assert len(mail.outbox) == 1
    assert f"#{stored.number}" in mail.outbox[0].subject
    assert "310.00 CNY" in mail.outbox[0].body


def test_taxed_net_channel_snapshots_exact(shop, gql):
    shop.china.prices_entered_with_tax = False
    shop.china.save()
    m.TaxRate.objects.create(country="CN", rate=Decimal("13"))
    (poster,) = shop.variants("Poster", cny=Decimal("33.33"))
    checkout = shop.checkout([(poster, 3)])
    shop.pay(checkout)
    result = complete(gql, checkout)
    assert result["errors"] == []
    line = m.OrderLine.objects.get()
    # net 99.99, gross round(99.99 * 1.13) = 112.99; unit gross round(112.99 / 3) = 37.66
    assert str(line.total_price_net_amount) == "99.9900"
    assert str(line.total_price_gross_amount) == "112.9900"
    assert str(line.unit_price_gross_amount) == "37.6600"
    assert str(line.undiscounted_unit_price_net_amount) == "33.3300"
    assert str(line.tax_rate) == "13.000"
    order = m.Order.objects.get()
    assert str(order.total_gross_amount) == "126.5500"  # 112.99 + 12 * 1.13 = 13.56


def test_completing_twice_returns_the_same_order(shop, gql):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    shop.pay(checkout)
    first = complete(gql, checkout)
    second = complete(gql, checkout)
    assert second["errors"] == []
    assert first["order"]["id"] == second["order"]["id"]
    assert m.Order.objects.count() == 1
    assert m.Stock.objects.get(product_variant=tee).quantity_allocated == 1


def test_clear_errors_for_incomplete_checkouts(shop, gql):
    (tee,) = shop.variants("Tee")
    cases = {
        "SHIPPING_METHOD_NOT_SET": shop.checkout([(tee, 1)], method=False),
        "EMAIL_NOT_SET": shop.checkout([(tee, 1)], email=""),
        "NO_LINES": shop.checkout([]),
    }
    for code, checkout in cases.items():
        errors = complete(gql, checkout)["errors"]
        assert code in [e["code"] for e in errors], (code, errors)
    unpaid = shop.checkout([(tee, 1)])
    errors = complete(gql, unpaid)["errors"]
    assert [e["code"] for e in errors] == ["CHECKOUT_NOT_FULLY_PAID"]
    assert "111.00 CNY" in errors[0]["message"]
    bad = gql.execute(COMPLETE, {"id": to_global_id("Checkout", "nope")})
    assert bad["data"]["checkoutComplete"]["errors"][0]["code"] == "INVALID"
    assert m.Order.objects.count() == 0
    assert m.Stock.objects.get(product_variant=tee).quantity_allocated == 0


def test_insufficient_stock_rolls_everything_back(shop, gql):
    a, b = shop.variants("Tee", count=2, stock=3)
    checkout = shop.checkout([(a, 2), (b, 2)])
    shop.pay(checkout)
    m.Stock.objects.filter(product_variant=b).update(quantity_allocated=2)  # sold elsewhere
    result = complete(gql, checkout)
    assert [e["code"] for e in result["errors"]] == ["INSUFFICIENT_STOCK"]
    assert result["errors"][0]["variants"] == [to_global_id("ProductVariant", b.pk)]
    assert m.Order.objects.count() == 0
    assert m.Stock.objects.get(product_variant=a).quantity_allocated == 0
    assert m.Checkout.objects.filter(pk=checkout.pk).exists()


def test_stock_split_across_warehouses(shop):
    from marquee.merch.orders.placement import complete_checkout

    (tee,) = shop.variants("Tee", stock=2)
    beijing = m.Warehouse.objects.create(name="Beijing", slug="beijing", country="CN")
    beijing.channels.set([shop.china])
    shop.zone.warehouses.add(beijing)
    m.Stock.objects.create(warehouse=beijing, product_variant=tee, quantity=5)
    checkout = shop.checkout([(tee, 4)])
    shop.pay(checkout)
    order = complete_checkout(checkout.token).order
    allocations = {
        a.stock.warehouse.slug: a.quantity_allocated
        for a in m.Allocation.objects.filter(order_line__order=order)
    }
    assert allocations == {"beijing": 4}  # warehouses in slug order: beijing first
    checkout = shop.checkout([(tee, 3)])
    shop.pay(checkout)
    order = complete_checkout(checkout.token).order
    allocations = {
        a.stock.warehouse.slug: a.quantity_allocated
        for a in m.Allocation.objects.filter(order_line__order=order)
    }
    assert allocations == {"beijing": 1, "shanghai": 2}


def test_voucher_usage_limit_is_enforced_at_completion(shop, gql):
    (tee,) = shop.variants("Tee")
    voucher = m.Voucher.objects.create(code="FAN10", usage_limit=1, used=0)
    m.VoucherChannelListing.objects.create(
        voucher=voucher, channel=shop.china, currency="CNY", discount_value=Decimal("10")
    )
    checkout = shop.checkout([(tee, 1)])
    checkout.voucher_code = "FAN10"
    checkout.save()
    shop.pay(checkout)
    result = complete(gql, checkout)
    assert result["errors"] == []
    order = m.Order.objects.get()
    assert order.voucher_code == "FAN10"
    assert str(order.discount_amount) == "9.9000"  # 10 % of 99
    voucher.refresh_from_db()
    assert voucher.used == 1


def _placed(shop, items):
    from marquee.merch.orders.placement import complete_checkout

    checkout = shop.checkout(items)
    shop.pay(checkout)
    return complete_checkout(checkout.token).order


def test_cancel_releases_stock(shop):
    (tee,) = shop.variants("Tee", stock=5)
    order = _placed(shop, [(tee, 3)])
    assert m.Stock.objects.get(product_variant=tee).quantity_allocated == 3
    services.cancel_order(order)
    order.refresh_from_db()
    assert order.status == "canceled"
    assert m.Stock.objects.get(product_variant=tee).quantity_allocated == 0
    assert order.events.filter(type="canceled").exists()
    services.cancel_order(order)  # twice is harmless
    assert m.Stock.objects.get(product_variant=tee).quantity_allocated == 0


def test_unconfirmed_orders_wait_for_staff(shop, admin_user):
    shop.china.automatically_confirm_all_new_orders = False
    shop.china.save()
    (tee,) = shop.variants("Tee", stock=5)
    order = _placed(shop, [(tee, 1)])
    assert order.status == "unconfirmed"
    assert m.Stock.objects.get(product_variant=tee).quantity_allocated == 1
    with pytest.raises(DomainError) as refused:
        services.fulfil_order(order)
    assert refused.value.details[0].code == "CANNOT_FULFILL_UNCONFIRMED_ORDER"
    services.confirm_order(order, user=admin_user)
    order.refresh_from_db()
    assert order.status == "unfulfilled"
    event = order.events.get(type="confirmed")
    assert event.user == admin_user
    with pytest.raises(DomainError):
        services.confirm_order(order)
    services.fulfil_order(order)
    order.refresh_from_db()
    assert order.status == "fulfilled"


def test_fulfil_decreases_quantity_and_allocation(shop):
    (tee,) = shop.variants("Tee", stock=5)
    order = _placed(shop, [(tee, 2)])
    services.fulfil_order(order, tracking_number="SF123")
    stock = m.Stock.objects.get(product_variant=tee)
    assert (stock.quantity, stock.quantity_allocated) == (3, 0)
    order.refresh_from_db()
    assert order.status == "fulfilled"
    assert order.lines.get().quantity_fulfilled == 2


def test_refund_per_line_with_offline_gateway(shop):
    a, b = shop.variants("Tee", count=2, stock=5)
    order = _placed(shop, [(a, 2), (b, 1)])
    line_a = order.lines.get(variant=a)
    refund = services.request_refund(order, lines={line_a.pk: 1}, restock=True)
    refund.refresh_from_db()
    assert refund.status == "success"
    assert str(refund.amount) == "99.0000"
    order.refresh_from_db()
    assert order.total_refunded_amount == Decimal("99")
    assert order.total_charged_amount == Decimal("111") + Decimal("100")
    assert order.charge_status == "partially_refunded"
    line_a.refresh_from_db()
    assert line_a.quantity_refunded == 1
    assert m.Stock.objects.get(product_variant=a).quantity_allocated == 1
    assert order.events.filter(type="refunded").exists()
    # the same units cannot be refunded twice
    import pytest

    from marquee.core.exceptions import DomainError

    with pytest.raises(DomainError):
        services.request_refund(order, lines={line_a.pk: 2})


def test_refund_after_shipping_returns_units_to_the_shelf(shop):
    (tee,) = shop.variants("Tee", stock=5)
    order = _placed(shop, [(tee, 2)])
    services.fulfil_order(order)
    services.request_refund(order, lines=None, restock=True)
    stock = m.Stock.objects.get(product_variant=tee)
    assert (stock.quantity, stock.quantity_allocated) == (5, 0)
    order.refresh_from_db()
    assert order.charge_status == "refunded"


ORDER_QUERY = """
query($id: ID!) { order(id: $id) { number userEmail
  shippingAddress { firstName streetAddress1 city }
  lines { productName thumbnail(size: 128, format: WEBP) { url } variant { sku } }
  deliveryMethod { ... on ShippingMethod { name } }
  totalBalance { amount } events { type } } }
"""


def test_guest_order_by_id_masks_personal_data(shop, gql):
    (tee,) = shop.variants("Tee")
    order = _placed(shop, [(tee, 1)])
    data = gql.execute(ORDER_QUERY, {"id": to_global_id("Order", str(order.pk))})["data"]
    seen = data["order"]
    assert seen["number"] == str(order.number)
    assert seen["userEmail"] == "f...@e....com"
    assert seen["shippingAddress"] == {
        "firstName": "L...",
        "streetAddress1": "1...",
        "city": "Shanghai",
    }
    assert seen["events"] == []
    assert seen["lines"][0]["variant"]["sku"] == tee.sku
    assert seen["lines"][0]["thumbnail"]["url"].endswith("/webp/")
    assert seen["deliveryMethod"] == {"name": "SF Express"}
    assert seen["totalBalance"]["amount"] == 0.0
    by_token = gql.execute(
        "query($t: UUID!) { orderByToken(token: $t) { number userEmail } }",
        {"t": str(order.token)},
    )["data"]["orderByToken"]
    assert by_token == {"number": str(order.number), "userEmail": "f...@e....com"}


def test_someone_elses_order_is_not_found(shop, gql, django_user_model):
    (tee,) = shop.variants("Tee")
    owner = django_user_model.objects.create_user("owner@example.com", "pw-owner-1234")
    checkout = shop.checkout([(tee, 1)], user=owner)
    shop.pay(checkout)
    from marquee.merch.orders.placement import complete_checkout

    order = complete_checkout(checkout.token).order
    data = gql.execute(ORDER_QUERY, {"id": to_global_id("Order", str(order.pk))})["data"]
    assert data["order"] is None


def test_user_orders_resolver_pages_newest_first(shop, rf, django_user_model):
    from marquee.graphql.orders.resolvers import resolve_user_orders

    (tee,) = shop.variants("Tee")
    user = django_user_model.objects.create_user("fan@example.com", "pw-fan-12345")
    numbers = []
    for _ in range(3):
        checkout = shop.checkout([(tee, 1)], user=user)
        shop.pay(checkout)
        from marquee.merch.orders.placement import complete_checkout

        numbers.append(complete_checkout(checkout.token).order.number)

    class Info:
        context = rf.get("/")

    page = resolve_user_orders(Info(), user, first=2)
    assert [edge.node.number for edge in page.edges] == numbers[::-1][:2]
    rest = resolve_user_orders(Info(), user, first=2, after=page.page_info.end_cursor)
    assert [edge.node.number for edge in rest.edges] == [numbers[0]]
    assert page.page.total_count() == 3
