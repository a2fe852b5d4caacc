"""The NUL character, which PostgreSQL text cannot hold, is refused before anything runs."""

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

DOCUMENTS = [
    'mutation { setPassword(email: "a\\u0000b@x.com", token: "t", password: "p")'
    " { errors { code } } }",
    'mutation { tokenCreate(email: "a\\u0000b@x.com", password: "p") { errors { code } } }',
    'mutation { requestPasswordReset(email: "a\\u0000@x.com", redirectUrl: "http://localhost/r")'
    " { errors { code } } }",
    'query { products(channel: "chi\\u0000na", first: 2) { totalCount } }',
]


def _codes(response):
    assert response.status_code in (200, 400)
    return [e["extensions"]["exception"]["code"] for e in response.json().get("errors", [])]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_nul_in_a_literal_is_invalid(document):
    response = Client().post(
        "/graphql/", data=json.dumps({"query": document}), content_type="application/json"
    )
    assert _codes(response) == ["INVALID"]


@pytest.mark.parametrize(
    "variables",
    [
        {"search": "x\x00y"},
        {"search": "ok", "filter": {"slugs": ["a", "b\x00"]}},
        {"search": "ok", "filter": {"attributes": [{"slug": "s", "values": ["\x00"]}]}},
    ],
)
def test_a_nul_anywhere_in_the_variables_is_invalid(variables):
    document = """
    query ($search: String, $filter: ProductFilterInput) {
      products(channel: "china", first: 1, search: $search, filter: $filter) { totalCount }
    }"""
    response = Client().post(
        "/graphql/",
        data=json.dumps({"query": document, "variables": variables}),
        content_type="application/json",
    )
    assert _codes(response) == ["INVALID"]
    assert "NUL" in response.json()["errors"][0]["message"]
