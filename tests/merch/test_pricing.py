"""The pricing pipeline and its rule registry, end to end.

A test rule ("launch week": 10 % off Wolf Tee) is registered the way another
app registers from its AppConfig.ready(); the catalogue shows the sale, the
checkout charges it, and the order line records it next to the voucher.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marquee.merch import models as m
from marquee.merch.checkout.calculations import checkout_totals
from marquee.merch.orders.placement import complete_checkout
from marquee.merch.pricing import pipeline
from marquee.merch.pricing.rules import (
    PROMOTIONS,
    Adjustment,
    register_price_rule,
    registered_rules,
    unregister_price_rule,
)
from tests.checkout import conftest as checkout_fixtures
from tests.orders.conftest import ShopBuilder

pytestmark = pytest.mark.django_db

# The checkout tests' shop (CN 13 % inside China's gross prices, net-entered
# international channel) and API helper.
shop = checkout_fixtures.shop
api = checkout_fixtures.api
_without_licence_gate = checkout_fixtures._without_licence_gate

PRODUCT_PRICING = """
query ($slug: String!, $channel: String!, $address: AddressInput) {
  product(slug: $slug, channel: $channel) {
    pricing(address: $address) {
      onSale
      discount { gross { amount } net { amount } }
      priceRange { start { gross { amount } net { amount } } stop { gross { amount } } }
      priceRangeUndiscounted { start { gross { amount } net { amount } } }
    }
    variants {
      pricing(address: $address) {
        onSale
        discount { gross { amount } }
        price { gross { amount } net { amount } }
        priceUndiscounted { gross { amount } net { amount } }
      }
    }
  }
}
"""

ORDER_LINES = """
query ($id: ID!) {
  order(id: $id) {
    undiscountedTotal { gross { amount } }
    total { gross { amount } }
    lines {
      productName quantity
      unitPrice { gross { amount } }
      undiscountedUnitPrice { gross { amount } }
      undiscountedTotalPrice { gross { amount } net { amount } }
      totalPrice { gross { amount } }
      unitDiscount { amount }
      unitDiscountReason
      unitDiscountType
      unitDiscountValue
      discounts { type name reason valueType value total { amount } unit { amount } }
    }
  }
}
"""


@pytest.fixture
def launch_week():
    """10 % off every Wolf Tee variant; the batch hook finds them in one statement."""
    calls = []

    def tees(requests, context):
        calls.append((len(requests), context.viewer))
        return set(
            m.Product.objects.filter(
                pk__in={r.product_id for r in requests}, name="Wolf Tee"
            ).values_list("pk", flat=True)
        )

    def rule(candidate, tee_ids):
        if candidate.product_id in tee_ids:
            return Adjustment.percentage(10, "Launch week")
        return None

    register_price_rule(rule, order=PROMOTIONS, key="launch-week", name="Launch week", prepare=tees)
    yield calls
    unregister_price_rule("launch-week")


def product_pricing(api, slug, channel="china", address=None):
    variables = {"slug": slug, "channel": channel, "address": address}
    return api.gql.execute(PRODUCT_PRICING, variables)["data"]["product"]


def test_without_rules_catalogue_shows_checkout_taxes(shop, api):
    """CN 13 % is inside China's gross prices: net = round(99 / 1.13) = 87.61."""
    product = product_pricing(api, "wolf-tee")
    pricing = product["pricing"]
    assert pricing["onSale"] is False
    assert pricing["discount"] is None
    assert pricing["priceRange"]["start"]["gross"]["amount"] == 99.0
    assert pricing["priceRange"]["start"]["net"]["amount"] == 87.61
    assert product["variants"][0]["pricing"]["price"] == {
        "gross": {"amount": 99.0},
        "net": {"amount": 87.61},
    }


def test_net_channel_adds_the_default_countrys_tax(shop, api):
    """International enters net prices: gross = round(14.99 * 1.08875) = 16.32."""
    m.TaxRate.objects.filter(country="US").update(rate=Decimal("8.875"))
    price = product_pricing(api, "wolf-tee", "international")["variants"][0]["pricing"]["price"]
    assert price == {"gross": {"amount": 16.32}, "net": {"amount": 14.99}}
    # A German address (no tax row here) prices at 0 %: net = gross.
    de = product_pricing(api, "wolf-tee", "international", {"country": "DE"})
    assert de["variants"][0]["pricing"]["price"]["gross"]["amount"] == 14.99


