"""The hot path: reserving a drop unit, its refusals, and what it leaves in the books."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marquee.core import admission
from marquee.core.exceptions import DomainError
from marquee.merch import drops
from marquee.merch import models as m
from marquee.merch.drops import services

from .conftest import counters

pytestmark = pytest.mark.django_db


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.details[0].code


def test_reserving_creates_a_checkout_that_holds_the_unit(shop):
    drop = shop.drop(quantity=3)
    variant = shop.variant(drop)
    result = services.reserve(drop.pk, variant.pk, 1, email="Fan@Example.com")
    assert result.reserved == 1
    checkout = m.Checkout.objects.get(pk=result.checkout.pk)
    assert checkout.channel == shop.china and checkout.email == "fan@example.com"
    line = checkout.lines.get()
    assert (line.variant_id, line.quantity) == (variant.pk, 1)
    assert counters(variant) == (3, 0, 1)
    assert result.expires_at > timezone.now() + timedelta(minutes=9)
    assert drops.remaining(drop) == 2


def test_a_repeated_reserve_of_the_same_line_never_reserves_twice(shop):
    drop = shop.drop(quantity=3)
    variant = shop.variant(drop)
    first = services.reserve(drop.pk, variant.pk, 2)
    again = services.reserve(drop.pk, variant.pk, 2, checkout_token=first.checkout.pk)
    assert again.reserved == 0 and again.line.pk == first.line.pk
    assert counters(variant) == (3, 0, 2)
    more = services.reserve(drop.pk, variant.pk, 3, checkout_token=first.checkout.pk)
    assert more.reserved == 1
    assert counters(variant) == (3, 0, 3)
    assert m.CheckoutLine.objects.get(pk=first.line.pk).quantity == 3


def test_the_last_unit_sells_once_then_sold_out_is_flagged(shop):
    drop = shop.drop(quantity=1)
    variant = shop.variant(drop)
    services.reserve(drop.pk, variant.pk, 1)
    assert code_of(lambda: services.reserve(drop.pk, variant.pk, 1)) == "SOLD_OUT"
    assert admission.is_sold_out(drop.room)
    assert drops.state(drop) == "SOLD_OUT"
    assert counters(variant) == (1, 0, 1)
    assert m.Checkout.objects.count() == 1  # the refused buyer's checkout was rolled back


def test_expired_units_are_swept_and_sold_again(shop):
    drop = shop.drop(quantity=1, minutes=1)
    variant = shop.variant(drop)
    first = services.reserve(drop.pk, variant.pk, 1)
    m.Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    second = services.reserve(drop.pk, variant.pk, 1)
    assert second.reserved == 1 and second.checkout.pk != first.checkout.pk
    assert counters(variant) == (1, 0, 1)


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "2", None, True])
def test_bad_quantities_are_refused(shop, quantity):
    drop = shop.drop()
    variant = shop.variant(drop)
    assert code_of(lambda: services.reserve(drop.pk, variant.pk, quantity)) == "INVALID_QUANTITY"


def test_unknown_drop_and_variant(shop):
    drop = shop.drop()
    other = shop.variants("Other Tee")[0]
    assert code_of(lambda: services.reserve(10**9, other.pk, 1)) == "NOT_FOUND"
    assert code_of(lambda: services.reserve(drop.pk, other.pk, 1)) == "NOT_FOUND"
    assert code_of(lambda: services.reserve("x", other.pk, 1)) == "NOT_FOUND"


def test_a_checkout_of_another_channel_or_owner_is_not_found(shop, django_user_model):
    drop = shop.drop()
    variant = shop.variant(drop)
    owner = django_user_model.objects.create_user(email="owner@example.com", password="pw")
    theirs = services.reserve(drop.pk, variant.pk, 1, user=owner)
    assert (
        code_of(lambda: services.reserve(drop.pk, variant.pk, 1, checkout_token=theirs.checkout.pk))
        == "NOT_FOUND"
    )
    foreign = m.Checkout.objects.create(channel=shop.intl, currency="USD")
    assert (
        code_of(lambda: services.reserve(drop.pk, variant.pk, 1, checkout_token=foreign.pk))
        == "NOT_FOUND"
    )
    assert (
        code_of(lambda: services.reserve(drop.pk, variant.pk, 1, checkout_token="not-a-uuid"))
        == "NOT_FOUND"
    )


def test_before_the_start_and_after_the_end(shop):
    soon = shop.drop("Soon", starts_in=timedelta(hours=1))
    assert code_of(lambda: services.reserve(soon.pk, shop.variant(soon).pk, 1)) == "NOT_STARTED"
    over = shop.drop("Over", starts_in=timedelta(hours=-2), lasts=timedelta(hours=1))
    assert code_of(lambda: services.reserve(over.pk, shop.variant(over).pk, 1)) == "ENDED"


def test_an_unlicensed_drop_is_refused_on_the_hot_path(shop, settings, gql):
    from graphql_relay import to_global_id

    from marquee.merch.drops import selectors

    drop = shop.drop()
    variant = shop.variant(drop)
    settings.LICENCE_GATE_ENABLED = True  # the product declares no licence
    selectors.forget()
    assert code_of(lambda: services.reserve(drop.pk, variant.pk, 1)) == "LICENCE_NOT_VALID"
    query = "query ($id: ID) { drop(id: $id) { slug } }"
    assert gql.execute(query, {"id": to_global_id("Drop", drop.pk)})["data"]["drop"] is None
    assert counters(variant) == (5, 0, 0)


def test_a_retry_under_the_same_key_gets_the_first_checkout_back(shop):
    """The first answer was lost (a timeout after the commit): the retry holds nothing more."""
    drop = shop.drop(quantity=3)
    variant = shop.variant(drop)
    first = services.reserve(drop.pk, variant.pk, 1, idempotency_key="buyer-1-try")
    again = services.reserve(drop.pk, variant.pk, 1, idempotency_key="buyer-1-try")
    assert again.checkout.pk == first.checkout.pk and again.reserved == 0
    assert again.expires_at == first.expires_at
    assert m.Checkout.objects.count() == 1
    assert counters(variant) == (3, 0, 1)
    # Another request under the same key is refused; a new key is a new buyer's hold.
    assert (
        code_of(lambda: services.reserve(drop.pk, variant.pk, 2, idempotency_key="buyer-1-try"))
        == "IDEMPOTENCY_KEY_REUSED"
    )
    services.reserve(drop.pk, variant.pk, 1, idempotency_key="buyer-2-try")
    assert counters(variant) == (3, 0, 2)


def test_a_retry_after_the_sell_out_gets_the_first_checkout_back(shop, django_assert_num_queries):
    """The winner's answer was lost and the drop sold out meanwhile: the retry is not SOLD_OUT."""
    drop = shop.drop(quantity=1)
    variant = shop.variant(drop)
    first = services.reserve(drop.pk, variant.pk, 1, idempotency_key="winner")
    assert code_of(lambda: services.reserve(drop.pk, variant.pk, 1, idempotency_key="late")) == (
        "SOLD_OUT"
    )
    assert admission.is_sold_out(drop.room)
    again = services.reserve(drop.pk, variant.pk, 1, idempotency_key="winner")
    assert again.checkout.pk == first.checkout.pk and again.reserved == 0
    # A key the room never saw is answered without SQL.
    with django_assert_num_queries(0):
        assert code_of(
            lambda: services.reserve(drop.pk, variant.pk, 1, idempotency_key="later")
        ) == ("SOLD_OUT")
    assert counters(variant) == (1, 0, 1)


