"""SQL statements of the order pages a signed-in customer opens.

`order(id)` is the checkout's confirmation page (1 line against 10 lines);
`me { orders }` is the account's order history (1 order against 10, two
lines each). Orders are placed through the placement service, paid with
the offline gateway, and read through /graphql/ as their owner.
"""

import pytest
from django.contrib.auth import get_user_model
from graphql_relay import to_global_id

from marquee.accounts.tokens import create_access_token
from marquee.merch.orders.placement import complete_checkout
from tests.licensing.conftest import FAST_HASHERS
from tests.orders.conftest import ShopBuilder

from .counting import measure, pin
from .storefront import MY_ORDERS, ORDER

pytestmark = pytest.mark.django_db

LANGUAGE = {"languageCode": "EN"}


@pytest.fixture
def shop(db):
    return ShopBuilder()


@pytest.fixture
def owner(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    return get_user_model().objects.create_user("owner@example.com", "pw-owner-1234")


@pytest.fixture
def signed_in(gql, owner):
    gql.client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {create_access_token(owner)}"
    return gql


def place(shop, owner, lines, name):
    variants = shop.variants(name, count=lines)
    checkout = shop.checkout([(v, 1) for v in variants], email=owner.email, user=owner)
    shop.pay(checkout)
    return complete_checkout(checkout.token, user=owner).order


# the signed-in user; the order; its transactions (balance, captured); its
# channel; its addresses; its shipping method; its lines; their variants;
# thumbnails; products; product-type attributes; variant attribute values.
ORDER_QUERIES = 12

# the signed-in user; a page of their orders; the orders' lines; channels;
# variants; products; variant listings (pricing); thumbnails; categories;
# the member price rule's batch hook (one for every signed-in viewer).
MY_ORDERS_QUERIES = 10


@pytest.mark.parametrize("lines", [1, 10])
def test_order_by_id_as_its_owner(shop, owner, signed_in, lines):
    order = place(shop, owner, lines, f"Tee {lines}")
    measured = measure(signed_in, ORDER, {**LANGUAGE, "id": to_global_id("Order", str(order.pk))})
    assert len(measured.data["order"]["lines"]) == lines
    assert measured.data["order"]["userEmail"] == owner.email
    pin(measured, ORDER_QUERIES)


@pytest.mark.parametrize("orders", [1, 10])
def test_my_orders(shop, owner, signed_in, orders):
    for index in range(orders):
        place(shop, owner, 2, f"Tee {index}")
    measured = measure(signed_in, MY_ORDERS, LANGUAGE)
    edges = measured.data["me"]["orders"]["edges"]
    assert len(edges) == orders
    assert all(len(edge["node"]["lines"]) == 2 for edge in edges)
    pin(measured, MY_ORDERS_QUERIES)
