"""Request limits hold for whatever the server would execute, over the whole request."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import RequestFactory
from graphql import execute, parse

from marquee.graphql.api import schema
from marquee.graphql.core.execution import BatchingExecutionContext, Deadline, RequestTimeout
from marquee.graphql.views import _statement_deadline

pytestmark = pytest.mark.django_db

NESTED = """
query ($n: Int) { products(channel: "china", first: $n) { edges { node {
  category { products(channel: "china", first: $n) { edges { node {
    category { products(channel: "china", first: $n) { edges { node { id } } } } } } } } } } } }
"""
REGISTER = """mutation ($email: String!) { accountRegister(input: {email: $email,
  password: "a-long-enough-password-1"}) { errors { code } } }"""
TOKEN_CREATE = """mutation { tokenCreate(email: "fan@example.com", password: "guess") {
  errors { code } } }"""


def aliases(count, field):
    return "{" + " ".join(f"a{i}: {field}" for i in range(count)) + "}"


def codes(response):
    body = response.json()
    assert response.status_code in (200, 400), response.content[:300]
    return [e["extensions"]["exception"]["code"] for e in body["errors"]]


@pytest.mark.parametrize("n", [100, 100.0, 100.00])
def test_cost_is_computed_on_coerced_variables(gql, catalogue, n):
    response = gql.post({"query": NESTED, "variables": {"n": n}})
    assert response.status_code == 400
    assert codes(response) == ["QUERY_TOO_COMPLEX"]
    assert "1020200" in response.json()["errors"][0]["message"]


def test_variables_that_fail_coercion_are_a_validation_error(gql, catalogue):
    response = gql.post({"query": NESTED, "variables": {"n": 1.5}})
    assert response.status_code == 400
    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]


def test_a_batch_shares_one_cost_budget(gql, catalogue, settings):
    settings.GRAPHQL_QUERY_MAX_COMPLEXITY = 200
    settings.GRAPHQL_REQUEST_MAX_COMPLEXITY = 200
    query = 'query ($n: Int) { products(channel: "china", first: $n) { edges { node { name } } } }'
    entry = {"query": query, "variables": {"n": 80}}  # cost 80: products, 1 per item
    assert gql.post([entry, entry]).status_code == 200
    response = gql.post([entry] * 3)
    assert response.status_code == 400
    assert codes(response) == ["QUERY_TOO_COMPLEX"]
    assert "total cost" in response.json()["errors"][0]["message"]


def test_aliased_root_fields_are_capped(gql, catalogue, settings):
    settings.GRAPHQL_MAX_CONNECTIONS = 1000
    query = (
        "{"
        + " ".join(
            f'a{i}: products(channel: "china", first: 1) {{ totalCount }}' for i in range(100)
        )
        + "}"
    )
    response = gql.post({"query": query})
    assert response.status_code == 400
    assert codes(response) == ["TOO_MANY_ROOT_FIELDS"]


def test_root_fields_are_capped_over_a_batch(gql, catalogue):
    entry = {"query": aliases(15, "shop { name }")}
    assert gql.post([entry]).status_code == 200
    response = gql.post([entry, entry])
    assert response.status_code == 400
    assert codes(response) == ["TOO_MANY_ROOT_FIELDS"]


def test_a_document_of_too_many_tokens_is_refused_before_validation(gql, db):
    query = aliases(1000, 'products(channel: "china", first: 1) { totalCount }')
    response = gql.post({"query": query})
    assert response.status_code == 400
    assert "more than 5000 tokens" in response.json()["errors"][0]["message"]


def test_connections_are_capped_even_when_nested(gql, catalogue):
    inner = " ".join(f"v{i}: productVariants(first: 1) {{ totalCount }}" for i in range(40))
    query = f'{{ products(channel: "china", first: 1) {{ edges {{ node {{ {inner} }} }} }} }}'
    response = gql.post({"query": query})
    assert response.status_code == 400
    assert codes(response) == ["TOO_MANY_CONNECTIONS"]


def test_root_mutations_are_capped(gql, db):
    query = "mutation {" + " ".join(
        f'v{i}: tokenVerify(token: "x") {{ isValid }}' for i in range(11)
    )
    response = gql.post({"query": query + "}"})
    assert response.status_code == 400
    assert codes(response) == ["TOO_MANY_ROOT_MUTATIONS"]


def test_aliased_sensitive_mutations_are_refused(gql, db):
    query = "mutation {" + " ".join(
        f'a{i}: passwordChange(oldPassword: "guess{i}", newPassword: "x-new-password-1") '
        "{ errors { code } }"
        for i in range(2)
    )
    response = gql.post({"query": query + "}"})
    assert response.status_code == 400
    assert codes(response) == ["TOO_MANY_SENSITIVE_OPERATIONS"]


def test_sensitive_mutations_once_per_batch_and_nothing_runs(gql, db):
    batch = [
        {"query": REGISTER, "variables": {"email": "first@marquee.example"}},
        {"query": TOKEN_CREATE},
    ]
    response = gql.post(batch)
    assert response.status_code == 400
    assert codes(response) == ["TOO_MANY_SENSITIVE_OPERATIONS"]
    assert not get_user_model().objects.filter(email="first@marquee.example").exists()
    alone = gql.post(batch[:1])
    assert alone.status_code == 200
    assert alone.json()[0]["data"]["accountRegister"]["errors"] == []


def test_past_the_deadline_the_request_answers_request_timeout(gql, catalogue, settings):
    settings.GRAPHQL_REQUEST_DEADLINE_SECONDS = 1e-9
    response = gql.post({"query": '{ products(channel: "china", first: 1) { totalCount } }'})
    assert response.status_code == 400
    assert codes(response) == ["REQUEST_TIMEOUT"]


def test_execution_stops_at_the_deadline_between_fields(catalogue):
    request = RequestFactory().post("/graphql/")
    request.graphql_deadline = Deadline(1e-9)
    with pytest.raises(RequestTimeout):
        execute(
            schema.graphql_schema,
            parse("{ shop { name } }"),
            context_value=request,
            execution_context_class=BatchingExecutionContext,
        )


def _timeout_ms() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (value,) = cursor.fetchone()
    if value.endswith("ms"):
        return int(value[:-2])
    return int(value.removesuffix("s")) * 1000


@pytest.mark.django_db(transaction=True)
def test_statements_get_the_remaining_time_as_statement_timeout():
    # A transaction's first statement gets SET LOCAL: gone with the transaction.
    with _statement_deadline(Deadline(3)):
        with transaction.atomic():
            assert 2000 <= _timeout_ms() <= 3000
        # A statement in autocommit: a session SET, reset when the request ends.
        assert 2000 <= _timeout_ms() <= 3000
    assert _timeout_ms() == 0


@pytest.mark.django_db(transaction=True)
def test_a_request_that_runs_no_sql_never_touches_the_database():
    """Not even to set a timeout (tests/drops/test_api.py: a sold-out answer)."""
    connection.close()
    with _statement_deadline(Deadline(3)):
        pass
    assert connection.connection is None


def deep(levels, open_="[", close="]"):
    return open_ * levels + close * levels


@pytest.mark.parametrize(
    "body",
    [
        deep(1000),
        json.dumps({"query": "{ shop { name } }", "variables": {"a": json.loads(deep(500))}}),
        '{"query": "{ shop { name } }", "variables": ' + '{"a":' * 1000 + "1" + "}" * 1001,
        json.dumps({"query": "{ shop { name } }", "variables": deep(1000)}),
        deep(65),
    ],
)
def test_deep_json_is_a_clear_client_error(gql, db, body):
    response = gql.client.post("/graphql/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert codes(response) == ["JSON_TOO_DEEP"]


def test_deep_json_variables_in_a_get(gql, db):
    response = gql.client.get("/graphql/", {"query": "{ shop { name } }", "variables": deep(1000)})
    assert response.status_code == 400
    assert codes(response) == ["JSON_TOO_DEEP"]


def test_json_within_the_depth_limit_is_read(gql, db):
    response = gql.client.get(
        "/graphql/", {"query": "{ shop { name } }", "variables": '{"a": [[1]]}'}
    )
    assert response.status_code == 200, response.content


def test_deeply_nested_document_is_a_client_error(gql, db):
    literal = deep(1000)
    response = gql.post({"query": f'{{ products(channel: "china", first: 1, ids: {literal}) }}'})
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["errors"][0]["message"]


INTROSPECTION = ["{ __schema { types { name } } }", '{ __type(name: "Product") { name } }']


@pytest.mark.parametrize("query", INTROSPECTION)
def test_introspection_can_be_turned_off(gql, db, settings, query):
    settings.GRAPHQL_INTROSPECTION_ENABLED = False
    response = gql.post({"query": query})
    assert response.status_code == 400
    assert codes(response) == ["INTROSPECTION_DISABLED"]
    settings.GRAPHQL_INTROSPECTION_ENABLED = True
    assert "errors" not in gql.post({"query": query}).json()


def test_typename_stays_allowed_without_introspection(gql, db, settings):
    settings.GRAPHQL_INTROSPECTION_ENABLED = False
    body = gql.execute("{ __typename shop { __typename name } }")
    assert body["data"]["__typename"] == "Query"