def test_rule_shows_in_catalogue(shop, api, launch_week):
    product = product_pricing(api, "wolf-tee")
    pricing = product["pricing"]
    assert pricing["onSale"] is True
    # 99.00 - round(9.90) = 89.10 gross; net round(89.10 / 1.13) = 78.85.
    assert pricing["priceRange"]["start"]["gross"]["amount"] == 89.10
    assert pricing["priceRange"]["start"]["net"]["amount"] == 78.85
    assert pricing["priceRangeUndiscounted"]["start"]["gross"]["amount"] == 99.0
    assert pricing["discount"] == {"gross": {"amount": 9.9}, "net": {"amount": 8.76}}
    variant = product["variants"][0]["pricing"]
    assert variant["onSale"] is True
    assert variant["discount"] == {"gross": {"amount": 9.9}}
    assert variant["priceUndiscounted"]["gross"]["amount"] == 99.0
    # The poster is not on the rule: unchanged, not on sale.
    poster = product_pricing(api, "wolf-poster")["pricing"]
    assert poster["onSale"] is False and poster["discount"] is None
    # One batch for the product and its variants' pricing at each level, never one per variant.
    assert all(size >= 1 for size, _ in launch_week)
    assert len(launch_week) <= 4


def test_catalogue_agrees_with_checkout(shop, api, launch_week):
    variant = shop.tee.variants.order_by("sort_order").first()
    catalogue = product_pricing(api, "wolf-tee")["variants"][0]["pricing"]["price"]
    checkout = api.create(lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 1}])
    totals = checkout_totals(m.Checkout.objects.get(token=checkout["token"]))
    line = totals.lines[0]
    assert line.variant.pk == variant.pk
    assert line.unit_price.gross.amount == Decimal(str(catalogue["gross"]["amount"]))
    assert line.unit_price.net.amount == Decimal(str(catalogue["net"]["amount"]))
    assert [a.key for a in line.rule_applications] == ["launch-week"]
    assert str(line.rule_discount.amount) == "9.90"


def test_product_list_prices_in_constant_statements(shop, api, launch_week):
    query = """query { products(first: 100, channel: "china") { edges { node {
      pricing { onSale priceRange { start { gross { amount } } } }
      variants { pricing { price { gross { amount } } } } } } } }"""
    with CaptureQueriesContext(connection) as small:
        api.gql.execute(query, {})
    for index in range(12):
        shop.catalogue.product(f"Wolf Tee {index}", variants=3)
    with CaptureQueriesContext(connection) as large:
        body = api.gql.execute(query, {})["data"]
    assert len(body["products"]["edges"]) > 12
    assert len(small) == len(large)
    # The rule's batch hook ran once per request (products and variants share
    # their listings), with every variant of the page, not once per product.
    assert [size for size, _viewer in launch_week] == [3, 3 + 12 * 3]


def test_clamped_below_zero_with_the_reason_recorded(shop):
    def too_much(candidate, _state):
        return Adjustment.fixed(500, "Staff giveaway")

    register_price_rule(too_much, order=PROMOTIONS, key="too-much", name="Giveaway")
    try:
        listing = m.ProductVariantChannelListing.objects.filter(channel=shop.china).first()
        context = pipeline.pricing_context(shop.china)
        price = pipeline.price_variant(
            pipeline.PriceRequest(listing.variant_id, listing.variant.product_id, listing),
            context,
        )
    finally:
        unregister_price_rule("too-much")
    assert price.unit.amount == Decimal("0.00")
    (application,) = price.applications
    assert application.clamped is True
    assert application.unit_amount.amount == listing.price_amount
    assert application.reason == "Staff giveaway (limited to the remaining price)"
    assert price.price.gross.amount == 0


def test_registration_is_idempotent_by_key(db):
    def rule(candidate, _state):
        return None

    before = len(registered_rules())
    register_price_rule(rule, order=PROMOTIONS, key="twice", name="Twice")
    register_price_rule(rule, order=PROMOTIONS, key="twice", name="Twice")
    try:
        assert len(registered_rules()) == before + 1
        with pytest.raises(ValueError, match="already registered"):
            register_price_rule(lambda c, s: None, order=PROMOTIONS, key="twice", name="Other")
    finally:
        unregister_price_rule("twice")
    assert len(registered_rules()) == before


def test_rules_run_in_declared_order_on_the_price_left(shop):
    def half(candidate, _state):
        return Adjustment.percentage(50, "Half")

    def ten_off(candidate, _state):
        return Adjustment.fixed(10, "Ten off")

    register_price_rule(half, order=200, key="half", name="Half")
    register_price_rule(ten_off, order=100, key="ten-off", name="Ten off")
    try:
        listing = m.ProductVariantChannelListing.objects.filter(
            channel=shop.china, variant__product=shop.tee
        ).first()
        price = pipeline.price_variant(
            pipeline.PriceRequest(listing.variant_id, shop.tee.pk, listing),
            pipeline.pricing_context(shop.china),
        )
    finally:
        unregister_price_rule("half")
        unregister_price_rule("ten-off")
    # 99.00 - 10.00 = 89.00, then half of that: 44.50.
    assert [a.key for a in price.applications] == ["ten-off", "half"]
    assert [str(a.unit_amount.amount) for a in price.applications] == ["10.00", "44.50"]
    assert str(price.unit.amount) == "44.50"


