"""Stale by at most the stated bound: stock, moments, and what checkout always checks."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from graphql_relay import to_global_id

from marquee.merch import models as m

pytestmark = pytest.mark.django_db

STOCK = """
query { product(slug: "tee", channel: "china") { isAvailable variants { quantityAvailable } } }
"""
NAMES = 'query { products(channel: "china", first: 10) { edges { node { name } } } }'
CREATE = """
mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) { errors { code field } checkout { id lines { quantity } } }
}
"""


def available(data):
    return [v["quantityAvailable"] for v in data["product"]["variants"]]


def test_a_stock_change_is_seen_after_the_bound(catalogue, anonymous, settings):
    catalogue.product("Tee", variants=1, stock=10)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert available(anonymous.ask(STOCK)) == [10]
        m.Stock.objects.update(quantity=3)  # a sale: stock moves no catalogue version
        assert available(anonymous.ask(STOCK)) == [10]
        assert not anonymous.computed
        clock.shift(timedelta(seconds=settings.GRAPHQL_STOCK_STALENESS_SECONDS))
        assert available(anonymous.ask(STOCK)) == [3]
        assert anonymous.computed


def test_the_bound_is_configurable(catalogue, anonymous, settings):
    settings.GRAPHQL_STOCK_STALENESS_SECONDS = 5
    catalogue.product("Tee", variants=1, stock=10)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        anonymous.ask(STOCK)
        m.Stock.objects.update(quantity=3)
        clock.shift(timedelta(seconds=3))
        assert available(anonymous.ask(STOCK)) == [10]
        clock.shift(timedelta(seconds=2))
        assert available(anonymous.ask(STOCK)) == [3]


def test_checkout_sees_real_stock_while_the_cached_page_shows_the_old_figure(catalogue, anonymous):
    tee = catalogue.product("Tee", variants=1, stock=10)
    variant_id = to_global_id("ProductVariant", tee.variants.get().pk)
    with time_machine.travel(timezone.now(), tick=False):
        assert available(anonymous.ask(STOCK)) == [10]
        m.Stock.objects.update(quantity=3)
        assert available(anonymous.ask(STOCK)) == [10]
        response = anonymous.post(
            {
                "query": CREATE,
                "variables": {
                    "input": {
                        "channel": "china",
                        "email": "fan@example.com",
                        "lines": [{"variantId": variant_id, "quantity": 5}],
                    }
                },
            }
        )
        payload = response.json()["data"]["checkoutCreate"]
        assert [e["code"] for e in payload["errors"]] == ["INSUFFICIENT_STOCK"]
        assert anonymous.policy is None


def test_a_publication_moment_passing_changes_the_answer(catalogue, anonymous):
    tee = catalogue.product("Tee")
    soon = timezone.now() + timedelta(hours=1)
    m.ProductChannelListing.objects.filter(product=tee).update(published_at=soon)
    with time_machine.travel(soon - timedelta(minutes=1), tick=False) as clock:
        assert anonymous.ask(NAMES)["products"]["edges"] == []
        assert anonymous.policy.max_age <= 60
        assert anonymous.ask(NAMES)["products"]["edges"] == []
        assert not anonymous.computed
        clock.shift(timedelta(minutes=1, seconds=1))
        assert anonymous.ask(NAMES)["products"]["edges"] == [{"node": {"name": "Tee"}}]


def test_a_member_price_window_opening_changes_the_answer(catalogue, fast_passwords):
    from decimal import Decimal

    from tests.members.member_catalogue import Backers

    from .conftest import Asker

    catalogue.product("Tee", variants=1)
    backers = Backers(catalogue)
    opens = timezone.now() + timedelta(hours=2)
    backers.percentage(backers.supporter, 50, starts_at=opens)
    fan = backers.member("fan@example.com", 1)
    query = """query { product(slug: "tee", channel: "china") {
      pricing { priceRange { start { gross { amount } } } } } }"""

    def price(data):
        return Decimal(str(data["product"]["pricing"]["priceRange"]["start"]["gross"]["amount"]))

    with time_machine.travel(opens - timedelta(seconds=30), tick=False) as clock:
        member = Asker(fan)  # its access token is signed at the travelled-to time
        assert price(member.ask(query)) == Decimal("99.00")
        clock.shift(timedelta(seconds=31))
        assert price(member.ask(query)) == Decimal("49.50")


def test_a_drop_starting_changes_its_state(settings):
    from tests.drops.conftest import DropShop

    from .conftest import Asker

    settings.LICENCE_GATE_ENABLED = False
    shop = DropShop()
    drop = shop.drop(starts_in=timedelta(minutes=10))
    asker = Asker()
    query = "query($slug: String!) { drop(slug: $slug) { state } }"
    with time_machine.travel(drop.starts_at - timedelta(seconds=5), tick=False) as clock:
        assert asker.ask(query, {"slug": drop.slug})["drop"]["state"] == "SCHEDULED"
        clock.shift(timedelta(seconds=6))
        assert asker.ask(query, {"slug": drop.slug})["drop"]["state"] != "SCHEDULED"
