"""The demo has one scheduled drop (with a members' window) and one live drop."""

import pytest

from marquee.demo.loader import load_demo
from marquee.merch import drops
from marquee.merch.models import Drop, ProductChannelListing
from tests.merch.conftest import FAST_HASHERS

pytestmark = pytest.mark.django_db


def test_the_demo_drops(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.LICENCE_GATE_ENABLED = True
    assert load_demo() is True
    scheduled = Drop.objects.get(slug="wandering-earth-ii-blind-box-series-2")
    live = Drop.objects.get(slug="moon-crisis-numbered-prints")
    assert drops.state(scheduled) == "SCHEDULED"
    assert drops.remaining(scheduled) == 242 + 188
    assert scheduled.early_access_starts_at is not None
    assert drops.state(live) == "LIVE"
    assert drops.remaining(live) == 6
    listing = ProductChannelListing.objects.get(product=scheduled.product, channel__slug="china")
    assert listing.available_for_purchase_at == scheduled.early_access_starts_at
