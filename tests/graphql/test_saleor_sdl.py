"""Marquee's schema against the parts of Saleor's schema its storefront relies on.

Saleor's storefront runs GraphQL codegen against the API and type-checks its
code with the result, so a field that is nullable here but not in Saleor
(`edge.node`), an enum value Saleor has and Marquee lacks, or an argument
missing from the default introspection breaks its build. The facts below
are read from Saleor's `saleor/graphql/schema.graphql`.
"""

import pytest
from graphql import (
    GraphQLNonNull,
    get_introspection_query,
    graphql_sync,
    print_schema,
)

from marquee.graphql.api import schema
from marquee.licensing import validation
from tests.checkout.conftest import (  # noqa: F401  (fixtures)
    CN_ADDRESS,
    _without_licence_gate,
    api,
    shop,
)
from tests.checkout.operations import SHIPPING_ADDRESS_UPDATE

GRAPHQL_SCHEMA = schema.graphql_schema

# (type, field, type string in Saleor's schema): every connection the
# storefront queries and every field it selects on them.
SALEOR_FIELDS = [
    (connection, field, expected.format(name=connection.removesuffix("CountableConnection")))
    for connection in (
        "ProductCountableConnection",
        "ProductVariantCountableConnection",
        "CategoryCountableConnection",
        "CollectionCountableConnection",
        "PageCountableConnection",
        "OrderCountableConnection",
    )
    for field, expected in (
        ("edges", "[{name}CountableEdge!]!"),
        ("pageInfo", "PageInfo!"),
        ("totalCount", "Int"),
    )
] + [
    ("ProductCountableEdge", "node", "Product!"),
    ("ProductCountableEdge", "cursor", "String!"),
    ("ProductVariantCountableEdge", "node", "ProductVariant!"),
    ("ProductVariantCountableEdge", "cursor", "String!"),
    ("CategoryCountableEdge", "node", "Category!"),
    ("CategoryCountableEdge", "cursor", "String!"),
    ("CollectionCountableEdge", "node", "Collection!"),
    ("CollectionCountableEdge", "cursor", "String!"),
    ("PageCountableEdge", "node", "Page!"),
    ("PageCountableEdge", "cursor", "String!"),
    ("OrderCountableEdge", "node", "Order!"),
    ("OrderCountableEdge", "cursor", "String!"),
    ("PageInfo", "hasNextPage", "Boolean!"),
    ("PageInfo", "hasPreviousPage", "Boolean!"),
    ("PageInfo", "startCursor", "String"),
    ("PageInfo", "endCursor", "String"),
    ("Query", "products", "ProductCountableConnection"),
    ("Query", "productVariants", "ProductVariantCountableConnection"),
    ("Query", "categories", "CategoryCountableConnection"),
    ("Query", "collections", "CollectionCountableConnection"),
    ("Query", "pages", "PageCountableConnection"),
    ("Product", "productVariants", "ProductVariantCountableConnection"),
    ("Category", "products", "ProductCountableConnection"),
    ("Category", "children", "CategoryCountableConnection"),
    ("Collection", "products", "ProductCountableConnection"),
    ("User", "orders", "OrderCountableConnection"),
]

# Saleor's CountryCode, in its order: the ISO 3166-1 countries, EU and XK.
_SALEOR_COUNTRY_CODES_TEXT = """
AF AX AL DZ AS AD AO AI AQ AG AR AM AW AU AT AZ BS BH BD BB BY BE BZ BJ BM BT BO BQ BA BW
BV BR IO BN BG BF BI CV KH CM CA KY CF TD CL CN CX CC CO KM CG CD CK CR CI HR CU CW CY CZ
DK DJ DM DO EC EG SV GQ ER EE SZ ET EU FK FO FJ FI FR GF PF TF GA GM GE DE GH GI GR GL GD
GP GU GT GG GN GW GY HT HM VA HN HK HU IS IN ID IR IQ IE IM IL IT JM JP JE JO KZ KE KI XK
KW KG LA LV LB LS LR LY LI LT LU MO MG MW MY MV ML MT MH MQ MR MU YT MX FM MD MC MN ME MS
MA MZ MM NA NR NP NL NC NZ NI NE NG NU NF KP MK MP NO OM PK PW PS PA PG PY PE PH PN PL PT
PR QA RE RO RU RW BL SH KN LC MF PM VC WS SM ST SA SN RS SC SL SG SX SK SI SB SO ZA GS KR
SS ES LK SD SR SJ SE CH SY TW TJ TZ TH TL TG TK TO TT TN TR TM TC TV UG UA AE GB UM US UY
UZ VU VE VN VG VI WF EH YE ZM ZW
"""
SALEOR_COUNTRY_CODES = _SALEOR_COUNTRY_CODES_TEXT.split()

