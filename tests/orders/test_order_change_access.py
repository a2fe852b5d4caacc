"""Who may change an order: its owner and staff; a guest order's id only lets one read it."""

import pytest
from django.contrib.auth import get_user_model

from marquee.merch import models as m
from marquee.merch.orders import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    users = get_user_model().objects
    return {
        "owner": users.create_user("owner@example.com", "pw"),
        "other": users.create_user("other@example.com", "pw"),
        "staff": users.create_user("staff@example.com", "pw", is_staff=True),
    }


def make_order(shop, user=None):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)], user=user)
    return m.Order.objects.create(
        channel=checkout.channel, currency="CNY", user=user, user_email="owner@example.com"
    )


def test_owner_and_staff_may_change_an_order(shop, people):
    order = make_order(shop, people["owner"])
    assert selectors.order_for_change(order.pk, people["owner"]) == order
    assert selectors.order_for_change(order.pk, people["staff"]) == order
    assert selectors.order_for_change(order.pk, people["other"]) is None
    assert selectors.order_for_change(order.pk, None) is None


def test_a_guest_order_is_readable_by_id_but_not_changeable(shop, people):
    order = make_order(shop)
    assert selectors.order_for_viewer(order.pk, None) == (order, False)
    assert selectors.order_for_change(order.pk, None) is None
    assert selectors.order_for_change(order.pk, people["staff"]) == order
