"""A drop's state over time and stock, and the countdown fields."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from marquee.core import admission
from marquee.merch import drops
from marquee.merch import models as m
from marquee.merch.drops import services, states
from marquee.merch.drops.tasks import refresh_sold_out_flags

pytestmark = pytest.mark.django_db


def test_states_follow_the_clock(shop):
    drop = shop.drop(
        starts_in=timedelta(hours=2), early=timedelta(hours=1), lasts=timedelta(hours=3)
    )
    start = drop.starts_at
    assert drops.state(drop, start - timedelta(hours=1, seconds=1)) == "SCHEDULED"
    assert drops.state(drop, start - timedelta(minutes=30)) == "EARLY_ACCESS"
    assert drops.state(drop, start) == "LIVE"
    assert drops.state(drop, start + timedelta(hours=3)) == "ENDED"
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        assert drops.state(drop) == "LIVE"
        assert m.ProductChannelListing.objects.get(
            product=drop.product, channel=shop.china
        ).is_available_for_purchase()
    with time_machine.travel(start - timedelta(hours=1, minutes=1), tick=False):
        assert drops.state(drop) == "SCHEDULED"
        assert not m.ProductChannelListing.objects.get(
            product=drop.product, channel=shop.china
        ).is_available_for_purchase()


def test_reserving_follows_the_clock(shop):
    drop = shop.drop(starts_in=timedelta(hours=1), lasts=timedelta(hours=1))
    variant = shop.variant(drop)
    with time_machine.travel(drop.starts_at - timedelta(seconds=1), tick=False):
        with pytest.raises(Exception) as caught:
            services.reserve(drop.pk, variant.pk, 1)
        assert caught.value.details[0].code == "NOT_STARTED"
    with time_machine.travel(drop.starts_at + timedelta(seconds=1), tick=False):
        assert services.reserve(drop.pk, variant.pk, 1).reserved == 1
    with time_machine.travel(drop.ends_at, tick=False):
        with pytest.raises(Exception) as caught:
            services.reserve(drop.pk, variant.pk, 1)
        assert caught.value.details[0].code == "ENDED"


def test_remaining_counts_reservations_and_expired_ones_back(shop):
    drop = shop.drop(quantity=4, variants=2)
    assert drops.remaining(drop) == 8
    services.reserve(drop.pk, shop.variant(drop, 0).pk, 3)
    assert drops.remaining(drop) == 5
    m.Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert drops.remaining(drop) == 8


def test_units_coming_back_clear_the_sold_out_flag(shop):
    drop = shop.drop(quantity=1)
    services.reserve(drop.pk, shop.variant(drop).pk, 1)
    assert drops.state(drop) == "SOLD_OUT"
    assert admission.is_sold_out(drop.room)
    m.Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert drops.state(drop) == "SOLD_OUT"  # the flag answers until it is refreshed
    refresh_sold_out_flags()
    assert not admission.is_sold_out(drop.room)
    assert drops.state(drop) == "LIVE"
    states.refresh_sold_out([drop])
    assert drops.state(drop) == "LIVE"