def test_order_line_records_rules_and_voucher_share(db, launch_week, gql):
    from django.contrib.auth import get_user_model

    from marquee.accounts.tokens import create_access_token

    builder = ShopBuilder()
    m.TaxRate.objects.create(country="CN", rate=Decimal("13"))
    voucher = m.Voucher.objects.create(code="WELCOME10", name="Welcome", discount_type="percentage")
    m.VoucherChannelListing.objects.create(
        voucher=voucher, channel=builder.china, currency="CNY", discount_value=Decimal("10")
    )
    tee = builder.variants("Wolf Tee", count=1)[0]
    mug = builder.variants("Mug", count=1, cny=Decimal("50.00"))[0]
    owner = get_user_model().objects.create_user("owner@example.com", "pw-owner-1234")
    checkout = builder.checkout([(tee, 2), (mug, 1)], user=owner, email=owner.email)
    checkout.voucher_code = "WELCOME10"
    checkout.save()
    builder.pay(checkout)
    order = complete_checkout(checkout.token, user=owner).order

    # Tee: 2 x 99.00 = 198.00 listed; rule 2 x 9.90 -> 178.20; mug 50.00.
    # Subtotal 228.20; voucher round(22.82): shares 17.82 (tee), 5.00 (mug).
    tee_line = order.lines.get(variant=tee)
    assert str(tee_line.undiscounted_total_price_gross_amount) == "198.0000"
    assert str(tee_line.undiscounted_total_price_net_amount) == "175.2200"
    assert str(tee_line.total_price_gross_amount) == "160.3800"
    rows = list(tee_line.discounts.values_list("type", "rule_key", "voucher_code", "amount_value"))
    assert rows == [
        ("rule", "launch-week", "", Decimal("19.8000")),
        ("voucher", "", "WELCOME10", Decimal("17.8200")),
    ]
    assert sum(r[3] for r in rows) + tee_line.total_price_gross_amount == Decimal("198")
    assert order.undiscounted_total_gross_amount == Decimal("248") + Decimal("12")

    gql.client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {create_access_token(owner)}"
    body = gql.execute(ORDER_LINES, {"id": to_global_id("Order", str(order.pk))})
    assert "errors" not in body, body
    line = next(x for x in body["data"]["order"]["lines"] if x["productName"] == "Wolf Tee")
    assert line["undiscountedTotalPrice"] == {"gross": {"amount": 198.0}, "net": {"amount": 175.22}}
    assert line["undiscountedUnitPrice"]["gross"]["amount"] == 99.0
    assert line["unitDiscount"]["amount"] == 18.81  # (19.80 + 17.82) / 2
    assert line["unitDiscountType"] == "FIXED"
    assert line["unitDiscountReason"] == "Launch week; Voucher WELCOME10"
    assert line["discounts"] == [
        {
            "type": "PROMOTION",
            "name": "Launch week",
            "reason": "Launch week",
            "valueType": "PERCENTAGE",
            "value": 10.0,
            "total": {"amount": 19.8},
            "unit": {"amount": 9.9},
        },
        {
            "type": "VOUCHER",
            "name": "Welcome",
            "reason": "Voucher WELCOME10",
            "valueType": "PERCENTAGE",
            "value": 10.0,
            "total": {"amount": 17.82},
            "unit": {"amount": 8.91},
        },
    ]
    mug_line = next(x for x in body["data"]["order"]["lines"] if x["productName"] == "Mug")
    assert [d["type"] for d in mug_line["discounts"]] == ["VOUCHER"]


def test_rule_sees_the_signed_in_viewer(shop, api, settings):
    from django.contrib.auth import get_user_model

    from marquee.accounts.tokens import create_access_token
    from tests.licensing.conftest import FAST_HASHERS

    seen = []

    def signed_in_only(candidate, _state):
        seen.append(candidate.viewer)
        if candidate.viewer is not None:
            return Adjustment.price("80.00", "Signed-in price")
        return None

    register_price_rule(signed_in_only, order=PROMOTIONS, key="signed-in", name="Signed in")
    try:
        anonymous = product_pricing(api, "wolf-tee")["variants"][0]["pricing"]
        settings.PASSWORD_HASHERS = FAST_HASHERS
        fan = get_user_model().objects.create_user("fan@example.com", "pw-fan-12345")
        api.gql.client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {create_access_token(fan)}"
        signed_in = product_pricing(api, "wolf-tee")["variants"][0]["pricing"]
    finally:
        unregister_price_rule("signed-in")
    assert anonymous["onSale"] is False
    assert anonymous["price"]["gross"]["amount"] == 99.0
    assert signed_in["onSale"] is True
    assert signed_in["price"]["gross"]["amount"] == 80.0
    assert signed_in["discount"] == {"gross": {"amount": 19.0}}
    assert seen[0] is None and seen[-1].pk == fan.pk
