"""quantityAvailable, isAvailable and the stock filter count holds; expired ones count back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.merch import models as m
from marquee.merch import selectors, stock_levels
from marquee.merch.reservations import services
from tests.graphql.operations import PRODUCT_GRID, PRODUCT_PAGE

from .conftest import later


@pytest.fixture(autouse=True)
def _stock_read_at_once(settings):
    """These tests read stock the moment it changes: no cached stock answer."""
    settings.GRAPHQL_STOCK_STALENESS_SECONDS = 0


def _hold(shop, variant, quantity, until=None):
    line = shop.checkout([(variant, quantity)]).lines.get()
    services.reserve(
        line.pk, variant.pk, quantity, channel_id=shop.china.pk, until=until or later()
    )
    return line.checkout


def _page(gql, slug):
    body = gql.execute(PRODUCT_PAGE, {"slug": slug, "channel": "china", "languageCode": "EN"})
    return body["data"]["product"]


def test_quantity_available_counts_holds_and_expired_holds_count_back(shop, gql):
    (tee,) = shop.variants("Drop Tee", stock=5)
    _hold(shop, tee, 2)
    expired = _hold(shop, tee, 1, until=timezone.now() - timedelta(seconds=1))
    m.Stock.objects.filter(product_variant=tee).update(quantity_allocated=1)
    assert selectors.quantity_available([tee.pk], shop.china.pk) == {tee.pk: 5 - 1 - 2}
    # A checkout judging its own lines may use what it holds (an expired hold counts once).
    assert selectors.quantity_available([tee.pk], shop.china.pk, checkout_id=expired.pk) == {
        tee.pk: 2
    }
    assert _page(gql, "drop-tee")["variants"][0]["quantityAvailable"] == 2


def test_a_checkouts_own_hold_is_available_to_it(shop):
    (tee,) = shop.variants("Drop Tee", stock=3)
    mine = _hold(shop, tee, 3)
    assert selectors.quantity_available([tee.pk], shop.china.pk) == {tee.pk: 0}
    assert selectors.quantity_available([tee.pk], shop.china.pk, checkout_id=mine.pk) == {tee.pk: 3}


def test_everything_held_is_not_available_until_it_expires(shop, gql):
    (tee,) = shop.variants("Drop Tee", stock=2)
    checkout = _hold(shop, tee, 2)
    page = _page(gql, "drop-tee")
    assert page["isAvailable"] is False
    assert page["variants"][0]["quantityAvailable"] == 0

    def names(availability):
        body = gql.execute(
            PRODUCT_GRID,
            {
                "channel": "china",
                "languageCode": "EN",
                "first": 20,
                "filter": {"stockAvailability": availability},
            },
        )
        return [e["node"]["name"] for e in body["data"]["products"]["edges"]]

    assert "Drop Tee" in names("OUT_OF_STOCK")
    m.Reservation.objects.filter(checkout_line__checkout=checkout).update(
        reserved_until=timezone.now() - timedelta(seconds=1)
    )
    assert _page(gql, "drop-tee")["isAvailable"] is True
    assert "Drop Tee" in names("IN_STOCK")


def test_staff_cannot_count_stock_below_allocated_and_reserved(shop):
    (tee,) = shop.variants("Drop Tee", stock=5)
    _hold(shop, tee, 2)
    stock = m.Stock.objects.get(product_variant=tee)
    m.Stock.objects.filter(pk=stock.pk).update(quantity_allocated=2)
    with pytest.raises(DomainError, match="2 reserved by checkouts"):
        stock_levels.set_counted_quantity(stock.pk, 3, as_seen=5)
    assert stock_levels.set_counted_quantity(stock.pk, 4, as_seen=5).quantity == 4
