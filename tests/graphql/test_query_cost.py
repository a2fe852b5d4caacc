"""The query cost is Saleor's: what Saleor serves a storefront is not refused here.

The prices are data (`marquee/graphql/core/query_costs.toml`); these tests pin
the figures Saleor's rules give for the storefront's own operations, that
abuse still multiplies out of bounds, and that the table and the schema
agree (no entry for a field that is gone, no list field without a price).
"""

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    get_named_type,
    get_nullable_type,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
    parse,
    validate,
)
from graphql.utilities import type_from_ast

from marquee.graphql.api import schema
from marquee.graphql.core.limits import (
    coerce_variables,
    field_prices,
    plan_operation,
)

from .benchmark import storefront
from .operations import NAVIGATION, PRODUCT_GRID, PRODUCT_PAGE

SCHEMA = schema.graphql_schema

# The storefront's ProductList: its ProductListItem selection under
# `products(first: $first, channel: $channel) { edges { node { ... } } }`.
PRODUCT_LIST = f"""
query ProductList($first: Int = 9, $channel: String!, $languageCode: LanguageCodeEnum!) {{
  products(first: $first, channel: $channel) {{
    edges {{ node {{ ...ProductListItem }} }}
  }}
}}
fragment ProductListItem on Product {{ {storefront.PRODUCT_LIST_ITEM} }}
"""

# Saleor's rules, applied by hand to PRODUCT_LIST with first: N. A priced field
# costs its complexity (1 for every field below) times the multipliers on its
# path; unpriced fields (scalars, edges, node, translation, priceRange,
# backgroundImage, assignedAttribute, the attribute's own fields) cost 0.
#
#   Query.products (first: N)                      1 x N            N
#   Product.pricing, .category, .thumbnail         1 x N each      3N
#   AssignedBooleanAttribute.value, twice          1 x N each      2N
#     (`bestseller` and `pulseBestseller`, each an inline fragment on
#     AssignedBooleanAttribute under the unpriced `assignedAttribute`)
#   Product.productVariants (first: 50)            1 x N x 50     50N
#   ProductVariant.attributes                      1 x N x 50     50N
#   SelectedAttribute.attribute, .values           1 x N x 50    100N
#                                                                ------
#                                                                 206N
#
# So 20,600 for first: 100 and 4,120 for first: 20. The report that prompted
# this model quoted 20,400 for 100: that is the figure without the two
# AssignedBooleanAttribute.value selections, which Saleor's current table
# prices at 1 each (saleor/graphql/query_cost_map.py); the rules win.
PRODUCT_LIST_COST_PER_ITEM = 206

VARIABLES = {"channel": "china", "languageCode": "EN", "slug": "anything"}


def cost(document: str, **variables) -> int:
    parsed = parse(document)
    assert validate(SCHEMA, parsed) == []
    [operation] = [d for d in parsed.definitions if hasattr(d, "operation")]
    coerced, errors = coerce_variables(SCHEMA, operation, {**VARIABLES, **variables})
    assert errors == []
    plan, errors = plan_operation(SCHEMA, parsed, operation, coerced)
    assert errors == [], errors
    return plan.cost


@pytest.mark.parametrize("first", [100, 20])
def test_the_storefront_product_list_costs_what_saleor_computes(first):
    assert cost(PRODUCT_LIST, first=first) == PRODUCT_LIST_COST_PER_ITEM * first


def test_the_default_page_of_the_storefront_product_list():
    assert cost(PRODUCT_LIST) == PRODUCT_LIST_COST_PER_ITEM * 9


def test_a_float_variable_costs_what_it_runs_as():
    assert cost(PRODUCT_LIST, first=100.0) == cost(PRODUCT_LIST, first=100)


STOREFRONT_OPERATIONS = {
    "product grid": (PRODUCT_GRID, {"first": 100}),
    "product page": (PRODUCT_PAGE, {}),
    "navigation": (NAVIGATION, {}),
    "menu": (storefront.MENU, {}),
    "category listing": (storefront.CATEGORY, {"first": 100}),
    "collection listing": (storefront.COLLECTION, {"first": 100}),
    "my orders": (storefront.MY_ORDERS, {}),
    "checkout create": (storefront.CHECKOUT_CREATE, {}),
    "checkout lines add": (storefront.CHECKOUT_LINES_ADD, {}),
    "checkout lines update": (storefront.CHECKOUT_LINES_UPDATE, {}),
    "shipping address update": (storefront.CHECKOUT_SHIPPING_ADDRESS_UPDATE, {}),
    "delivery method update": (storefront.CHECKOUT_DELIVERY_METHOD_UPDATE, {}),
    "transaction initialize": (storefront.TRANSACTION_INITIALIZE, {}),
}


