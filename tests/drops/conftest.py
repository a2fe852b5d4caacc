"""A shop with drops: the orders' shop (catalogue, zone, payment) plus a drop builder."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marquee.core import admission, rate_limits
from marquee.merch import models as m
from marquee.merch.drops import selectors
from marquee.merch.drops.services import DropInput, schedule_drop
from tests.orders.conftest import COMPLETE, ShopBuilder, checkout_id  # noqa: F401


class DropShop(ShopBuilder):
    def drop(
        self,
        name="Wolf Figure Drop",
        *,
        variants=1,
        quantity=5,
        starts_in=timedelta(minutes=-1),
        lasts=None,
        early=None,
        limit=None,
        rate=None,
        burst=5,
        minutes=10,
        product=None,
    ):
        now = timezone.now()
        product = product or self.product(name + " product", variants=variants, stock=0)
        starts_at = now + starts_in
        drop = schedule_drop(
            DropInput(
                slug=name.lower().replace(" ", "-"),
                name=name,
                channel_id=self.china.pk,
                product_id=product.pk,
                variants=[(v.pk, quantity) for v in product.variants.order_by("sort_order")],
                starts_at=starts_at,
                ends_at=starts_at + lasts if lasts else None,
                early_access_starts_at=starts_at - early if early else None,
                per_customer_limit=limit,
                reservation_minutes=minutes,
                admission_rate=rate,
                admission_burst=burst,
            )
        )
        selectors.forget()
        return drop

    @staticmethod
    def variant(drop, index=0):
        return drop.drop_variants.order_by("variant__sort_order")[index].variant


def counters(variant):
    stock = m.Stock.objects.get(product_variant=variant)
    return stock.quantity, stock.quantity_allocated, stock.quantity_reserved


@pytest.fixture(autouse=True)
def _without_licence_gate(settings):
    """These products declare no licences; the gate's refusal is tested on its own."""
    settings.LICENCE_GATE_ENABLED = False


@pytest.fixture(autouse=True)
def _fresh_rooms(settings, db):
    """In-process rooms and rate limits, forgotten between tests (drop ids are reused)."""
    settings.REDIS_URL = ""
    selectors.forget()
    admission.rooms().__init__()
    rate_limits.clear_all()
    yield
    selectors.forget()


@pytest.fixture
def shop(db):
    return DropShop()
