"""A drop's rules hold for lines added the ordinary way (checkoutLinesAdd)."""

from datetime import timedelta

import pytest

from marquee.core.exceptions import DomainError
from marquee.merch import models as m
from marquee.merch.checkout.services import LineInput, add_lines
from marquee.merch.checkout.validators import validator_codes
from marquee.merch.drops import services

from .conftest import counters

pytestmark = pytest.mark.django_db


def refusal(checkout, variant, quantity):
    with pytest.raises(DomainError) as caught:
        add_lines(checkout, [LineInput(variant.pk, quantity)])
    return [d.code for d in caught.value.details]


def test_the_codes_are_declared_for_the_api():
    assert {"DROP_NOT_STARTED", "DROP_EARLY_ACCESS_ONLY", "DROP_LIMIT_EXCEEDED"} <= set(
        validator_codes()
    )


def test_not_before_the_start(shop):
    drop = shop.drop(starts_in=timedelta(hours=1))
    # The listing opens with the drop, so the channel's own rule speaks first.
    assert refusal(shop.checkout([]), shop.variant(drop), 1) == ["PRODUCT_UNAVAILABLE_FOR_PURCHASE"]
    # A listing opened early by hand: the drop's rule still refuses.
    m.ProductChannelListing.objects.filter(product=drop.product).update(
        available_for_purchase_at=drop.starts_at - timedelta(days=1)
    )
    assert refusal(shop.checkout([]), shop.variant(drop), 1) == ["DROP_NOT_STARTED"]


def test_the_limit_counts_what_the_customer_holds_elsewhere(shop):
    drop = shop.drop(quantity=10, limit=2)
    variant = shop.variant(drop)
    services.reserve(drop.pk, variant.pk, 1, email="fan@example.com")
    checkout = shop.checkout([], email="fan@example.com")
    assert refusal(checkout, variant, 2) == ["DROP_LIMIT_EXCEEDED"]
    add_lines(checkout, [LineInput(variant.pk, 1)])
    # The line added the ordinary way is held for the drop's minutes too.
    line = checkout.lines.get()
    assert m.Reservation.objects.filter(checkout_line=line).exists()
    assert counters(variant) == (10, 0, 2)


def test_a_product_without_a_drop_is_not_judged(shop):
    shop.drop()
    other = shop.variants("Plain Tee")[0]
    checkout = shop.checkout([])
    add_lines(checkout, [LineInput(other.pk, 3)])
    assert checkout.lines.get().quantity == 3
