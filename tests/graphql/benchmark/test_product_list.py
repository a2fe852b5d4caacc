"""The storefront's product list runs a constant number of SQL statements.

Saleor's ProductList grows with the page (84 statements for 20 products, 108
for 32). Here the count is pinned: if a change adds a statement, or makes the
count depend on the page size, this fails.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..operations import PRODUCT_GRID, PRODUCT_PAGE

pytestmark = pytest.mark.django_db

# The list a storefront shows: first 100 products with pricing, thumbnail,
# category, film and variants (with their attributes and stock).
PRODUCT_LIST = """
query ProductList($channel: String!, $first: Int!) {
  products(first: $first, channel: $channel) {
    totalCount
    edges {
      node {
        id
        name
        slug
        pricing {
          priceRange { start { gross { amount currency } } stop { gross { amount currency } } }
        }
        thumbnail(size: 256, format: WEBP) { url alt }
        category { id name slug }
        film { slug title titleEn }
        variants {
          id
          sku
          name
          quantityAvailable
          pricing { price { gross { amount currency } } }
          attributes { attribute { slug } values { slug } }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# channel, products, count, then one statement each for: variant listings
# (price range, priced variants, variant pricing), media (thumbnail),
# categories, films, variants, stock, product types' attributes, variant
# attribute values.
PRODUCT_LIST_QUERIES = 11


def count_queries(gql, query, variables):
    with CaptureQueriesContext(connection) as captured:
        body = gql.execute(query, variables)
    return len(captured), body


def build(catalogue, count):
    for index in range(count):
        catalogue.product(f"Product {index:03d}", variants=3, cny=Decimal(10 + index))


def test_product_list_query_count_is_constant(gql, catalogue):
    build(catalogue, 3)
    small, body = count_queries(gql, PRODUCT_LIST, {"channel": "china", "first": 100})
    assert len(body["data"]["products"]["edges"]) == 3
    build_more = 40
    for index in range(build_more):
        catalogue.product(f"More {index:03d}", variants=3, image=index % 2 == 0)
    large, body = count_queries(gql, PRODUCT_LIST, {"channel": "china", "first": 100})
    assert len(body["data"]["products"]["edges"]) == 43
    assert small == large == PRODUCT_LIST_QUERIES


def test_storefront_grid_query_count_is_constant(gql, catalogue):
    build(catalogue, 2)
    # A storefront grid page; 100 products x 50 variants would exceed the cost limit.
    variables = {"channel": "china", "languageCode": "ZH_HANS", "first": 30}
    small, _ = count_queries(gql, PRODUCT_GRID, variables)
    build(catalogue, 0)
    for index in range(25):
        catalogue.product(f"Grid {index:03d}", variants=2)
    large, body = count_queries(gql, PRODUCT_GRID, variables)
    assert len(body["data"]["products"]["edges"]) == 27
    assert small == large


def test_product_page_query_count(gql, catalogue):
    catalogue.product("Small", variants=1)
    catalogue.product("Large", variants=3)
    variables = {"channel": "china", "languageCode": "EN"}
    small, _ = count_queries(gql, PRODUCT_PAGE, {**variables, "slug": "small"})
    large, _ = count_queries(gql, PRODUCT_PAGE, {**variables, "slug": "large"})
    assert small == large
