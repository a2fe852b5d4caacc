"""The hit path's statement pins for the storefront operations the benchmark pins miss by miss.

tests/graphql/benchmark/ runs with the cache off, so its pins stay those of
computing an answer; here the same operations, asked twice: the second
answer costs the catalogue version read and nothing else. The miss pin is
the benchmark's plus that read (and, the first time a version is seen, the
next-moment query).
"""

from decimal import Decimal

import pytest

from tests.graphql.benchmark.test_product_list import PRODUCT_LIST, PRODUCT_LIST_QUERIES
from tests.graphql.operations import NAVIGATION, PRODUCT_GRID, PRODUCT_PAGE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stock_kept_long(settings):
    """Stock-dependent answers are kept for the staleness bound from the start of their
    computation (1 s by default), so a miss that takes longer on a loaded machine is not kept
    at all and the second ask misses too. These tests pin statements, not that bound
    (tests/graphql/cache/test_freshness.py does)."""
    settings.GRAPHQL_STOCK_STALENESS_SECONDS = 300


def build(catalogue, count):
    for index in range(count):
        catalogue.product(f"Product {index:03d}", variants=3, cny=Decimal(10 + index))


@pytest.mark.parametrize("first", [20, 100])
def test_product_list(catalogue, anonymous, first):
    build(catalogue, 25)
    variables = {"channel": "china", "first": first}
    miss = anonymous.ask(PRODUCT_LIST, variables)
    assert len(anonymous.statements) == 2 + PRODUCT_LIST_QUERIES
    hit = anonymous.ask(PRODUCT_LIST, variables)
    assert len(anonymous.statements) == 1
    assert hit == miss


def test_storefront_grid_and_product_page(catalogue, anonymous):
    build(catalogue, 3)
    grid = {"channel": "china", "languageCode": "ZH_HANS", "first": 30}
    page = {"channel": "china", "languageCode": "EN", "slug": "product-001"}
    for query, variables in ((PRODUCT_GRID, grid), (PRODUCT_PAGE, page)):
        anonymous.ask(query, variables)
        assert anonymous.computed
        anonymous.ask(query, variables)
        assert len(anonymous.statements) == 1, anonymous.statements


def test_navigation_is_cached(catalogue, anonymous):
    from marquee.merch import models as m

    navbar = m.Menu.objects.create(name="Navbar", slug="navbar")
    m.MenuItem.objects.create(menu=navbar, name="Tees", category=catalogue.tees)
    variables = {"slug": "navbar", "channel": "china", "languageCode": "EN"}
    first = anonymous.ask(NAVIGATION, variables)
    assert anonymous.computed
    assert anonymous.ask(NAVIGATION, variables) == first
    assert len(anonymous.statements) == 1