# Arguments Saleor deprecates in their description only, so they stay in the
# default introspection: (type, field, argument).
SALEOR_VISIBLE_DEPRECATED_ARGUMENTS = [
    ("Query", "checkout", "token"),
    *(
        ("Mutation", mutation, argument)
        for mutation in (
            "checkoutAddPromoCode",
            "checkoutRemovePromoCode",
            "checkoutLinesAdd",
            "checkoutLinesUpdate",
            "checkoutEmailUpdate",
            "checkoutShippingMethodUpdate",
            "checkoutCustomerAttach",
            "checkoutCustomerDetach",
            "checkoutLanguageCodeUpdate",
        )
        for argument in ("checkoutId", "token")
    ),
    *(
        ("Mutation", mutation, "token")
        for mutation in (
            "checkoutLinesDelete",
            "checkoutShippingAddressUpdate",
            "checkoutBillingAddressUpdate",
            "checkoutDeliveryMethodUpdate",
        )
    ),
]
# Input fields deprecated the same way: (input type, field).
SALEOR_VISIBLE_DEPRECATED_INPUT_FIELDS = [
    ("CheckoutLineUpdateInput", "variantId"),
    ("ProductOrder", "channel"),
]


def _sdl_field_types() -> dict[tuple[str, str], str]:
    """(type, field) -> type string, read from the printed SDL as codegen reads it."""
    types = {}
    current = None
    for line in print_schema(GRAPHQL_SCHEMA).splitlines():
        if line.startswith("type "):
            current = line.split()[1]
        elif line == "}":
            current = None
        elif current and line.startswith("  ") and not line.startswith("   "):
            head = line.strip()
            if head.startswith('"') or ":" not in head:
                continue
            name, _, rest = head.partition(":")
            types[(current, name.split("(")[0])] = rest.strip()
    return types


def _field_type(type_name: str, field: str) -> str:
    return str(GRAPHQL_SCHEMA.type_map[type_name].fields[field].type)


@pytest.mark.parametrize(("type_name", "field", "expected"), SALEOR_FIELDS)
def test_connection_fields_have_saleor_nullability(type_name, field, expected):
    assert _field_type(type_name, field) == expected


def test_printed_sdl_has_non_null_edges_and_nodes():
    printed = _sdl_field_types()
    assert printed[("ProductCountableConnection", "edges")] == "[ProductCountableEdge!]!"
    assert printed[("ProductCountableEdge", "node")] == "Product!"
    assert printed[("OrderCountableEdge", "node")] == "Order!"


def test_every_connection_has_saleor_shape():
    """Marquee's own connections (films, licences...) follow the same shape."""
    connections = [
        name
        for name in GRAPHQL_SCHEMA.type_map
        if name.endswith("Connection") and not name.startswith("__")
    ]
    assert len(connections) >= 11
    for name in connections:
        edge = name.removesuffix("Connection") + "Edge"
        assert _field_type(name, "edges") == f"[{edge}!]!", name
        assert _field_type(name, "pageInfo") == "PageInfo!", name
        assert _field_type(name, "totalCount") == "Int", name
        node = GRAPHQL_SCHEMA.type_map[edge].fields["node"].type
        assert isinstance(node, GraphQLNonNull), edge
        assert _field_type(edge, "cursor") == "String!", edge