@pytest.mark.parametrize("name", STOREFRONT_OPERATIONS)
def test_storefront_operations_fit_the_default_limit(name, settings):
    document, variables = STOREFRONT_OPERATIONS[name]
    parsed = parse(document)
    [operation] = [d for d in parsed.definitions if hasattr(d, "operation")]
    # A value for each required variable: only `first`/`last`/`limit` change the cost.
    filled = dict(variables)
    for definition in operation.variable_definitions:
        variable_type = type_from_ast(SCHEMA, definition.type)
        name_ = definition.variable.name.value
        if is_non_null_type(variable_type) and name_ not in {**VARIABLES, **filled}:
            filled[name_] = _sample(variable_type)
    # A mutation whose payload selects nothing priced costs 0, as in Saleor.
    assert cost(document, **filled) <= settings.GRAPHQL_QUERY_MAX_COMPLEXITY


def _sample(graphql_type):
    """A value of a required type, enough to coerce."""
    graphql_type = get_nullable_type(graphql_type)
    if is_list_type(graphql_type):
        return []
    if is_enum_type(graphql_type):
        return next(iter(graphql_type.values))
    if is_input_object_type(graphql_type):
        return {
            name: _sample(field.type)
            for name, field in graphql_type.fields.items()
            if is_non_null_type(field.type)
        }
    return {"Int": 1, "Float": 1.0, "Boolean": True, "PositiveDecimal": "1"}.get(
        graphql_type.name, "x"
    )


def test_of_fragments_on_different_types_the_costliest_counts():
    # product 1; assignedAttributes(limit: 10) 10. The multi-choice fragment
    # costs attribute 10 + value 10 = 20, the boolean one value 10: Saleor
    # counts the costliest type condition (20), not their sum.
    document = """{ product(slug: "x", channel: "china") { assignedAttributes(limit: 10) {
      ... on AssignedMultiChoiceAttribute { attribute { slug } value { name } }
      ... on AssignedBooleanAttribute { flag: value } } } }"""
    assert cost(document) == 1 + 10 + 20


def test_a_fragment_on_an_object_type_adds_its_interfaces_fragments():
    # The boolean fragment (value 10) also pays for the interface fragment
    # (attribute 10): both apply to the same object. 1 + 10 + max(10, 20).
    document = """{ product(slug: "x", channel: "china") { assignedAttributes(limit: 10) {
      ... on AssignedAttribute { attribute { slug } }
      ... on AssignedBooleanAttribute { value } } } }"""
    assert cost(document) == 1 + 10 + 20


def test_fields_beside_fragments_add_up():
    document = """{ product(slug: "x", channel: "china") {
      category { id } ... on Product { thumbnail { url } } ...Media } }
      fragment Media on Product { media { url } }"""
    # product 1, category 1, and the fragments on Product together: thumbnail
    # 1, media 1 and its url 1 (Saleor prices ProductMedia.url: it builds a
    # thumbnail address).
    assert cost(document) == 5


NESTED = """
query ($n: Int) { products(channel: "china", first: $n) { edges { node {
  category { products(channel: "china", first: $n) { edges { node {
    category { products(channel: "china", first: $n) { edges { node { id } } } } } } } } } } } }
"""


def test_a_query_that_multiplies_to_millions_is_refused(settings):
    parsed = parse(NESTED)
    [operation] = parsed.definitions
    coerced, _ = coerce_variables(SCHEMA, operation, {"n": 100})
    plan, errors = plan_operation(SCHEMA, parsed, operation, coerced)
    # 100 + 100 (category) + 100 x 100 + 100 x 100 (category) + 100 x 100 x 100
    assert plan.cost == 1_020_200
    [error] = errors
    assert error.extensions["exception"]["code"] == "QUERY_TOO_COMPLEX"
    assert "GRAPHQL_QUERY_MAX_COMPLEXITY" in error.message
    assert "1020200" in error.message
    assert error.extensions["cost"] == {
        "requestedQueryCost": 1_020_200,
        "maximumAvailable": settings.GRAPHQL_QUERY_MAX_COMPLEXITY,
    }


def test_marquee_connections_multiply_like_saleors():
    document = """{ films(first: 100) { edges { node {
      products(first: 100) { edges { node { id name } } } } } } }"""
    assert cost(document) == 100 + 100 * 100


