"""`me`: the signed-in user's profile, addresses and defaults, in constant SQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import from_global_id

from .conftest import MOUNTAIN_VIEW, SHANGHAI

pytestmark = pytest.mark.django_db

ME = """
{
  me {
    id email firstName lastName isStaff isActive dateJoined languageCode
    avatar { url }
    addresses {
      id firstName streetAddress1 city postalCode countryArea phone
      country { code country }
      isDefaultShippingAddress isDefaultBillingAddress
    }
    defaultShippingAddress { id city }
    defaultBillingAddress { id city }
  }
}
"""
ME_ADDRESSES = "{ me { addresses { id city country { code } } } }"


def test_me_returns_the_profile(user, me_gql, add_address):
    home = add_address(user, SHANGHAI, "SHIPPING")
    office = add_address(user, MOUNTAIN_VIEW, "BILLING")
    me = me_gql.execute(ME)["data"]["me"]
    assert me["email"] == "lin.wei@marquee.example"
    assert (me["firstName"], me["lastName"]) == ("Lin", "Wei")
    assert me["isStaff"] is False and me["isActive"] is True
    assert me["languageCode"] == "EN"
    assert me["avatar"] is None
    assert me["dateJoined"]
    assert [a["city"] for a in me["addresses"]] == ["浦东新区", "MOUNTAIN VIEW"]
    first = me["addresses"][0]
    assert first["country"] == {"code": "CN", "country": "China"}
    assert first["phone"] == "+862155550101"
    assert (first["isDefaultShippingAddress"], first["isDefaultBillingAddress"]) == (True, False)
    assert me["defaultShippingAddress"]["id"] == first["id"]
    assert me["defaultBillingAddress"]["id"] == me["addresses"][1]["id"]
    assert [from_global_id(a["id"]) for a in me["addresses"]] == [
        ("Address", str(home.pk)),
        ("Address", str(office.pk)),
    ]


def test_me_without_addresses(user, me_gql):
    me = me_gql.execute(ME)["data"]["me"]
    assert me["addresses"] == []
    assert me["defaultShippingAddress"] is None and me["defaultBillingAddress"] is None


# The user (from the token, in the middleware) and the address book: two
# statements, whether the book holds one address or ten.
ME_ADDRESSES_QUERIES = 2


def count_queries(client, query):
    with CaptureQueriesContext(connection) as captured:
        body = client.execute(query)
    return len(captured), body


def test_me_addresses_query_count_is_constant(user, me_gql, add_address):
    add_address(user, SHANGHAI, "SHIPPING")
    one, body = count_queries(me_gql, ME_ADDRESSES)
    assert len(body["data"]["me"]["addresses"]) == 1
    for _ in range(9):
        add_address(user, MOUNTAIN_VIEW)
    ten, body = count_queries(me_gql, ME_ADDRESSES)
    assert len(body["data"]["me"]["addresses"]) == 10
    assert one == ten == ME_ADDRESSES_QUERIES
    # Defaults come from the same book: no extra statement.
    full, _ = count_queries(me_gql, ME)
    assert full == ME_ADDRESSES_QUERIES


def test_me_orders_is_wired_to_the_orders_api(user, me_gql):
    body = me_gql.execute("{ me { orders(first: 5) { totalCount edges { node { id } } } } }")
    assert body["data"]["me"]["orders"] == {"totalCount": 0, "edges": []}
