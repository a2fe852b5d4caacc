"""Any input to the read API answers with data or a client error, never a 500."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

QUERY = """
query Fuzz(
  $channel: String, $slug: String, $id: ID, $first: Int, $last: Int,
  $after: String, $before: String, $search: String, $filter: ProductFilterInput,
  $where: ProductWhereInput, $sortBy: ProductOrder, $languageCode: LanguageCodeEnum!
) {
  products(channel: $channel, first: $first, last: $last, after: $after, before: $before,
           search: $search, filter: $filter, where: $where, sortBy: $sortBy) {
    totalCount edges { cursor node { name translation(languageCode: $languageCode) { name } } }
  }
  product(slug: $slug, id: $id, channel: $channel) { name }
}
"""

text = st.text(max_size=40)
ids = st.one_of(text, st.just("UHJvZHVjdDox"), st.just("Q2F0ZWdvcnk6MQ=="))
ints = st.one_of(st.none(), st.integers(min_value=-(2**31), max_value=2**31 - 1))
scalars = st.one_of(st.none(), st.booleans(), ints, text, st.floats(allow_nan=True))
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["gte", "lte", "eq", "oneOf", "slug", "values"]), children
        )
    ),
    max_leaves=6,
)
variables = st.fixed_dictionaries(
    {},
    optional={
        "channel": st.one_of(st.sampled_from(["china", "international"]), text),
        "slug": text,
        "id": ids,
        "first": ints,
        "last": ints,
        "after": text,
        "before": text,
        "search": text,
        "filter": st.dictionaries(
            st.sampled_from(
                [
                    "search",
                    "categories",
                    "price",
                    "minimalPrice",
                    "ids",
                    "slugs",
                    "attributes",
                    "stockAvailability",
                    "collections",
                    "films",
                    "productTypes",
                ]
            ),
            json_values,
            max_size=3,
        ),
        "where": st.dictionaries(
            st.sampled_from(["name", "slug", "price", "category", "AND", "OR", "ids"]),
            json_values,
            max_size=3,
        ),
        "sortBy": st.dictionaries(
            st.sampled_from(["field", "direction", "attributeId"]),
            st.one_of(
                st.sampled_from(["PRICE", "NAME", "RANK", "ASC", "DESC", "COLLECTION"]), text
            ),
        ),
        "languageCode": st.one_of(st.sampled_from(["EN", "ZH_HANS"]), text),
    },
)


@pytest.fixture
def stocked(catalogue):
    catalogue.product("Logo Tee")
    catalogue.product("Figure", category=catalogue.figures, stock=0)
    return catalogue


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(variables=variables)
def test_read_api_never_fails_with_a_server_error(stocked, variables):
    client = Client()
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": QUERY, "variables": variables}),
        content_type="application/json",
    )
    assert response.status_code in (200, 400), response.content[:300]
    body = response.json()
    for item in body.get("errors", []):
        code = item.get("extensions", {}).get("exception", {}).get("code")
        assert code != "INTERNAL_ERROR", (variables, item)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=st.text(max_size=200))
def test_arbitrary_documents_are_client_errors(db, document):
    response = Client().post(
        "/graphql/", data=json.dumps({"query": document}), content_type="application/json"
    )
    assert response.status_code in (200, 400)
    assert "errors" in response.json() or "data" in response.json()
