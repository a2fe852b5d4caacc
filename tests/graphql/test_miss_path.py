"""The lean miss path answers exactly what the plain one did.

Execution plans fields once per request and completes scalars in one step,
bodies are written with orjson, the collector waits during execution and
catalogue rows skip their constructor: each is compared here with the
plain way of doing the same thing, on the real endpoint and real rows.
"""

import gc
import json
from decimal import Decimal

import pytest
from graphql import ExecutionContext
from graphql_sync_dataloaders import DeferredExecutionContext

from marquee.graphql.core.collection_pause import collector_paused
from marquee.graphql.core.encoding import encode_result
from marquee.graphql.core.execution import BatchingExecutionContext
from marquee.graphql.views import MarqueeGraphQLView
from marquee.merch import models as m

from .benchmark.storefront import PRODUCT_LIST_ITEM

PRODUCT_LIST = f"""
query ProductList($first: Int, $channel: String!, $languageCode: LanguageCodeEnum!) {{
  products(first: $first, channel: $channel) {{
    totalCount
    edges {{ cursor node {{ {PRODUCT_LIST_ITEM} variants {{ id sku quantityAvailable }} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""


class PlainExecution(BatchingExecutionContext):
    """Field execution as graphql-sync-dataloaders does it, completion as graphql-core."""

    def execute_field(self, parent_type, source, field_nodes, path):
        return DeferredExecutionContext.execute_field(self, parent_type, source, field_nodes, path)

    def complete_value(self, return_type, field_nodes, info, path, result):
        return ExecutionContext.complete_value(self, return_type, field_nodes, info, path, result)


def answers(gql, query, variables, execution, monkeypatch):
    monkeypatch.setattr(MarqueeGraphQLView, "execution_context_class", execution)
    response = gql.post({"query": query, "variables": variables})
    return response.status_code, response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ZH_HANS", "EN"])
def test_product_list_answers_as_plain_execution(gql, catalogue, monkeypatch, language):
    for index in range(4):
        catalogue.product(f"Tee {index}", variants=3, cny=Decimal("99.90") + index)
    catalogue.product("No image", variants=1, image=False)
    variables = {"first": 3, "channel": "china", "languageCode": language}
    lean = answers(gql, PRODUCT_LIST, variables, BatchingExecutionContext, monkeypatch)
    plain = answers(gql, PRODUCT_LIST, variables, PlainExecution, monkeypatch)
    assert lean == plain
    assert lean[0] == 200 and "errors" not in lean[1]
    assert len(lean[1]["data"]["products"]["edges"]) == 3


@pytest.mark.django_db
def test_errors_answer_as_plain_execution(gql, catalogue, monkeypatch):
    catalogue.product("Tee", variants=2)
    for query, variables in [
        (PRODUCT_LIST, {"first": 2, "channel": "nowhere", "languageCode": "EN"}),
        (PRODUCT_LIST, {"first": -1, "channel": "china", "languageCode": "EN"}),
        ('{ products(first: 2, channel: "china") { edges { node { id name } } } nope }', {}),
    ]:
        lean = answers(gql, query, variables, BatchingExecutionContext, monkeypatch)
        plain = answers(gql, query, variables, PlainExecution, monkeypatch)
        assert lean == plain
        assert "errors" in lean[1]


def test_body_parses_to_what_the_standard_encoder_wrote():
    result = {
        "data": {
            "products": [
                {"name": "战狼2 T恤", "amount": 99.9, "n": 3, "ok": True, "none": None},
                {"name": 'Tee "quoted" \\ \n', "amount": 0.01, "n": -2, "ok": False},
            ]
        },
        "errors": [{"message": "é", "path": ["products", 0]}],
    }
    body = encode_result(result)
    assert json.loads(body) == result
    assert list(json.loads(body)["data"]["products"][0]) == ["name", "amount", "n", "ok", "none"]
    assert "99.9," in body and "0.01," in body
    assert body == json.dumps(result, separators=(",", ":"), ensure_ascii=False)


def test_what_orjson_refuses_is_written_as_before():
    huge = {"data": {"n": 2**70, "text": "\ud800"}}
    assert encode_result(huge) == json.dumps(huge, separators=(",", ":"))


def test_pretty_body_is_the_standard_library_s():
    result = {"data": {"b": 1, "a": "战"}}
    expected = json.dumps(result, sort_keys=True, indent=2, separators=(",", ": "))
    assert encode_result(result, pretty=True) == expected


def test_collector_waits_during_execution_and_resumes_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_stays_off_if_it_was_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.django_db
def test_rows_read_for_a_list_equal_constructed_rows(catalogue):
    catalogue.product("Tee", variants=2)
    for model in (m.Product, m.ProductVariant, m.AttributeValue, m.ProductVariantChannelListing):
        for row in model.objects.all():
            values = [getattr(row, f.attname) for f in model._meta.concrete_fields]
            built = model(*values)
            assert {k: v for k, v in vars(row).items() if k != "_state"} == {
                k: v for k, v in vars(built).items() if k != "_state"
            }
            assert (row._state.adding, row._state.db) == (False, "default")
            assert row == built and type(row) is model


@pytest.mark.django_db
def test_deferred_and_related_rows_still_load(catalogue):
    product = catalogue.product("Tee", variants=1)
    partial = m.Product.objects.only("name").get(pk=product.pk)
    assert partial.get_deferred_fields()
    assert partial.slug == "tee"
    variant = m.ProductVariant.objects.select_related("product").get(product=product)
    assert variant.product.name == "Tee"
    assert variant.product_id == product.pk
    value = m.AssignedVariantAttributeValue.objects.select_related("value__attribute").first()
    assert value.value.attribute.slug == "size"