def fragment_doubling(levels: int, on: str, leaf: str) -> str:
    """Each fragment spreads the next twice: 2**levels fields if walked naively."""
    chain = "\n".join(f"fragment F{i} on {on} {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"{chain}\nfragment F{levels} on {on} {{ {leaf} }}"


def test_a_fragment_spread_twice_is_costed_as_twice_without_walking_it_twice():
    # Saleor adds up a fragment spread twice; here each fragment is measured
    # once and scaled, so sixty doublings (2**60 naive steps) plan at once.
    document = (
        '{ products(channel: "china", first: 10) { edges { node { ...F0 } } } }\n'
        + fragment_doubling(60, "Product", "category { id }")
    )
    parsed = parse(document)
    plan, [error] = plan_operation(SCHEMA, parsed, parsed.definitions[0], {})
    assert plan.cost == 10 + 10 * 2**60
    assert error.extensions["exception"]["code"] == "QUERY_TOO_COMPLEX"


@pytest.mark.django_db
def test_a_fragment_bomb_at_the_root_is_counted_not_walked(gql, db):
    document = "{ ...F0 }\n" + fragment_doubling(60, "Query", "shop { name }")
    response = gql.post({"query": document})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["exception"]["code"] == "TOO_MANY_ROOT_FIELDS"
    assert str(2**60) in error["message"]


# --- the HTTP answer ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_storefront_product_list_of_100_is_answered(gql, catalogue):
    catalogue.product("Poster", variants=2)
    body = gql.execute(PRODUCT_LIST, {**VARIABLES, "first": 100})
    assert len(body["data"]["products"]["edges"]) == 1


@pytest.mark.django_db
def test_a_refusal_reports_the_cost_as_saleor_does(gql, db, settings):
    response = gql.post({"query": NESTED, "variables": {"n": 100}})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["exception"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] == {
        "requestedQueryCost": 1_020_200,
        "maximumAvailable": settings.GRAPHQL_QUERY_MAX_COMPLEXITY,
    }


def aliased(count: int) -> str:
    names = " ".join(f"n{i}: name" for i in range(count))
    return f'{{ products(channel: "china", first: 100) {{ edges {{ node {{ {names} }} }} }} }}'


@pytest.mark.django_db
def test_aliases_that_would_repeat_free_fields_are_capped(gql, catalogue, settings):
    # A free field costs nothing however often it is asked; aliases repeat it.
    assert cost(aliased(1000)) == 100
    response = gql.post({"query": aliased(settings.GRAPHQL_MAX_ALIASES + 1)})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["exception"]["code"] == "QUERY_TOO_COMPLEX"
    assert "GRAPHQL_MAX_ALIASES" in error["message"]
    assert "errors" not in gql.post({"query": aliased(settings.GRAPHQL_MAX_ALIASES)}).json()


@pytest.mark.django_db
def test_aliases_are_counted_per_document_as_saleor_does(gql, catalogue, settings):
    # Saleor validates each operation of a batch on its own; the batch size bounds the rest.
    half = settings.GRAPHQL_MAX_ALIASES // 2 + 1
    response = gql.post([{"query": aliased(half)}, {"query": aliased(half)}])
    assert response.status_code == 200
    assert all("errors" not in entry for entry in response.json())


# --- the table and the schema -------------------------------------------------------------


def _composite_types():
    return {
        name: graphql_type
        for name, graphql_type in SCHEMA.type_map.items()
        if not name.startswith("__")
        and isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType)
    }


def _is_connection(graphql_type) -> bool:
    return isinstance(graphql_type, GraphQLObjectType) and {"edges", "pageInfo"} <= set(
        graphql_type.fields
    )


def test_every_entry_names_a_field_of_the_schema():
    types = _composite_types()
    stale = [
        f"{type_name}.{field_name}"
        for type_name, fields in field_prices().items()
        for field_name in fields
        if type_name not in types or field_name not in types[type_name].fields
    ]
    assert stale == []


def test_every_multiplier_is_an_argument_of_its_field():
    types = _composite_types()
    wrong = [
        f"{type_name}.{field_name}({argument})"
        for type_name, fields in field_prices().items()
        for field_name, price in fields.items()
        for argument in price.multipliers
        if argument.split(".")[0] not in types[type_name].fields[field_name].args
    ]
    assert wrong == []
    assert all(
        isinstance(price.complexity, int) and price.complexity >= 0
        for fields in field_prices().values()
        for price in fields.values()
    )


def _needs_a_price(type_name, field_name, field, payloads) -> bool:
    """Connections, and lists of objects, except those priced by something else.

    A connection's `edges` are priced by the connection's `first`/`last`; a
    mutation payload's lists and every list of errors are built in memory by
    the code that answers, and mutations are bounded by the root mutation
    limits.
    """
    item_type = get_named_type(field.type)
    if _is_connection(item_type):
        return True
    if not is_list_type(get_nullable_type(field.type)):
        return False
    if not isinstance(item_type, GraphQLObjectType | GraphQLInterfaceType) and not hasattr(
        item_type, "types"
    ):
        return False  # a list of scalars or enums selects nothing to multiply
    if item_type.name.endswith("Error"):
        return False
    return not (_is_connection(_composite_types().get(type_name)) or type_name in payloads)


def test_every_list_and_connection_field_has_a_price():
    payloads = {get_named_type(f.type).name for f in SCHEMA.mutation_type.fields.values()}
    prices = field_prices()
    missing = [
        f"{type_name}.{field_name}"
        for type_name, graphql_type in _composite_types().items()
        for field_name, field in graphql_type.fields.items()
        if _needs_a_price(type_name, field_name, field, payloads)
        and field_name not in prices.get(type_name, {})
    ]
    assert missing == [], "add these to marquee/graphql/core/query_costs.toml"


def test_every_connection_is_multiplied_by_its_page():
    prices = field_prices()
    unmultiplied = [
        f"{type_name}.{field_name}"
        for type_name, graphql_type in _composite_types().items()
        for field_name, field in graphql_type.fields.items()
        if _is_connection(get_named_type(field.type))
        and set(prices[type_name][field_name].multipliers) != {"first", "last"}
    ]
    assert unmultiplied == []
