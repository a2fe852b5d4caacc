"""Every root query and mutation, fuzzed from the schema, as every kind of caller.

Documents come from hypothesis-graphql over the live schema, so a field added
tomorrow is fuzzed tomorrow without editing this file. Each example runs as
one of the four callers the shop has (anonymous, customer, licensor, staff)
against the demo shop with the licence gate on, through the real endpoint.
Whatever a caller sends, the answer is data or a client error: never an HTTP
5xx, never INTERNAL_ERROR.

Arguments are drawn half from hypothesis' own values and half from values that
reach real rows (global IDs of demo objects, the demo's slugs and channels),
so resolvers are exercised past "not found".
"""

from __future__ import annotations

import base64
import json
import os

import graphql
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries

from marquee.accounts.tokens import create_access_token
from marquee.graphql.api import schema as api_schema
from tests.merch.conftest import FAST_HASHERS, demo  # noqa: F401 - module fixture

pytestmark = pytest.mark.django_db

SCHEMA = api_schema.graphql_schema
QUERY_FIELDS = sorted(SCHEMA.query_type.fields)
MUTATION_FIELDS = sorted(SCHEMA.mutation_type.fields)
ROLES = ("anonymous", "customer", "licensor", "staff")
# More for a deeper run: FUZZ_EXAMPLES=200 make test PYTEST_ARGS=tests/test_api_fuzz.py
EXAMPLES_PER_FIELD = int(os.environ.get("FUZZ_EXAMPLES", "12"))


def _global_id(type_name: str, pk) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


ids = st.one_of(
    st.text(max_size=30),
    st.builds(
        _global_id,
        st.sampled_from(
            [
                "Product",
                "ProductVariant",
                "Category",
                "Collection",
                "Checkout",
                "CheckoutLine",
                "Order",
                "Address",
                "Licence",
                "Licensor",
                "Property",
                "ProductApproval",
                "Film",
                "Page",
                "Menu",
                "User",
                "TransactionItem",
            ]
        ),
        st.one_of(st.integers(min_value=-1, max_value=60), st.uuids().map(str), st.text()),
    ),
)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.sampled_from(["1e20", "1e400", "9" * 40, "-1", "0", "NaN", "0.005"]),
)


def _node(strategy, to_node):
    return strategy.map(to_node)


def _string(value) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=str(value))


CUSTOM_SCALARS = {
    "ID": _node(ids, _string),
    "JSONString": _node(json_values.map(json.dumps), _string),
    "JSON": _node(json_values.map(json.dumps), _string),
    "GenericScalar": _node(st.text(max_size=20), _string),
    "DateTime": _node(st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.text()), _string),
    "Date": _node(st.one_of(st.dates().map(str), st.text(max_size=12)), _string),
    "Decimal": _node(decimals, _string),
    "PositiveDecimal": _node(decimals, _string),
    "PositiveInt": st.integers(min_value=-5, max_value=2**31 - 1).map(
        lambda n: graphql.IntValueNode(value=str(n))
    ),
    "UUID": _node(st.one_of(st.uuids().map(str), st.text(max_size=40)), _string),
    "Metadata": _node(json_values.map(json.dumps), _string),
}


@pytest.fixture
def callers(demo, settings):  # noqa: F811 - the module fixture above
    settings.PASSWORD_HASHERS = FAST_HASHERS
    user_model = get_user_model()
    customer, _ = user_model.objects.get_or_create(
        email="fuzz-customer@marquee.example", defaults={"is_active": True}
    )
    users = {
        "customer": customer,
        "licensor": user_model.objects.get(email="licensor-a@marquee.example"),
        "staff": user_model.objects.get(email="admin@marquee.example"),
    }
    headers = {"anonymous": {}}
    for role, user in users.items():
        headers[role] = {"HTTP_AUTHORIZATION": f"Bearer {create_access_token(user)}"}
    return headers


def _assert_no_server_error(response, document, role):
    assert response.status_code < 500, (role, document, response.content[:500])
    body = response.json()
    entries = body if isinstance(body, list) else [body]
    for entry in entries:
        for error in entry.get("errors") or []:
            code = (error.get("extensions") or {}).get("exception", {}).get("code")
            assert code != "INTERNAL_ERROR", (role, document, error)


def _post(headers, document):
    return Client().post(
        "/graphql/",
        data=json.dumps({"query": document}),
        content_type="application/json",
        **headers,
    )


_fuzz_settings = settings(
    max_examples=EXAMPLES_PER_FIELD,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


ROOT_FIELDS = [("query", name) for name in QUERY_FIELDS] + [
    ("mutation", name) for name in MUTATION_FIELDS
]
DOCUMENTS = {"query": queries, "mutation": mutations}


@pytest.mark.parametrize(("kind", "field"), ROOT_FIELDS, ids=[f"{k}-{f}" for k, f in ROOT_FIELDS])
def test_every_root_field_answers_without_a_server_error(callers, kind, field):
    @_fuzz_settings
    @given(
        document=DOCUMENTS[kind](SCHEMA, fields=[field], custom_scalars=CUSTOM_SCALARS),
        role=st.sampled_from(ROLES),
    )
    def run(document, role):
        _assert_no_server_error(_post(callers[role], document), document, role)

    run()