def test_the_flag_set_again_knows_the_keys_that_hold_units(shop):
    """The admission store lost its keys and flag (a Redis restart) after the winner reserved."""
    drop = shop.drop(quantity=1)
    variant = shop.variant(drop)
    first = services.reserve(drop.pk, variant.pk, 1, idempotency_key="winner")
    admission.reset(drop.room)
    # The next buyer finds nothing and sets the flag again, with the winner's key from the books.
    assert code_of(lambda: services.reserve(drop.pk, variant.pk, 1, idempotency_key="next")) == (
        "SOLD_OUT"
    )
    assert admission.is_sold_out(drop.room)
    again = services.reserve(drop.pk, variant.pk, 1, idempotency_key="winner")
    assert again.checkout.pk == first.checkout.pk and again.reserved == 0
    assert counters(variant) == (1, 0, 1)


def test_a_refused_reserve_leaves_its_key_free(shop):
    drop = shop.drop(quantity=1)
    variant = shop.variant(drop)
    services.reserve(drop.pk, variant.pk, 1)
    admission.clear_sold_out(drop.room)
    assert code_of(lambda: services.reserve(drop.pk, variant.pk, 1, idempotency_key="k")) == (
        "SOLD_OUT"
    )
    from marquee.core.models import IdempotencyKey

    assert not IdempotencyKey.objects.filter(key="k").exists()
