"""Automatic persisted queries, as Apollo's link uses them (POST and GET)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from marquee.graphql.core.persisted_queries import local_documents

from .conftest import PRODUCTS, codes, persisted, sha256

pytestmark = pytest.mark.django_db

SHOP = "{ shop { name } }"


def test_an_unknown_hash_is_persisted_query_not_found_with_200(http):
    response = http.post({"extensions": persisted(SHOP)})
    # 200, as Apollo Server 4 answers: Apollo's link then resends with the document.
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert error["extensions"]["exception"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" not in response.json()
    assert response["Cache-Control"] == "no-store"


def test_register_then_send_the_hash_alone(http, catalogue):
    catalogue.product("Leng Feng figure")
    registered = http.post({"query": PRODUCTS, "extensions": persisted(PRODUCTS)})
    assert registered.status_code == 200
    names = [e["node"]["name"] for e in registered.json()["data"]["products"]["edges"]]
    assert names == ["Leng Feng figure"]

    by_hash = http.post({"extensions": persisted(PRODUCTS), "operationName": "Products"})
    assert by_hash.status_code == 200
    assert by_hash.json() == registered.json()


def test_a_registered_document_is_shared_through_the_cache(http):
    http.post({"query": SHOP, "extensions": persisted(SHOP)})
    assert cache.get("apq:" + sha256(SHOP)) == SHOP
    local_documents.clear()  # another worker: only the shared cache knows it
    response = http.post({"extensions": persisted(SHOP)})
    assert response.json() == {"data": {"shop": {"name": "Marquee"}}}


def test_a_hash_that_does_not_match_its_document_is_refused_and_not_stored(http):
    other = "{ shop { description } }"
    response = http.post({"query": other, "extensions": persisted(sha256_hash=sha256(SHOP))})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["message"] == "provided sha does not match query"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert codes(response) == ["PERSISTED_QUERY_HASH_MISMATCH"]
    # The hash was not hijacked: it still names nothing.
    assert codes(http.post({"extensions": persisted(SHOP)})) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_an_uppercase_hash_names_the_same_document(http):
    http.post({"query": SHOP, "extensions": persisted(SHOP)})
    response = http.post({"extensions": persisted(sha256_hash=sha256(SHOP).upper())})
    assert response.json() == {"data": {"shop": {"name": "Marquee"}}}


@pytest.mark.parametrize("version", [2, 0, -1])
def test_an_unsupported_version_is_refused_as_apollo_does(http, version):
    response = http.post({"query": SHOP, "extensions": persisted(SHOP, version=version)})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["message"] == "Unsupported persisted query version"
    assert codes(response) == ["PERSISTED_QUERY_VERSION_UNSUPPORTED"]


@pytest.mark.parametrize(
    "extensions",
    [
        [],
        "[]",
        7,
        {"persistedQuery": "abc"},
        {"persistedQuery": []},
        {"persistedQuery": {"sha256Hash": "0" * 64}},
        {"persistedQuery": {"version": "1", "sha256Hash": "0" * 64}},
        {"persistedQuery": {"version": True, "sha256Hash": "0" * 64}},
        {"persistedQuery": {"version": 1.0, "sha256Hash": "0" * 64}},
        {"persistedQuery": {"version": 1}},
        {"persistedQuery": {"version": 1, "sha256Hash": None}},
        {"persistedQuery": {"version": 1, "sha256Hash": 12}},
        {"persistedQuery": {"version": 1, "sha256Hash": "abc"}},
        {"persistedQuery": {"version": 1, "sha256Hash": "g" * 64}},
        {"persistedQuery": {"version": 1, "sha256Hash": "0" * 65}},
        {"persistedQuery": {"version": 1, "sha256Hash": "0" * 1_000_000}},
        {"persistedQuery": {"version": 10**100, "sha256Hash": "0" * 64}},
    ],
)
def test_malformed_extensions_are_a_clear_400(http, extensions):
    response = http.post({"query": SHOP, "extensions": extensions})
    assert response.status_code == 400
    assert codes(response) in (["PERSISTED_QUERY_INVALID"], ["PERSISTED_QUERY_VERSION_UNSUPPORTED"])
    assert len(response.content) < 1000  # a huge value is not repeated back


def test_extensions_without_a_persisted_query_are_ignored(http):
    response = http.post({"query": SHOP, "extensions": {"tracing": True}})
    assert response.json() == {"data": {"shop": {"name": "Marquee"}}}


@pytest.mark.parametrize("send", ["get", "post"])
def test_extensions_sent_as_a_string_that_is_not_json_are_a_400(http, send):
    if send == "get":
        response = http.get(SHOP, extensions="{not json")
    else:
        response = http.post({"query": SHOP, "extensions": "{not json"})
    assert response.status_code == 400
    assert codes(response) == ["INVALID"]
    assert response.json()["errors"][0]["message"] == "`extensions` is invalid JSON."


def test_extensions_nested_too_deep_are_refused_before_decoding(http, settings):
    settings.GRAPHQL_MAX_JSON_DEPTH = 5
    response = http.get(SHOP, extensions="[" * 50 + "]" * 50)
    assert response.status_code == 400
    assert codes(response) == ["JSON_TOO_DEEP"]


def test_persisted_queries_over_get_as_apollos_link_sends_them(http):
    # useGETForHashedQueries: the hash by GET, the document by POST when it is not known.
    first = http.get(extensions=persisted(SHOP))
    assert first.status_code == 200
    assert codes(first) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert first["Cache-Control"] == "no-store"  # a CDN must not keep the miss
    http.post({"query": SHOP, "extensions": persisted(SHOP)})
    again = http.get(extensions=persisted(SHOP))
    assert again.status_code == 200
    assert again.json() == {"data": {"shop": {"name": "Marquee"}}}
    assert again["ETag"]


def test_a_document_registered_over_get_is_stored_too(http):
    http.get(SHOP, extensions=persisted(SHOP))
    assert http.get(extensions=persisted(SHOP)).json() == {"data": {"shop": {"name": "Marquee"}}}


def test_a_persisted_document_is_held_to_every_limit(http, settings):
    http.post({"query": PRODUCTS, "extensions": persisted(PRODUCTS)})
    settings.GRAPHQL_QUERY_MAX_COMPLEXITY = 5
    settings.GRAPHQL_REQUEST_MAX_COMPLEXITY = 5
    response = http.post({"extensions": persisted(PRODUCTS)})
    assert response.status_code == 400
    assert codes(response) == ["QUERY_TOO_COMPLEX"]
    settings.GRAPHQL_QUERY_MAX_COMPLEXITY = settings.GRAPHQL_REQUEST_MAX_COMPLEXITY = 50000
    settings.GRAPHQL_QUERY_MAX_DEPTH = 2
    response = http.post({"extensions": persisted(PRODUCTS)})
    assert response.status_code == 400
    assert codes(response) == ["QUERY_TOO_DEEP"]


def test_a_persisted_document_costs_what_its_variables_ask(http, catalogue, settings):
    settings.GRAPHQL_QUERY_MAX_COMPLEXITY = settings.GRAPHQL_REQUEST_MAX_COMPLEXITY = 50
    query = (
        'query ($n: Int) { products(channel: "china", first: $n) '
        "{ edges { node { name variants { name } } } } }"
    )
    registered = http.post({"query": query, "variables": {"n": 2}, "extensions": persisted(query)})
    assert "errors" not in registered.json()
    response = http.post({"extensions": persisted(query), "variables": {"n": 100}})
    assert response.status_code == 400
    assert codes(response) == ["QUERY_TOO_COMPLEX"]


def test_a_document_over_the_token_limit_is_never_stored(http, settings):
    settings.GRAPHQL_MAX_QUERY_TOKENS = 20
    long = "{ " + " ".join(f"a{i}: shop {{ name }}" for i in range(10)) + " }"
    response = http.post({"query": long, "extensions": persisted(long)})
    assert response.status_code == 400
    assert codes(http.post({"extensions": persisted(long)})) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_an_invalid_document_is_answered_but_not_stored(http):
    broken = "{ shop { nonsense } }"
    response = http.post({"query": broken, "extensions": persisted(broken)})
    assert response.status_code == 400
    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(http.post({"extensions": persisted(broken)})) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_switched_off_hashes_are_not_supported(http, settings):
    settings.GRAPHQL_PERSISTED_QUERIES_ENABLED = False
    response = http.post({"query": SHOP, "extensions": persisted(SHOP)})
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["message"] == "PersistedQueryNotSupported"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


def test_a_batch_runs_persisted_entries_and_refuses_unknown_ones_clearly(http):
    http.post({"query": SHOP, "extensions": persisted(SHOP)})
    unknown = "{ shop { description } }"
    response = http.post(
        [
            {"extensions": persisted(SHOP)},
            {"query": SHOP},
            {"extensions": persisted(unknown)},
        ]
    )
    answers = response.json()
    assert answers[0] == {"data": {"shop": {"name": "Marquee"}}}
    assert answers[1] == {"data": {"shop": {"name": "Marquee"}}}
    assert answers[2]["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert response.status_code == 400  # the batch's worst entry


def test_a_shared_cache_that_fails_is_a_miss_not_a_500(http):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
        }
    }
    with override_settings(CACHES=unreachable):
        response = http.post({"extensions": persisted("{ shop { description } }")})
        assert response.status_code == 200
        assert codes(response) == ["PERSISTED_QUERY_NOT_FOUND"]
        registered = http.post({"query": SHOP, "extensions": persisted(SHOP)})
        assert registered.json() == {"data": {"shop": {"name": "Marquee"}}}


def test_a_hash_runs_the_same_statements_as_its_document(http, catalogue):
    catalogue.product("Poster")
    http.post({"query": PRODUCTS, "extensions": persisted(PRODUCTS)})
    with CaptureQueriesContext(connection) as sent:
        by_document = http.post({"query": PRODUCTS})
    with CaptureQueriesContext(connection) as hashed:
        by_hash = http.get(extensions=persisted(PRODUCTS))
    assert by_hash.json() == by_document.json()
    assert len(hashed) == len(sent)
    # The store is the cache, never the database.
    assert not any("apq" in query["sql"] for query in hashed.captured_queries)
