"""Member-only variants: unseen outside their tier in catalogue and search, refused at checkout."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from marquee.core.exceptions import DomainError
from marquee.members import visibility
from marquee.members.models import Perk, PerkKind, PerkRedemption, RedemptionStatus
from marquee.members.services import perks
from marquee.merch.models import Checkout
from marquee.merch.orders.placement import complete_checkout
from tests.checkout.operations import CREATE, LINES_ADD
from tests.orders.conftest import COMPLETE, ShopBuilder, checkout_id

from .member_catalogue import Backers, UserClient

pytestmark = pytest.mark.django_db

PAGE = """
query Page($slug: String!) {
  product(slug: $slug, channel: "china") {
    name
    pricing { priceRange { start { gross { amount } } stop { gross { amount } } } }
    variants { sku }
  }
}
"""
LIST = """
query List($search: String) {
  products(first: 50, channel: "china", search: $search) {
    totalCount
    edges { node { slug variants { sku } } }
  }
}
"""
VARIANT = """
query Variant($id: ID, $sku: String) {
  productVariant(id: $id, sku: $sku, channel: "china") { sku }
}
"""
VARIANTS = """
query Variants($ids: [ID!]) {
  productVariants(first: 50, ids: $ids, channel: "china") { edges { node { sku } } }
}
"""


@pytest.fixture(autouse=True)
def _gate_off(settings):
    settings.LICENCE_GATE_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shop(db):
    return ShopBuilder()


class Edition:
    """A tee with a public size and a Producers-only limited edition, plus an all-members figure."""

    def __init__(self, shop):
        self.shop = shop
        self.backers = Backers(shop)
        self.tee = shop.product("Tee", variants=2)  # 99.00 public, 100.00 limited
        self.public, self.limited = self.tee.variants.order_by("sort_order")
        self.perk(self.limited, self.backers.producer, "gold-tee")
        self.figure = shop.product("Figure", variants=1, category=shop.figures)
        self.figure_variant = self.figure.variants.get()
        self.perk(self.figure_variant, self.backers.supporter, "figure")
        self.producer = self.backers.member("producer@example.com", 10)
        self.supporter = self.backers.member("supporter@example.com", 1)
        self.stranger = self.backers.user("stranger@example.com")

    def perk(self, variant, tier, slug):
        return Perk.objects.create(
            programme=self.backers.programme,
            tier=tier,
            kind=PerkKind.MEMBER_VARIANT,
            slug=slug,
            name=f"Limited {slug}",
            total_quantity=100,
            per_member_quota=5,
            expires_at=timezone.now() + timedelta(days=30),
            variant=variant,
        )


@pytest.fixture
def edition(shop):
    return Edition(shop)


def skus(variants):
    return [v["sku"] for v in variants]


def vid(variant):
    return to_global_id("ProductVariant", variant.pk)


def test_a_limited_edition_is_left_out_of_the_product_page(edition):
    for outsider in (None, edition.stranger, edition.supporter):
        product = UserClient(outsider).run(PAGE, {"slug": "tee"})["product"]
        assert skus(product["variants"]) == [edition.public.sku]
        price_range = product["pricing"]["priceRange"]
        assert price_range["start"]["gross"]["amount"] == 99.0
        assert price_range["stop"]["gross"]["amount"] == 99.0


def test_the_tier_sees_the_limited_edition(edition):
    product = UserClient(edition.producer).run(PAGE, {"slug": "tee"})["product"]
    assert skus(product["variants"]) == [edition.public.sku, edition.limited.sku]
    assert product["pricing"]["priceRange"]["stop"]["gross"]["amount"] == 100.0


def test_a_product_of_member_only_variants_is_hidden_from_lists_pages_and_search(edition):
    for outsider in (None, edition.stranger):
        client = UserClient(outsider)
        listed = client.run(LIST, {})["products"]
        assert [e["node"]["slug"] for e in listed["edges"]] == ["tee"]
        assert listed["totalCount"] == 1
        assert client.run(LIST, {"search": "figure"})["products"]["edges"] == []
        assert client.error_codes(PAGE, {"slug": "figure"}) == ["NOT_FOUND"]


def test_members_of_the_tier_find_it_everywhere(edition):
    for member in (edition.supporter, edition.producer):
        client = UserClient(member)
        listed = client.run(LIST, {})["products"]
        assert sorted(e["node"]["slug"] for e in listed["edges"]) == ["figure", "tee"]
        found = client.run(LIST, {"search": "figure"})["products"]["edges"]
        assert [e["node"]["slug"] for e in found] == ["figure"]
        assert client.run(PAGE, {"slug": "figure"})["product"]["name"] == "Figure"


def test_variant_lookups_do_not_find_it(edition):
    stranger, producer = UserClient(edition.stranger), UserClient(edition.producer)
    for lookup in ({"id": vid(edition.limited)}, {"sku": edition.limited.sku}):
        assert stranger.error_codes(VARIANT, lookup) == ["NOT_FOUND"]
        assert producer.run(VARIANT, lookup)["productVariant"]["sku"] == edition.limited.sku
    ids = {"ids": [vid(edition.public), vid(edition.limited)]}
    assert skus(e["node"] for e in stranger.run(VARIANTS, ids)["productVariants"]["edges"]) == [
        edition.public.sku
    ]
    found = producer.run(VARIANTS, ids)["productVariants"]["edges"]
    assert len(found) == 2


def test_a_membership_without_paid_units_does_not_open_it(edition):
    lapsed = edition.backers.member("lapsed@example.com", 0)
    product = UserClient(lapsed).run(PAGE, {"slug": "tee"})["product"]
    assert skus(product["variants"]) == [edition.public.sku]


def create(user, variant):
    data = {
        "channel": "china",
        "email": "fan@example.com",
        "lines": [{"variantId": vid(variant), "quantity": 1}],
    }
    return UserClient(user).run(CREATE, {"input": data})["checkoutCreate"]


def test_checkout_refuses_it_to_outsiders(edition):
    for outsider in (None, edition.stranger, edition.supporter):
        payload = create(outsider, edition.limited)
        assert payload["checkout"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("MEMBER_ONLY", "lines")]
        assert payload["errors"][0]["variants"] == [vid(edition.limited)]


def test_lines_add_refuses_it_to_outsiders(edition):
    payload = create(edition.stranger, edition.public)
    assert payload["errors"] == []
    added = UserClient(edition.stranger).run(
        LINES_ADD,
        {
            "id": payload["checkout"]["id"],
            "lines": [{"variantId": vid(edition.limited), "quantity": 1}],
        },
    )["checkoutLinesAdd"]
    assert [e["code"] for e in added["errors"]] == ["MEMBER_ONLY"]


def redeem(user, variant, times=1):
    perk = Perk.objects.get(variant=variant)
    return [perks.redeem(user, perk, f"{variant.pk}-{n}") for n in range(times)]


def test_the_tier_may_buy_it_once_redeemed(shop, edition):
    payload = create(edition.producer, edition.limited)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("REDEMPTION_REQUIRED", "lines")
    ]
    assert "you hold 0 and ask for 1" in payload["errors"][0]["message"]
    redeem(edition.producer, edition.limited)
    payload = create(edition.producer, edition.limited)
    assert payload["errors"] == []
    checkout = Checkout.objects.get(token=payload["checkout"]["token"])
    assert checkout.user_id == edition.producer.pk


def test_each_unit_needs_its_own_redemption(shop, edition):
    redeem(edition.producer, edition.limited, times=2)
    checkout = shop.checkout([(edition.limited, 3)], user=edition.producer)
    shop.pay(checkout)
    with pytest.raises(DomainError) as refused:
        complete_checkout(checkout.token)
    assert [d.code for d in refused.value.details] == ["REDEMPTION_REQUIRED"]
    assert PerkRedemption.objects.filter(status=RedemptionStatus.ISSUED).count() == 2


def test_placing_the_order_consumes_the_redemptions(shop, edition):
    issued = redeem(edition.producer, edition.limited, times=3)
    checkout = shop.checkout([(edition.limited, 2)], user=edition.producer)
    shop.pay(checkout)
    order = complete_checkout(checkout.token).order
    used = PerkRedemption.objects.filter(status=RedemptionStatus.CONSUMED).order_by("pk")
    assert [r.pk for r in used] == [r.pk for r in issued[:2]]
    assert {r.order_id for r in used} == {order.pk} and all(r.consumed_at for r in used)
    again = shop.checkout([(edition.limited, 2)], user=edition.producer)
    shop.pay(again)
    with pytest.raises(DomainError):
        complete_checkout(again.token)  # one redemption left for two units


def test_a_redemption_lost_to_another_checkout_refuses_the_order(shop, edition):
    """Two checkouts validated against one redemption: the second placement finds none left."""
    redeem(edition.producer, edition.limited)
    first = shop.checkout([(edition.limited, 1)], user=edition.producer)
    second = shop.checkout([(edition.limited, 1)], user=edition.producer)
    shop.pay(first)
    shop.pay(second)
    complete_checkout(first.token)
    with pytest.raises(DomainError) as refused:
        complete_checkout(second.token)
    assert [d.code for d in refused.value.details] == ["REDEMPTION_REQUIRED"]
    assert Checkout.objects.filter(token=second.token).exists()  # nothing of it was lost


def test_completing_a_checkout_that_holds_it_is_refused_to_outsiders(shop, edition):
    checkout = shop.checkout([(edition.limited, 1), (edition.public, 1)], user=edition.stranger)
    shop.pay(checkout)
    body = UserClient(edition.stranger).run(COMPLETE, {"id": checkout_id(checkout)})
    errors = body["checkoutComplete"]["errors"]
    assert [(e["code"], e["variants"]) for e in errors] == [("MEMBER_ONLY", [vid(edition.limited)])]
    with pytest.raises(DomainError):
        complete_checkout(checkout.token)


def test_completing_it_as_the_member_places_the_order(shop, edition):
    redeem(edition.producer, edition.limited)
    checkout = shop.checkout([(edition.limited, 1)], user=edition.producer)
    shop.pay(checkout)
    order = complete_checkout(checkout.token).order
    assert order.lines.get().variant_id == edition.limited.pk


def test_refusals_for_a_whole_checkout_are_one_statement(edition, django_assert_num_queries):
    ids = [edition.public.pk, edition.limited.pk, edition.figure_variant.pk]
    with django_assert_num_queries(1):
        assert visibility.refused_variant_ids(ids, edition.supporter) == {edition.limited.pk}
    with django_assert_num_queries(1):
        assert visibility.refused_variant_ids(ids, None) == {
            edition.limited.pk,
            edition.figure_variant.pk,
        }
    with django_assert_num_queries(1):
        assert visibility.refused_variant_ids(ids, edition.producer) == set()


def test_a_member_only_products_pictures_are_served(edition, client):
    """Image requests carry no viewer; the members who see the product must see its pictures."""
    media = edition.figure.media.get()
    response = client.get(f"/thumbnail/product-media/{media.pk}/256/webp/")
    assert response.status_code == 200


LOWEST = """
query Lowest($lte: Float) {
  products(first: 50, channel: "china", filter: {minimalPrice: {lte: $lte}}) {
    edges { node { slug } }
  }
}
"""


def test_a_hidden_variant_does_not_set_the_lowest_price(shop, edition):
    """The limited edition is the cheaper size here: outsiders filter by the public price."""
    cap = shop.product("Cap", variants=2)  # 99.00, 100.00
    cheap = cap.variants.order_by("sort_order").first()
    edition.perk(cheap, edition.backers.producer, "cheap-cap")
    below_public = {"lte": 99.5}

    def slugs(user):
        data = UserClient(user).run(LOWEST, below_public)
        return [e["node"]["slug"] for e in data["products"]["edges"]]

    assert "cap" not in slugs(edition.stranger)
    assert "cap" in slugs(edition.producer)


def test_two_member_only_lines_are_consumed_in_one_statement(shop, edition):
    redeem(edition.producer, edition.limited, times=2)
    redeem(edition.producer, edition.figure_variant)
    checkout = shop.checkout(
        [(edition.limited, 2), (edition.figure_variant, 1), (edition.public, 1)],
        user=edition.producer,
    )
    shop.pay(checkout)
    with CaptureQueriesContext(connection) as queries:
        order = complete_checkout(checkout.token).order
    updates = [
        q["sql"] for q in queries.captured_queries if "UPDATE members_perkredemption" in q["sql"]
    ]
    assert len(updates) == 1
    consumed = PerkRedemption.objects.filter(order=order)
    assert consumed.count() == 3 and not PerkRedemption.objects.filter(status="issued").exists()
