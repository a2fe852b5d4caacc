"""What the response cache keeps, what a hit costs, and what it never keeps."""

import json

import pytest
from django.contrib.auth import get_user_model

from marquee.graphql.api import schema
from marquee.graphql.core import response_cache
from marquee.graphql.core.response_cache import CachePolicy, classify

from .conftest import Asker

pytestmark = pytest.mark.django_db

PRODUCTS = """
query ProductList($channel: String!, $first: Int!) {
  products(channel: $channel, first: $first) {
    edges { node { name slug pricing { priceRange { start { gross { amount currency } } } } } }
  }
}
"""
STOCK = """
query($channel: String!) {
  products(channel: $channel, first: 10) { edges { node { name variants { quantityAvailable } } } }
}
"""


def test_a_hit_is_one_statement_and_a_miss_pins_its_own(catalogue, anonymous):
    for index in range(3):
        catalogue.product(f"Tee {index}")
    variables = {"channel": "china", "first": 20}
    anonymous.ask(PRODUCTS, variables)
    miss = list(anonymous.statements)
    assert anonymous.computed
    # The version read, then the next moment (first sight of this version), then the data.
    assert "core_catalogueversion" in miss[0]
    assert len(miss) == 2 + 3, miss
    anonymous.ask(PRODUCTS, variables)
    assert len(anonymous.statements) == 1, anonymous.statements
    assert "core_catalogueversion" in anonymous.statements[0]
    assert not anonymous.computed


def test_a_warm_miss_is_the_version_read_plus_the_computation(catalogue, anonymous):
    catalogue.product("Tee")
    anonymous.ask(PRODUCTS, {"channel": "china", "first": 20})
    anonymous.ask(PRODUCTS, {"channel": "china", "first": 5})
    assert anonymous.computed
    assert len(anonymous.statements) == 1 + 3, anonymous.statements


def test_the_same_answer_is_served(catalogue, anonymous):
    catalogue.product("Tee")
    first = anonymous.ask(PRODUCTS, {"channel": "china", "first": 20})
    body = anonymous.response.content
    second = anonymous.ask(PRODUCTS, {"channel": "china", "first": 20})
    assert second == first
    assert anonymous.response.content == body


def test_the_policy_is_shared_for_anonymous_and_bounded(catalogue, anonymous, settings):
    catalogue.product("Tee")
    anonymous.ask(PRODUCTS, {"channel": "china", "first": 20})
    assert anonymous.policy == CachePolicy(shared=True, max_age=anonymous.policy.max_age)
    assert 0 < anonymous.policy.max_age <= settings.GRAPHQL_RESPONSE_CACHE_SECONDS
    anonymous.ask(PRODUCTS, {"channel": "china", "first": 20})
    assert anonymous.policy.shared
    assert anonymous.policy.max_age <= settings.GRAPHQL_RESPONSE_CACHE_SECONDS


def test_stock_answers_live_the_stock_bound(catalogue, anonymous, settings):
    catalogue.product("Tee")
    anonymous.ask(STOCK, {"channel": "china"})
    assert anonymous.policy.max_age <= settings.GRAPHQL_STOCK_STALENESS_SECONDS


def test_a_signed_in_customer_gets_a_private_policy(catalogue, fast_passwords):
    catalogue.product("Tee")
    user = get_user_model().objects.create_user("fan@example.com", "pw")
    asker = Asker(user)
    asker.ask(PRODUCTS, {"channel": "china", "first": 20})
    assert asker.policy is not None and not asker.policy.shared


def test_the_operation_name_is_part_of_the_key(catalogue, anonymous):
    catalogue.product("Tee")
    two = PRODUCTS + "\nquery Other { shop { name } }"
    anonymous.ask(two, {"channel": "china", "first": 20}, operation_name="ProductList")
    data = anonymous.ask(two, {}, operation_name="Other")
    assert data == {"shop": {"name": "Marquee"}} or "shop" in data


def test_errors_are_not_stored(catalogue, anonymous):
    catalogue.product("Tee")
    query = 'query { products(channel: "nowhere", first: 5) { edges { node { name } } } }'
    for _ in range(2):
        response = anonymous.post({"query": query})
        assert "errors" in response.json()
        assert anonymous.computed
        assert anonymous.policy is None


