"""A shop with reservations: the orders' shop (catalogue, zone, payment) plus helpers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marquee.merch import models as m
from tests.orders.conftest import COMPLETE, ShopBuilder, checkout_id  # noqa: F401


def later(minutes=10):
    return timezone.now() + timedelta(minutes=minutes)


def counters(variant):
    stock = m.Stock.objects.get(product_variant=variant)
    return stock.quantity, stock.quantity_allocated, stock.quantity_reserved


def held(variant) -> int:
    return sum(
        m.Reservation.objects.filter(stock__product_variant=variant).values_list(
            "quantity_reserved", flat=True
        )
    )


@pytest.fixture(autouse=True)
def _without_licence_gate(settings):
    """These products declare no licences; the licence gate is licensing's to test."""
    settings.LICENCE_GATE_ENABLED = False


@pytest.fixture
def shop(db):
    return ShopBuilder()


@pytest.fixture
def reserving(shop):
    """The china channel reserves for 10 minutes whoever buys."""
    shop.china.reservation_minutes_anonymous = 10
    shop.china.reservation_minutes_authenticated = 10
    shop.china.save()
    return shop
