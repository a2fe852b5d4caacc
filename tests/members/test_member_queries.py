"""A member's catalogue runs a constant number of SQL statements, a fixed few more than anyone's.

Signed in, a request loads the user (the token's subject) and the member
price rule's batch hook loads every offer for the page in one statement:
MEMBER_STATEMENTS more than an anonymous visitor, whatever the page size
and however many rules, tiers and fixed prices apply.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marquee.members.models import Perk, PerkKind
from tests.graphql.benchmark.counting import describe
from tests.graphql.benchmark.test_product_list import PRODUCT_LIST, PRODUCT_LIST_QUERIES
from tests.graphql.conftest import CatalogueBuilder
from tests.graphql.operations import PRODUCT_GRID, PRODUCT_PAGE

from .member_catalogue import Backers, UserClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _response_cache_off(settings):
    """These pins count computing an answer (the response cache's miss path)."""
    settings.GRAPHQL_RESPONSE_CACHE_ENABLED = False


# the signed-in user; the member price rule's offers for the whole batch.
MEMBER_STATEMENTS = 2
MEMBER_PRODUCT_LIST_QUERIES = PRODUCT_LIST_QUERIES + MEMBER_STATEMENTS


@pytest.fixture(autouse=True)
def _gate_off(settings):
    settings.LICENCE_GATE_ENABLED = False


@pytest.fixture
def catalogue(db):
    return CatalogueBuilder()


@pytest.fixture
def backers(catalogue):
    backers = Backers(catalogue)
    backers.percentage(backers.supporter, 10)
    backers.percentage(backers.producer, 20)
    return backers


def run(user, query, variables):
    with CaptureQueriesContext(connection) as captured:
        data = UserClient(user).run(query, variables)
    return len(captured), data, [describe(q["sql"]) for q in captured.captured_queries]


def build(catalogue, backers, prefix, count):
    """`count` products of the film, the first variant of each at a Producer fixed price."""
    products = [
        catalogue.product(f"{prefix} {index:03d}", variants=3, cny=Decimal(20 + index))
        for index in range(count)
    ]
    backers.fixed(
        backers.producer,
        {p.variants.order_by("sort_order").first(): "5.00" for p in products},
        name=f"{prefix} at 5",
    )
    return products


def first_prices(data):
    return [
        edge["node"]["variants"][0]["pricing"]["price"]["gross"]["amount"]
        for edge in data["products"]["edges"]
    ]


def test_product_list_for_a_member_is_constant(catalogue, backers):
    member = backers.member("producer@example.com", 10)
    variables = {"channel": "china", "first": 100}
    build(catalogue, backers, "Small", 3)
    anon_small, _, _ = run(None, PRODUCT_LIST, variables)
    small, data, listing = run(member, PRODUCT_LIST, variables)
    assert first_prices(data) == [5.0, 5.0, 5.0]

    build(catalogue, backers, "Large", 40)
    anon_large, _, _ = run(None, PRODUCT_LIST, variables)
    large, data, _ = run(member, PRODUCT_LIST, variables)
    assert len(data["products"]["edges"]) == 43
    assert set(first_prices(data)) == {5.0}

    assert anon_small == anon_large == PRODUCT_LIST_QUERIES
    assert small == large == MEMBER_PRODUCT_LIST_QUERIES, listing


def test_storefront_grid_for_a_member_is_constant(catalogue, backers):
    member = backers.member("supporter@example.com", 1)
    variables = {"channel": "china", "languageCode": "ZH_HANS", "first": 30}
    build(catalogue, backers, "Small", 2)
    anon_small, _, _ = run(None, PRODUCT_GRID, variables)
    small, _, _ = run(member, PRODUCT_GRID, variables)
    build(catalogue, backers, "Large", 25)
    anon_large, _, _ = run(None, PRODUCT_GRID, variables)
    large, data, listing = run(member, PRODUCT_GRID, variables)
    assert len(data["products"]["edges"]) == 27
    assert anon_small == anon_large
    assert small == large == anon_large + MEMBER_STATEMENTS, listing


def test_product_page_for_a_member_is_constant(catalogue, backers):
    member = backers.member("producer@example.com", 10)
    catalogue.product("Small", variants=1)
    large = catalogue.product("Large", variants=3)
    backers.fixed(backers.producer, dict.fromkeys(large.variants.all(), "5.00"))
    variables = {"channel": "china", "languageCode": "EN"}
    anon_small, _, _ = run(None, PRODUCT_PAGE, {**variables, "slug": "small"})
    anon_large, _, _ = run(None, PRODUCT_PAGE, {**variables, "slug": "large"})
    small, data, _ = run(member, PRODUCT_PAGE, {**variables, "slug": "small"})
    assert data["product"]["variants"][0]["pricing"]["price"]["gross"]["amount"] == 79.2
    large_count, data, listing = run(member, PRODUCT_PAGE, {**variables, "slug": "large"})
    prices = [v["pricing"]["price"]["gross"]["amount"] for v in data["product"]["variants"]]
    assert prices == [5.0, 5.0, 5.0]
    assert anon_small == anon_large
    assert small == large_count == anon_large + MEMBER_STATEMENTS, listing


def test_member_only_variants_cost_no_statement(catalogue, backers):
    """The variant filter is part of the catalogue's own statements, for anyone."""
    member = backers.member("producer@example.com", 10)
    variables = {"channel": "china", "first": 100}
    products = build(catalogue, backers, "Small", 3)
    for index, product in enumerate(products):
        limited = product.variants.order_by("sort_order").last()
        Perk.objects.create(
            programme=backers.programme,
            tier=backers.producer,
            kind=PerkKind.MEMBER_VARIANT,
            slug=f"limited-{index}",
            name=f"Limited {index}",
            total_quantity=10,
            expires_at=timezone.now() + timedelta(days=30),
            variant=limited,
        )
    anon, data, _ = run(None, PRODUCT_LIST, variables)
    assert {len(e["node"]["variants"]) for e in data["products"]["edges"]} == {2}
    count, data, listing = run(member, PRODUCT_LIST, variables)
    assert {len(e["node"]["variants"]) for e in data["products"]["edges"]} == {3}
    assert anon == PRODUCT_LIST_QUERIES
    assert count == MEMBER_PRODUCT_LIST_QUERIES, listing
