"""Member prices: in Saleor's pricing fields, charged at checkout, owed on the right base."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marquee.licensing.models import JournalEntry, SaleSnapshot
from marquee.members import pricing, selectors
from marquee.members.models import Membership
from marquee.merch.models import OrderLineDiscount
from marquee.merch.orders.placement import complete_checkout
from marquee.merch.pricing import pipeline
from marquee.merch.pricing.rules import registered_rules
from tests.graphql.conftest import CatalogueBuilder
from tests.licensing.conftest import Register
from tests.licensing.royalties.conftest import Sales
from tests.orders.conftest import ShopBuilder, checkout_id

from .member_catalogue import Backers, UserClient, other_film

pytestmark = pytest.mark.django_db

MONEY = "gross { amount currency } net { amount }"
RANGE = f"start {{ {MONEY} }} stop {{ {MONEY} }}"
PRODUCT = f"""
query Product($slug: String!) {{
  product(slug: $slug, channel: "china") {{
    pricing {{
      onSale
      discount {{ {MONEY} }}
      priceRange {{ {RANGE} }}
      priceRangeUndiscounted {{ {RANGE} }}
    }}
    variants {{
      sku
      pricing {{
        onSale discount {{ {MONEY} }} price {{ {MONEY} }} priceUndiscounted {{ {MONEY} }}
      }}
    }}
  }}
}}
"""
CHECKOUT = """
query Checkout($id: ID!) {
  checkout(id: $id) {
    lines { unitPrice { gross { amount } } totalPrice { gross { amount } }
            undiscountedUnitPrice { amount } }
    subtotalPrice { gross { amount } }
    totalPrice { gross { amount } }
  }
}
"""


@pytest.fixture(autouse=True)
def _gate_off(settings):
    settings.LICENCE_GATE_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def catalogue(db):
    return CatalogueBuilder()


@pytest.fixture
def backers(catalogue):
    return Backers(catalogue)


def gross(money):
    return Decimal(str(money["gross"]["amount"]))


def product_pricing(user, slug="tee"):
    return UserClient(user).run(PRODUCT, {"slug": slug})["product"]


def variant_prices(product):
    return [gross(v["pricing"]["price"]) for v in product["variants"]]


def test_the_rule_is_registered_after_promotions():
    keys = [rule.key for rule in registered_rules()]
    assert pricing.KEY in keys


def test_member_sees_the_member_price_against_the_public_one(catalogue, backers):
    catalogue.product("Tee")  # variants at 99.00 and 100.00
    backers.percentage(backers.supporter, 20)
    member = backers.member("fan@example.com", 1)

    product = product_pricing(member)
    info = product["pricing"]
    assert info["onSale"] is True
    assert gross(info["discount"]) == Decimal("19.80")
    assert gross(info["priceRange"]["start"]) == Decimal("79.20")
    assert gross(info["priceRange"]["stop"]) == Decimal("80.00")
    assert gross(info["priceRangeUndiscounted"]["start"]) == Decimal("99.00")
    assert gross(info["priceRangeUndiscounted"]["stop"]) == Decimal("100.00")
    variants = product["variants"]
    assert [v["pricing"]["onSale"] for v in variants] == [True, True]
    assert variant_prices(product) == [Decimal("79.20"), Decimal("80.00")]
    assert [gross(v["pricing"]["priceUndiscounted"]) for v in variants] == [
        Decimal("99.00"),
        Decimal("100.00"),
    ]
    assert [gross(v["pricing"]["discount"]) for v in variants] == [
        Decimal("19.80"),
        Decimal("20.00"),
    ]


def test_anonymous_and_non_members_see_the_public_price(catalogue, backers):
    catalogue.product("Tee")
    backers.percentage(backers.supporter, 20)
    stranger = backers.user("stranger@example.com")
    for viewer in (None, stranger):
        product = product_pricing(viewer)
        assert product["pricing"]["onSale"] is False
        assert product["pricing"]["discount"] is None
        assert variant_prices(product) == [Decimal("99.00"), Decimal("100.00")]
        assert [v["pricing"]["onSale"] for v in product["variants"]] == [False, False]


def test_a_member_without_paid_units_is_not_a_member(catalogue, backers):
    catalogue.product("Tee")
    backers.percentage(backers.supporter, 20)
    pending = backers.member("pending@example.com", 0)
    assert variant_prices(product_pricing(pending)) == [Decimal("99.00"), Decimal("100.00")]


def test_a_tier_below_the_rule_does_not_reach_it(catalogue, backers):
    catalogue.product("Tee")
    backers.percentage(backers.producer, 30)
    supporter = backers.member("s@example.com", 9)
    producer = backers.member("p@example.com", 10)
    assert variant_prices(product_pricing(supporter)) == [Decimal("99.00"), Decimal("100.00")]
    assert variant_prices(product_pricing(producer)) == [Decimal("69.30"), Decimal("70.00")]


def test_the_lowest_member_price_wins(catalogue, backers):
    tee = catalogue.product("Tee")
    small, large = tee.variants.order_by("sort_order")
    backers.percentage(backers.supporter, 10)
    backers.percentage(backers.producer, 30)
    # Producer's fixed price beats 30 % on the small tee (50 < 69.30), not on the large (75 > 70).
    backers.fixed(backers.producer, {small: "50.00", large: "75.00"})
    producer = backers.member("p@example.com", 12)
    supporter = backers.member("s@example.com", 2)
    assert variant_prices(product_pricing(producer)) == [Decimal("50.00"), Decimal("70.00")]
    assert variant_prices(product_pricing(supporter)) == [Decimal("89.10"), Decimal("90.00")]


def test_a_fixed_price_above_the_price_does_not_raise_it(catalogue, backers):
    tee = catalogue.product("Tee")
    small, large = tee.variants.order_by("sort_order")
    backers.fixed(backers.supporter, {small: "120.00", large: "100.00"})
    member = backers.member("fan@example.com", 1)
    product = product_pricing(member)
    assert variant_prices(product) == [Decimal("99.00"), Decimal("100.00")]
    assert product["pricing"]["onSale"] is False


def test_a_fixed_price_is_per_channel(catalogue, backers):
    tee = catalogue.product("Tee")
    small = tee.variants.order_by("sort_order").first()
    backers.fixed(backers.supporter, {small: "9.99"}, channel=catalogue.intl)
    member = backers.member("fan@example.com", 1)
    assert variant_prices(product_pricing(member)) == [Decimal("99.00"), Decimal("100.00")]


def test_a_full_discount_prices_at_zero_never_below(catalogue, backers):
    catalogue.product("Tee")
    backers.percentage(backers.supporter, 100)
    member = backers.member("fan@example.com", 1)
    assert variant_prices(product_pricing(member)) == [Decimal("0.00"), Decimal("0.00")]


def test_only_the_programme_films_products_get_it(catalogue, backers):
    catalogue.product("Tee")
    poster = catalogue.product("Poster", variants=1)
    poster.film = other_film()
    poster.save()
    unfilmed = catalogue.product("Mug", variants=1)
    unfilmed.film = None
    unfilmed.save()
    backers.percentage(backers.supporter, 20)
    member = backers.member("fan@example.com", 1)
    assert variant_prices(product_pricing(member, "poster")) == [Decimal("99.00")]
    assert variant_prices(product_pricing(member, "mug")) == [Decimal("99.00")]
    assert variant_prices(product_pricing(member, "tee"))[0] == Decimal("79.20")


def test_a_member_of_another_programme_gets_nothing_here(catalogue, backers):
    catalogue.product("Tee")
    backers.percentage(backers.supporter, 20)
    elsewhere = Backers(catalogue, film=other_film(), slug="earth-round-1")
    fan = elsewhere.member("fan@example.com", 50)
    assert variant_prices(product_pricing(fan)) == [Decimal("99.00"), Decimal("100.00")]


@pytest.mark.parametrize(
    "fields",
    [
        {"is_active": False},
        {"starts_at": timezone.now() + timedelta(days=1)},
        {"ends_at": timezone.now() - timedelta(seconds=1)},
    ],
    ids=["inactive", "not-yet", "ended"],
)
def test_a_rule_outside_its_window_or_inactive_does_not_apply(catalogue, backers, fields):
    catalogue.product("Tee")
    backers.percentage(backers.supporter, 20, **fields)
    member = backers.member("fan@example.com", 1)
    assert variant_prices(product_pricing(member)) == [Decimal("99.00"), Decimal("100.00")]


def test_a_rule_inside_its_window_applies(catalogue, backers):
    catalogue.product("Tee")
    now = timezone.now()
    backers.percentage(
        backers.supporter, 20, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1)
    )
    member = backers.member("fan@example.com", 1)
    assert variant_prices(product_pricing(member))[0] == Decimal("79.20")


def test_the_batch_hook_is_one_statement_and_apply_none(catalogue, backers):
    products = [catalogue.product(f"Tee {i}", variants=3) for i in range(5)]
    small = products[0].variants.order_by("sort_order").first()
    backers.percentage(backers.supporter, 20)
    backers.percentage(backers.producer, 25)
    backers.fixed(backers.producer, {small: "10.00"})
    member = backers.member("p@example.com", 10)
    requests = [
        pipeline.PriceRequest(
            variant_id=variant.pk,
            product_id=product.pk,
            listing=variant.channel_listings.get(channel=catalogue.china),
        )
        for product in products
        for variant in product.variants.all()
    ]
    context = pipeline.pricing_context(catalogue.china, viewer=member)
    with CaptureQueriesContext(connection) as captured:
        offers = pricing.load_offers(requests, context)
    assert len(captured) == 1
    with CaptureQueriesContext(connection) as captured:
        prices = pipeline.price_variants(requests, context)
    assert len(captured) == 1  # the batch hook again; the rules themselves read nothing
    assert [(o.name, o.price) for o in offers.by_variant[small.pk]] == [
        ("Producer fixed price", Decimal("10.0000"))
    ]
    assert len(offers.by_product) == 5
    # 99.00 -> fixed 10.00; 100.00 and 101.00 -> 25 % off (the Producer rule beats 20 %).
    assert [p.unit.amount for p in prices[:3]] == [
        Decimal("10.00"),
        Decimal("75.00"),
        Decimal("75.75"),
    ]


def test_nobody_signed_in_costs_no_statement(catalogue, backers):
    product = catalogue.product("Tee", variants=1)
    variant = product.variants.get()
    request = pipeline.PriceRequest(
        variant_id=variant.pk,
        product_id=product.pk,
        listing=variant.channel_listings.get(channel=catalogue.china),
    )
    context = pipeline.pricing_context(catalogue.china, viewer=None)
    with CaptureQueriesContext(connection) as captured:
        assert pricing.load_offers([request], context) is pricing.NO_OFFERS
    assert len(captured) == 0


# Checkout and orders -----------------------------------------------------------------


@pytest.fixture
def shop(db):
    return ShopBuilder()


def test_checkout_charges_the_member_price_and_the_order_records_the_rule(shop):
    backers = Backers(shop)
    tee = shop.product("Tee", variants=1, cny=Decimal("100.00"))
    variant = tee.variants.get()
    backers.percentage(backers.supporter, 50, name="Backers pay half")
    member = backers.member("fan@example.com", 3)
    checkout = shop.checkout([(variant, 2)], user=member)

    data = UserClient(member).run(CHECKOUT, {"id": checkout_id(checkout)})["checkout"]
    line = data["lines"][0]
    assert line["unitPrice"]["gross"]["amount"] == 50.0
    assert line["undiscountedUnitPrice"]["amount"] == 100.0
    assert line["totalPrice"]["gross"]["amount"] == 100.0
    assert data["subtotalPrice"]["gross"]["amount"] == 100.0
    assert data["totalPrice"]["gross"]["amount"] == 112.0  # + SF Express 12.00

    shop.pay(checkout)
    order = complete_checkout(checkout.token).order
    assert order.total_gross_amount == Decimal("112.00")
    order_line = order.lines.get()
    assert order_line.unit_price_gross_amount == Decimal("50.00")
    discount = OrderLineDiscount.objects.get(line=order_line)
    recorded = (discount.type, discount.rule_key, discount.name)
    assert recorded == ("rule", "member-price", "Member price")
    assert discount.reason == "Backers pay half: 50% off"
    assert discount.amount_value == Decimal("100.00")


def test_a_strangers_checkout_pays_the_list_price(shop):
    backers = Backers(shop)
    tee = shop.product("Tee", variants=1, cny=Decimal("100.00"))
    backers.percentage(backers.supporter, 50)
    stranger = backers.user("stranger@example.com")
    checkout = shop.checkout([(tee.variants.get(), 2)], user=stranger)
    data = UserClient(stranger).run(CHECKOUT, {"id": checkout_id(checkout)})["checkout"]
    assert data["lines"][0]["unitPrice"]["gross"]["amount"] == 100.0


# Royalties ---------------------------------------------------------------------------


@pytest.fixture
def licensed(settings, shop):
    settings.LICENCE_GATE_ENABLED = True
    register = Register(shop)
    return register, Sales(register, shop)


def _member_order(shop, sales, product, member):
    checkout = shop.checkout([(product.variants.first(), 2)], user=member)
    shop.pay(checkout)
    order = complete_checkout(checkout.token).order
    sales.paid(order)
    return order


def test_royalty_on_net_base_accrues_on_the_member_price(shop, licensed):
    register, sales = licensed
    backers = Backers(shop)
    backers.percentage(backers.supporter, 50)
    member = backers.member("backer@example.com", 1)
    product = sales.product(price=Decimal("100.00"))  # licence A: 10 % of net
    _member_order(shop, sales, product, member)
    snap = SaleSnapshot.objects.get()
    entry = JournalEntry.objects.get()
    assert snap.net_total < snap.list_total_net
    assert entry.base_amount == snap.net_total
    # 2 x 50.00 gross in the china channel (no tax rate set): the base is the member price.
    assert entry.base_amount == Decimal("100.00")


def test_royalty_on_list_base_accrues_on_the_list_price(shop, licensed):
    register, sales = licensed
    licence = register.licence(register.licensor_a, "A-L", [register.property_a])
    sales.terms(licence, base="list", rate_percent=Decimal(10))
    backers = Backers(shop)
    backers.percentage(backers.supporter, 50)
    member = backers.member("backer@example.com", 1)
    product = sales.product(licence, price=Decimal("100.00"))
    _member_order(shop, sales, product, member)
    snap = SaleSnapshot.objects.get()
    entry = JournalEntry.objects.get()
    assert entry.base_amount == snap.list_total_net == Decimal("200.00")


# Rules that could never price sensibly are refused by the database ------------------


@pytest.mark.parametrize("percent", ["0", "-5", "100.001"])
def test_a_percentage_outside_0_to_100_is_refused(backers, percent):
    with pytest.raises(IntegrityError), transaction.atomic():
        backers.percentage(backers.supporter, percent)


def test_a_negative_fixed_price_is_refused(catalogue, backers):
    variant = catalogue.product("Tee", variants=1).variants.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        backers.fixed(backers.supporter, {variant: "-0.01"})


def test_the_rule_reaches_exactly_the_tiers_the_selectors_say(catalogue, backers):
    """The batch hook's own reading of membership agrees with `selectors.tier_ids_for_user`."""
    product = catalogue.product("Tee", variants=1)
    variant = product.variants.get()
    rules = {
        backers.supporter.pk: backers.percentage(backers.supporter, 10),
        backers.producer.pk: backers.percentage(backers.producer, 20),
    }
    second = Backers(catalogue, slug="ww2-round-2")
    rules[second.supporter.pk] = second.percentage(second.supporter, 30)
    request = pipeline.PriceRequest(
        variant_id=variant.pk,
        product_id=product.pk,
        listing=variant.channel_listings.get(channel=catalogue.china),
    )
    members = [
        backers.member("one@example.com", 1),
        backers.member("ten@example.com", 10),
        backers.member("none@example.com", 0),
        backers.user("stranger@example.com"),
    ]
    both = backers.member("both@example.com", 12)
    Membership.objects.create(
        programme=second.programme,
        user=both,
        units_committed=1,
        units_held=1,
        tier=second.supporter,
    )
    for user in [*members, both]:
        context = pipeline.pricing_context(catalogue.china, viewer=user)
        offered = {
            o.rule_id
            for o in pricing.load_offers([request], context).by_product.get(product.pk, [])
        }
        expected = {rules[tier].pk for tier in selectors.tier_ids_for_user(user)}
        assert offered == expected, user.email