def test_country_code_has_every_saleor_value():
    values = set(GRAPHQL_SCHEMA.type_map["CountryCode"].values)
    assert {"EU", "XK"} <= values
    assert sorted(set(SALEOR_COUNTRY_CODES) - values) == []


def _default_introspection() -> dict:
    result = graphql_sync(GRAPHQL_SCHEMA, get_introspection_query())
    assert result.errors is None
    return {t["name"]: t for t in result.data["__schema"]["types"]}


@pytest.mark.parametrize(("type_name", "field", "argument"), SALEOR_VISIBLE_DEPRECATED_ARGUMENTS)
def test_deprecated_argument_is_in_default_introspection(type_name, field, argument):
    types = _default_introspection()
    (found,) = [f for f in types[type_name]["fields"] if f["name"] == field]
    args = {arg["name"]: arg for arg in found["args"]}
    assert argument in args
    assert "DEPRECATED" in args[argument]["description"]


@pytest.mark.parametrize(("type_name", "field"), SALEOR_VISIBLE_DEPRECATED_INPUT_FIELDS)
def test_deprecated_input_field_is_in_default_introspection(type_name, field):
    fields = {f["name"]: f for f in _default_introspection()[type_name]["inputFields"]}
    assert field in fields
    assert "DEPRECATED" in fields[field]["description"]


# The directive locations of the GraphQL specification (October 2021), which
# graphql-js 16 (the codegen and clients Saleor storefronts use) knows; a
# schema that introspects any other location cannot be rebuilt by them.
SPEC_DIRECTIVE_LOCATIONS = {
    "QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT", "VARIABLE_DEFINITION", "SCHEMA", "SCALAR", "OBJECT",
    "FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INTERFACE", "UNION", "ENUM", "ENUM_VALUE",
    "INPUT_OBJECT", "INPUT_FIELD_DEFINITION",
}  # fmt: skip


def test_introspected_directives_use_only_spec_locations():
    query = "{ __schema { directives { name locations } } }"
    result = graphql_sync(GRAPHQL_SCHEMA, query)
    directives = {d["name"]: set(d["locations"]) for d in result.data["__schema"]["directives"]}
    assert directives["deprecated"] == {
        "FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INPUT_FIELD_DEFINITION", "ENUM_VALUE"
    }  # fmt: skip
    for name, locations in directives.items():
        assert locations <= SPEC_DIRECTIVE_LOCATIONS, name


RULES = """
query ($countryCode: CountryCode!) {
  addressValidationRules(countryCode: $countryCode) { countryCode countryName }
}
"""


def test_address_rules_for_kosovo(gql, db):
    rules = gql.execute(RULES, {"countryCode": "XK"})["data"]["addressValidationRules"]
    assert rules == {"countryCode": "XK", "countryName": "KOSOVO"}


def test_address_rules_refuse_the_eu(gql, db):
    body = gql.execute(RULES, {"countryCode": "EU"}, expect_errors=True)
    (error,) = body["errors"]
    assert error["extensions"]["exception"]["code"] == "INVALID"
    assert "EU" in error["message"]


def test_checkout_ships_to_kosovo(shop, api):  # noqa: F811
    checkout = api.create(lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 1}])
    address = {**CN_ADDRESS, "country": "XK", "city": "Pristina", "postalCode": "10000"}
    address.pop("countryArea")
    payload = api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": address})
    assert payload["checkout"]["shippingAddress"]["country"] == {"code": "XK"}


def test_checkout_refuses_an_eu_address(shop, api):  # noqa: F811
    checkout = api.create(lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 1}])
    address = {**CN_ADDRESS, "country": "EU"}
    payload = api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": address}, ok=False)
    assert payload["checkout"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("shippingAddress.country", "INVALID")
    ]
    assert "EU" in payload["errors"][0]["message"]


def test_licence_territories_take_kosovo_and_refuse_the_eu():
    assert validation.territories(["XK", "CN"]) == []
    (error,) = validation.territories(["EU"])
    assert error.code == "INVALID"
    assert error.field == "territories"
