"""`checkout(id)` runs the same number of SQL statements for 1 line as for 10."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import CN_ADDRESS
from .operations import CHECKOUT, DELIVERY_UPDATE, LINES_ADD, SHIPPING_ADDRESS_UPDATE

pytestmark = pytest.mark.django_db

# The storefront's view of a checkout, with variants, products and thumbnails.
STOREFRONT_CHECKOUT = """
query ($id: ID!) {
  checkout(id: $id) {
    id email voucherCode isShippingRequired
    shippingAddress { city } billingAddress { city }
    delivery { id shippingMethod { id name } }
    shippingMethods { id name price { amount } }
    problems { __typename }
    totalPrice { gross { amount } tax { amount } }
    subtotalPrice { gross { amount } }
    shippingPrice { gross { amount } }
    lines {
      id quantity
      totalPrice { gross { amount } }
      unitPrice { gross { amount } }
      undiscountedUnitPrice { amount }
      variant {
        id name
        translation(languageCode: EN) { name }
        pricing { price { gross { amount } } }
        attributes(variantSelection: ALL) { values { name } }
        product { name thumbnail { url } category { name } media { url(size: 72) } }
      }
    }
  }
}
"""

# checkout; shipping address (no billing address is set); lines with variants,
# products and types; variant listings; product listings; tax rate; the chosen
# shipping listing; available shipping listings; stock (problems); product-type
# attributes; variant attribute values; media (thumbnails); categories; the
# member-only variants among the lines (problems, members.visibility).
EXPECTED = 14


def checkout_with(shop, api, count):
    product = shop.catalogue.product(f"Bulk {count}", variants=count, cny=Decimal("10"))
    checkout = api.create(lines=[])
    variants = product.variants.order_by("sort_order")
    from graphql_relay import to_global_id

    api.run(
        LINES_ADD,
        {
            "id": checkout["id"],
            "lines": [
                {"variantId": to_global_id("ProductVariant", v.pk), "quantity": 1} for v in variants
            ],
        },
    )
    api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": CN_ADDRESS})
    api.run(DELIVERY_UPDATE, {"id": checkout["id"], "method": shop.method_id(shop.sf)})
    return checkout["id"]


def count(gql, query, checkout_id):
    with CaptureQueriesContext(connection) as captured:
        body = gql.execute(query, {"id": checkout_id})
    return len(captured), body["data"]["checkout"]


def test_constant_statements(shop, api, gql):
    one = checkout_with(shop, api, 1)
    ten = checkout_with(shop, api, 10)
    queries_one, result_one = count(gql, STOREFRONT_CHECKOUT, one)
    queries_ten, result_ten = count(gql, STOREFRONT_CHECKOUT, ten)
    assert len(result_one["lines"]) == 1
    assert len(result_ten["lines"]) == 10
    assert queries_one == queries_ten == EXPECTED


def test_test_query_is_constant_too(shop, api, gql):
    assert (
        count(gql, CHECKOUT, checkout_with(shop, api, 1))[0]
        == count(gql, CHECKOUT, checkout_with(shop, api, 10))[0]
    )
