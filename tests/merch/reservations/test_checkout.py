"""Checkout lines hold their units when the channel (or a policy) reserves; off = as before."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from marquee.core.exceptions import DomainError
from marquee.merch import models as m
from marquee.merch.checkout import services
from marquee.merch.checkout.services import LineInput, LineUpdate, NewCheckout
from marquee.merch.reservations import policy, selectors
from tests.checkout.operations import LINES_ADD

from .conftest import counters, held


def _create(variant, quantity=1, **extra):
    return services.create_checkout(
        NewCheckout(channel_slug="china", lines=[LineInput(variant.pk, quantity)], **extra)
    )


def _hold_of(checkout):
    return {
        r.checkout_line.variant_id: r.quantity_reserved
        for r in m.Reservation.objects.filter(checkout_line__checkout=checkout).select_related(
            "checkout_line"
        )
    }


def test_off_by_default_nothing_is_held(shop):
    (tee,) = shop.variants("Tee", stock=3)
    checkout = _create(tee, 2)
    assert counters(tee) == (3, 0, 0)
    assert not m.Reservation.objects.exists()
    assert selectors.expires_at(checkout) is None


def test_create_add_update_delete_hold_and_release(reserving):
    shop = reserving
    tee, mug = shop.variants("Tee", stock=5) + shop.variants("Mug", stock=5)
    checkout = _create(tee, 2)
    assert _hold_of(checkout) == {tee.pk: 2}
    assert counters(tee) == (5, 0, 2)
    services.add_lines(checkout, [LineInput(tee.pk, 1), LineInput(mug.pk, 1)])
    assert _hold_of(checkout) == {tee.pk: 3, mug.pk: 1}
    services.update_lines(checkout, [LineUpdate(quantity=1, variant_id=tee.pk)])
    assert _hold_of(checkout) == {tee.pk: 1, mug.pk: 1}
    assert counters(tee) == (5, 0, 1)
    services.update_lines(checkout, [LineUpdate(quantity=0, variant_id=mug.pk)])
    assert _hold_of(checkout) == {tee.pk: 1}
    assert counters(mug) == (5, 0, 0)
    line = checkout.lines.get()
    services.delete_lines(checkout, [line.pk])
    assert _hold_of(checkout) == {}
    assert counters(tee) == (5, 0, 0)


def test_the_anonymous_and_signed_in_settings_apply_to_their_buyers(shop, django_user_model):
    shop.china.reservation_minutes_anonymous = None
    shop.china.reservation_minutes_authenticated = 20
    shop.china.save()
    (tee,) = shop.variants("Tee", stock=5)
    _create(tee)
    assert not m.Reservation.objects.exists()
    user = django_user_model.objects.create_user(email="fan@example.com", password="x")
    checkout = services.create_checkout(
        NewCheckout(channel_slug="china", lines=[LineInput(tee.pk, 1)]), user=user
    )
    expires = selectors.expires_at(checkout)
    assert timezone.now() + timedelta(minutes=19) < expires < timezone.now() + timedelta(minutes=21)


def test_a_registered_policy_reserves_whatever_the_channel_says(shop):
    tee, mug = shop.variants("Tee", stock=5) + shop.variants("Mug", stock=5)

    def drop_tee(channel, variant_ids, user):
        return {tee.pk: 3} if tee.pk in variant_ids else {}

    policy.register_reservation_policy(drop_tee, order=100)
    try:
        checkout = _create(tee)
        services.add_lines(checkout, [LineInput(mug.pk, 1)])
        assert _hold_of(checkout) == {tee.pk: 1}
        expires = selectors.expires_at(checkout)
        assert expires < timezone.now() + timedelta(minutes=3, seconds=5)
    finally:
        policy.unregister_reservation_policy(drop_tee)


def test_a_line_that_cannot_be_held_is_refused_and_nothing_changes(reserving):
    shop = reserving
    (tee,) = shop.variants("Tee", stock=2)
    first = _create(tee, 2)
    with pytest.raises(DomainError) as refused:
        _create(tee, 1)
    assert [e.code for e in refused.value.details] == ["INSUFFICIENT_STOCK"]
    with pytest.raises(DomainError) as refused:
        services.add_lines(first, [LineInput(tee.pk, 1)])
    assert [e.code for e in refused.value.details] == ["INSUFFICIENT_STOCK"]
    assert first.lines.get().quantity == 2
    assert counters(tee) == (2, 0, 2)
    assert m.Checkout.objects.count() == 1


def test_a_checkout_is_not_told_insufficient_stock_for_units_it_holds(reserving):
    shop = reserving
    (tee,) = shop.variants("Tee", stock=3)
    checkout = _create(tee, 3)
    # Every unit is held, by this checkout: it may still change other things.
    services.update_lines(checkout, [LineUpdate(quantity=2, variant_id=tee.pk)])
    services.update_lines(checkout, [LineUpdate(quantity=3, variant_id=tee.pk)])
    assert _hold_of(checkout) == {tee.pk: 3}
    assert counters(tee) == (3, 0, 3)


def test_a_race_the_validator_did_not_see_is_refused_by_the_reserve(reserving):
    """The stock check passed (a stale read); the conditional statement still says no."""
    shop = reserving
    (tee,) = shop.variants("Tee", stock=2)
    checkout = _create(tee, 1)
    # Another checkout's hold written behind the validator's back: the counter says 2 of 2.
    m.Stock.objects.filter(product_variant=tee).update(quantity_reserved=2)
    with pytest.raises(DomainError) as refused:
        services.add_lines(checkout, [LineInput(tee.pk, 1)])
    assert [e.code for e in refused.value.details] == ["INSUFFICIENT_STOCK"]


def test_expired_holds_count_as_available_and_are_taken_lazily(reserving):
    shop = reserving
    (tee,) = shop.variants("Tee", stock=2)
    old = _create(tee, 2)
    m.Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert selectors.expires_at(old) is None
    new = _create(tee, 2)
    assert _hold_of(new) == {tee.pk: 2}
    assert _hold_of(old) == {}
    assert counters(tee) == (2, 0, 2)
    assert held(tee) == 2


def test_each_change_refreshes_the_holds(reserving):
    shop = reserving
    tee, mug = shop.variants("Tee", stock=5) + shop.variants("Mug", stock=5)
    checkout = _create(tee)
    soon = timezone.now() + timedelta(minutes=1)
    m.Reservation.objects.update(reserved_until=soon)
    services.add_lines(checkout, [LineInput(mug.pk, 1)])
    assert selectors.expires_at(checkout) > timezone.now() + timedelta(minutes=9)
    m.Reservation.objects.update(reserved_until=soon)
    services.update_shipping_address(
        checkout,
        {
            "first_name": "Li",
            "last_name": "Wei",
            "street_address_1": "1 Century Avenue",
            "city": "浦东新区",
            "postal_code": "200120",
            "country": "CN",
            "country_area": "上海市",
            "phone": "+8613800138000",
        },
        services.AddressRules(),
    )
    assert selectors.expires_at(checkout) > timezone.now() + timedelta(minutes=9)


EXPIRES = """
query ($id: ID!) { checkout(id: $id) { stockReservationExpires } }
"""


def test_the_storefront_sees_when_the_hold_expires(reserving, gql):
    (tee,) = reserving.variants("Tee", stock=5)
    checkout = _create(tee)
    checkout_id = to_global_id("Checkout", str(checkout.token))
    body = gql.execute(EXPIRES, {"id": checkout_id})
    expected = selectors.expires_at(checkout)
    assert body["data"]["checkout"]["stockReservationExpires"] == expected.isoformat()
    services.delete_lines(checkout, [checkout.lines.get().pk])
    body = gql.execute(EXPIRES, {"id": checkout_id})
    assert body["data"]["checkout"]["stockReservationExpires"] is None


# checkoutLinesAdd of one line (raising an existing line), the channel
# reserving: the 25 statements it runs without reservations, plus one refresh
# of the checkout's holds and the one reserve statement, last.
LINES_ADD_WITHOUT_RESERVATIONS = 25
LINES_ADD_WITH_RESERVATIONS = 27


def _lines_add_statements(shop, gql, variant):
    checkout = _create(variant)
    with CaptureQueriesContext(connection) as captured:
        body = gql.execute(
            LINES_ADD,
            {
                "id": to_global_id("Checkout", str(checkout.token)),
                "lines": [{"variantId": to_global_id("ProductVariant", variant.pk), "quantity": 1}],
            },
        )
    assert body["data"]["checkoutLinesAdd"]["errors"] == []
    return len(captured), [q["sql"] for q in captured]


def test_lines_add_statement_count_with_reservations(shop, gql):
    (tee,) = shop.variants("Tee", stock=50)
    off, _ = _lines_add_statements(shop, gql, tee)
    shop.china.reservation_minutes_anonymous = 10
    shop.china.save()
    on, statements = _lines_add_statements(shop, gql, tee)
    assert off == LINES_ADD_WITHOUT_RESERVATIONS
    assert on == off + 2 == LINES_ADD_WITH_RESERVATIONS
    reserve = next(i for i, sql in enumerate(statements) if "FOR UPDATE OF s" in sql)
    assert "UPDATE merch_reservation" in statements[reserve - 1]  # the refresh
    # The reserve is the service's last statement: its transaction ends next.
    assert statements[reserve + 1].startswith("RELEASE SAVEPOINT")


def test_a_policy_active_elsewhere_adds_no_statement_here(shop, gql):
    (tee,) = shop.variants("Tee", stock=50)
    off, _ = _lines_add_statements(shop, gql, tee)

    def elsewhere(channel, variant_ids, user):
        raise AssertionError("not asked in a channel where it is not active")

    policy.register_reservation_policy(
        elsewhere, order=100, active=lambda channel: channel.slug == "international"
    )
    try:
        assert not policy.active(shop.china)
        assert policy.active(shop.intl)
        assert _lines_add_statements(shop, gql, tee)[0] == off
    finally:
        policy.unregister_reservation_policy(elsewhere)
    assert not policy.active(shop.intl)


def test_the_api_answers_insufficient_stock_on_the_line_that_cannot_be_held(reserving, gql):
    (tee,) = reserving.variants("Tee", stock=2)
    _create(tee, 2)
    other = services.create_checkout(NewCheckout("china"))
    variant_id = to_global_id("ProductVariant", tee.pk)
    body = gql.execute(
        LINES_ADD,
        {
            "id": to_global_id("Checkout", str(other.token)),
            "lines": [{"variantId": variant_id, "quantity": 1}],
        },
    )
    errors = body["data"]["checkoutLinesAdd"]["errors"]
    assert [(e["code"], e["variants"]) for e in errors] == [("INSUFFICIENT_STOCK", [variant_id])]
    assert not other.lines.exists()
