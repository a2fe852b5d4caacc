"""A cursor is client input: one of the wrong shape or type is INVALID_CURSOR, never a 500."""

import base64

import pytest
from django.contrib.auth import get_user_model

from marquee.accounts.tokens import create_access_token

pytestmark = pytest.mark.django_db


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


BAD_CURSORS = [
    b64('["x","y"]'),
    b64("[NaN,1]"),
    b64('["a",1e30]'),
    b64('["a",1e400]'),
    b64("[1e30]"),
    b64('{"a":1}'),
    b64("9" * 500),
    b64("[" * 5000 + "]" * 5000),
    base64.urlsafe_b64encode(b"\xff\xfe\x00garbage").decode(),
    "not base64 at all",
]

CONNECTIONS = {
    "products": '{ products(channel: "china", first: 2, after: $c) { edges { node { id } } } }',
    "productsByPrice": '{ products(channel: "china", first: 2, after: $c, '
    "sortBy: {field: PRICE, direction: ASC}) { edges { node { id } } } }",
    "productsByRating": '{ products(channel: "china", first: 2, before: $c, '
    "sortBy: {field: RATING, direction: DESC}) { edges { node { id } } } }",
    "productsByPublished": '{ products(channel: "china", last: 2, before: $c, '
    "sortBy: {field: PUBLISHED, direction: ASC}) { edges { node { id } } } }",
    "films": "{ films(first: 2, after: $c) { edges { node { id } } } }",
    "filmsByTitle": "{ films(first: 2, after: $c, sortBy: {field: TITLE, direction: ASC}) "
    "{ edges { node { id } } } }",
    "categories": "{ categories(first: 2, after: $c) { edges { node { id } } } }",
    "collections": '{ collections(channel: "china", first: 2, after: $c) '
    "{ edges { node { id } } } }",
    "productApprovals": "{ productApprovals(first: 2, after: $c) { edges { node { id } } } }",
    "licences": "{ licences(first: 2, after: $c) { edges { node { id } } } }",
    "myOrders": "{ me { orders(first: 2, after: $c) { edges { node { id } } } } }",
}


@pytest.fixture
def staff_headers(db):
    user = get_user_model().objects.create_user("ops@marquee.example", "pw", is_staff=True)
    return {"HTTP_AUTHORIZATION": f"Bearer {create_access_token(user)}"}


@pytest.mark.parametrize("name", sorted(CONNECTIONS))
def test_bad_cursors_are_invalid_cursor(gql, catalogue, staff_headers, name):
    query = "query ($c: String)" + CONNECTIONS[name]
    for cursor in BAD_CURSORS:
        response = gql.post({"query": query, "variables": {"c": cursor}}, **staff_headers)
        assert response.status_code in (200, 400), response.content[:300]
        errors = response.json().get("errors")
        assert errors, (name, cursor)
        codes = {e["extensions"]["exception"]["code"] for e in errors}
        assert codes == {"INVALID_CURSOR"}, (name, cursor, errors)


def test_a_date_cursor_must_hold_a_date(gql, catalogue):
    query = "query ($c: String) { films(first: 2, after: $c) { edges { node { id } } } }"
    body = gql.execute(query, {"c": b64('["2024-13-45",1]')}, expect_errors=True)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "INVALID_CURSOR"


def test_a_cursor_from_a_page_still_works(gql, catalogue):
    query = (
        "query ($c: String) { categories(first: 1, after: $c) { edges { cursor node { id } } } }"
    )
    first = gql.execute(query, {"c": None})["data"]["categories"]["edges"]
    second = gql.execute(query, {"c": first[0]["cursor"]})["data"]["categories"]["edges"]
    assert second and second[0]["node"]["id"] != first[0]["node"]["id"]