def test_the_cache_can_be_switched_off(catalogue, anonymous, settings):
    settings.GRAPHQL_RESPONSE_CACHE_ENABLED = False
    catalogue.product("Tee")
    for _ in range(2):
        anonymous.ask(PRODUCTS, {"channel": "china", "first": 20})
        assert anonymous.computed
        assert anonymous.policy is None
        assert not any("core_catalogueversion" in s for s in anonymous.statements)


@pytest.mark.parametrize(
    "query",
    [
        "query { me { email } }",
        'query { checkout(id: "Q2hlY2tvdXQ6MQ==") { id } }',
        'query { products(channel: "china", first: 1) { edges { node { name } } } me { email } }',
        'query { orderByToken(token: "00000000-0000-0000-0000-000000000000") { id } }',
        "query { licensors(first: 5) { edges { node { name } } } }",
        "query { backerProgrammes(first: 5) { edges { node { slug } } } }",
        "query { __schema { queryType { name } } }",
        'mutation { tokenCreate(email: "a@b.c", password: "x") { token } }',
        "subscription { x }",
        "{ products(",
    ],
)
def test_never_cached(query):
    assert not classify(schema.graphql_schema, query, None).cacheable


def test_a_fragment_at_the_root_is_followed():
    query = "query { ...Root } fragment Root on Query { me { email } }"
    assert not classify(schema.graphql_schema, query, None).cacheable
    query = 'query { ...Root } fragment Root on Query { film(slug: "x") { title } }'
    assert classify(schema.graphql_schema, query, None).cacheable


def test_stock_fields_name_fields_of_the_schema():
    types = schema.graphql_schema.type_map
    for type_name, field in response_cache.STOCK_FIELDS | response_cache.VIEWER_FIELDS:
        assert field in types[type_name].fields, (type_name, field)
    for root in response_cache.CACHEABLE_ROOTS - {"__typename"}:
        assert root in schema.graphql_schema.query_type.fields, root


def test_stock_fields_are_found_inside_fragments():
    query = """
    query { product(slug: "x", channel: "china") { ...V } }
    fragment V on Product { variants { quantityAvailable } }
    """
    assert classify(schema.graphql_schema, query, None).stock_dependent
    query = 'query { product(slug: "x", channel: "china") { name } }'
    assert not classify(schema.graphql_schema, query, None).stock_dependent


def test_a_batch_is_answered_but_not_cached(catalogue, anonymous):
    catalogue.product("Tee")
    entry = {"query": PRODUCTS, "variables": {"channel": "china", "first": 20}}
    for _ in range(2):
        response = anonymous.client.post(
            "/graphql/", data=json.dumps([entry, entry]), content_type="application/json"
        )
        assert response.status_code == 200
        assert len(response.json()) == 2
        assert getattr(response.wsgi_request, "graphql_cache_policy", None) is None


def test_a_stock_filter_in_the_variables_makes_the_answer_stock_dependent():
    query = """query($filter: ProductFilterInput) {
      products(channel: "china", first: 5, filter: $filter) { edges { node { name } } } }"""
    assert classify(schema.graphql_schema, query, None).stock_dependent


def test_a_stock_bound_of_zero_keeps_no_stock_answer(catalogue, anonymous, settings):
    settings.GRAPHQL_STOCK_STALENESS_SECONDS = 0
    catalogue.product("Tee")
    for _ in range(2):
        anonymous.ask(STOCK, {"channel": "china"})
        assert anonymous.computed
        assert anonymous.policy is None


def test_a_rule_registered_at_run_time_changes_the_key(catalogue, anonymous):
    from marquee.merch import extensions

    catalogue.product("Tee")
    query = 'query { products(channel: "china", first: 5) { edges { node { name } } } }'
    assert len(anonymous.ask(query)["products"]["edges"]) == 1

    def nothing(queryset, channel, now):
        return queryset.none()

    extensions.register_catalogue_filter(nothing, order=999)
    try:
        assert anonymous.ask(query)["products"]["edges"] == []
    finally:
        extensions.unregister_catalogue_filter(nothing)
    assert len(anonymous.ask(query)["products"]["edges"]) == 1
