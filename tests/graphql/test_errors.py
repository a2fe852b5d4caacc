"""Bad input gets a clear error with a stable code, never a 500."""

import json

import pytest
from graphql_relay import to_global_id

pytestmark = pytest.mark.django_db

PRODUCT = """
query P($id: ID, $slug: String, $channel: String) {
  product(id: $id, slug: $slug, channel: $channel) { name }
}
"""
PRODUCTS = """
query L($channel: String, $first: Int, $last: Int, $after: String) {
  products(channel: $channel, first: $first, last: $last, after: $after) { edges { node { id } } }
}
"""


def error(body):
    assert body.get("errors"), body
    first = body["errors"][0]
    return first["extensions"]["exception"]["code"], first["message"]


def test_unknown_channel(gql, catalogue):
    code, message = error(gql.execute(PRODUCTS, {"channel": "mars", "first": 5}, True))
    assert code == "NOT_FOUND"
    assert "Channel with slug 'mars' does not exist" in message


def test_channel_required_when_there_are_several(gql, catalogue):
    code, message = error(gql.execute(PRODUCTS, {"first": 5}, True))
    assert code == "REQUIRED"
    assert "channel" in message


def test_unknown_slug(gql, catalogue):
    body = gql.execute(PRODUCT, {"slug": "no-such-thing", "channel": "china"}, True)
    assert body["data"]["product"] is None
    code, message = error(body)
    assert code == "NOT_FOUND"
    assert "no-such-thing" in message


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-base64!!",
        "",
        to_global_id("Category", 1),
        to_global_id("Product", "abc"),
        "UHJvZHVjdA==",
    ],
)
def test_malformed_or_foreign_global_id(gql, catalogue, bad_id):
    code, message = error(gql.execute(PRODUCT, {"id": bad_id, "channel": "china"}, True))
    assert code == "INVALID_ID"
    assert "expected an ID of type Product" in message


def test_first_above_limit(gql, catalogue):
    code, message = error(gql.execute(PRODUCTS, {"channel": "china", "first": 101}, True))
    assert code == "PAGINATION_LIMIT"
    assert "exceeds the `first` limit of 100 records" in message


def test_first_or_last_required_and_not_negative(gql, catalogue):
    assert error(gql.execute(PRODUCTS, {"channel": "china"}, True))[0] == "REQUIRED"
    assert error(gql.execute(PRODUCTS, {"channel": "china", "first": -1}, True))[0] == "INVALID"


def test_invalid_cursor(gql, catalogue):
    body = gql.execute(PRODUCTS, {"channel": "china", "first": 5, "after": "garbage"}, True)
    assert error(body)[0] == "INVALID_CURSOR"


def test_depth_limit(gql, catalogue, settings):
    settings.GRAPHQL_QUERY_MAX_DEPTH = 4
    query = (
        '{ products(channel: "china", first: 1) '
        "{ edges { node { category { parent { name } } } } } }"
    )
    code, message = error(gql.execute(query, None, True))
    assert code == "QUERY_TOO_DEEP"
    assert "maximum depth of 4" in message


def test_cost_limit_counts_page_sizes(gql, catalogue, settings):
    settings.GRAPHQL_QUERY_MAX_COMPLEXITY = 500
    query = """
    query($n: Int) { products(channel: "china", first: $n) {
      edges { node { name productVariants(first: 50) { edges { node { sku } } } } } } }
    """
    assert "errors" not in gql.execute(query, {"n": 1})
    code, message = error(gql.execute(query, {"n": 100}, True))
    assert code == "QUERY_TOO_COMPLEX"
    assert "maximum complexity of 500" in message


def test_batch_is_capped(gql, catalogue, settings):
    settings.GRAPHQL_MAX_BATCH_SIZE = 3
    entry = {"query": "{ shop { name } }"}
    ok = gql.post([entry] * 3)
    assert ok.status_code == 200
    assert [item["data"]["shop"]["name"] for item in ok.json()] == ["Marquee"] * 3
    too_many = gql.post([entry] * 4)
    assert too_many.status_code == 400
    code, message = error(too_many.json())
    assert code == "BATCH_TOO_LARGE"
    assert "limit of 3 operations" in message


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[]",
        b"42",
        b'"text"',
        json.dumps({"query": 5}).encode(),
        json.dumps({"query": "{ shop { name } }", "variables": [1]}).encode(),
        json.dumps({"query": "{ shop { nme } }"}).encode(),
        json.dumps({"query": "{ shop { "}).encode(),
        json.dumps({"query": "mutation { x }"}).encode(),
        json.dumps({}).encode(),
    ],
)
def test_malformed_requests_are_client_errors(gql, raw):
    response = gql.client.post("/graphql/", data=raw, content_type="application/json")
    assert response.status_code in (200, 400)
    assert response.json()["errors"][0]["message"]


def test_get_with_mutation_is_refused(gql):
    response = gql.client.get("/graphql/", {"query": "mutation { x }"})
    assert response.status_code in (400, 405)


def test_malformed_scalar_literal_is_a_clear_client_error(gql):
    response = gql.post({"query": '{ orderByToken(token: "not-a-uuid") { id } }'})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert "not-a-uuid" in error["message"]
    assert error["extensions"]["exception"]["code"] == "GRAPHQL_VALIDATION_FAILED"
