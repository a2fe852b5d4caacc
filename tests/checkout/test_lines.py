"""checkoutLinesAdd, checkoutLinesUpdate, checkoutLinesDelete (and the older checkoutLineDelete)."""

import pytest
from django.test import override_settings

from marquee.merch.models import CheckoutLine

from .conftest import CN_ADDRESS
from .operations import DELIVERY_UPDATE, LINES_ADD, LINES_DELETE, LINES_UPDATE

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkout(shop, api):
    return api.create(lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 2}])


def test_add_new_and_existing_variant(shop, api, checkout):
    payload = api.run(
        LINES_ADD,
        {
            "id": checkout["id"],
            "lines": [
                {"variantId": shop.variant_id(shop.tee), "quantity": 1},
                {"variantId": shop.variant_id(shop.poster), "quantity": 4},
            ],
        },
    )
    lines = payload["checkout"]["lines"]
    assert [(ln["variant"]["product"]["name"], ln["quantity"]) for ln in lines] == [
        ("Wolf Tee", 3),
        ("Wolf Poster", 4),
    ]


@pytest.mark.parametrize(
    ("product", "quantity", "code"),
    [
        ("tee", 0, "ZERO_QUANTITY"),
        ("tee", -2, "INVALID"),
        ("tee", 9, "INSUFFICIENT_STOCK"),
        ("intl_only", 1, "UNAVAILABLE_VARIANT_IN_CHANNEL"),
        ("hidden", 1, "PRODUCT_NOT_PUBLISHED"),
    ],
)
def test_add_refused_leaves_lines_alone(shop, api, checkout, product, quantity, code):
    variant = shop.variant_id(getattr(shop, product))
    payload = api.run(
        LINES_ADD,
        {"id": checkout["id"], "lines": [{"variantId": variant, "quantity": quantity}]},
        ok=False,
    )
    assert [e["code"] for e in payload["errors"]] == [code]
    assert list(CheckoutLine.objects.values_list("quantity", flat=True)) == [2]


@override_settings(MAX_CHECKOUT_LINE_QUANTITY=5)
def test_add_beyond_the_line_limit(shop, api, checkout):
    payload = api.run(
        LINES_ADD,
        {"id": checkout["id"], "lines": [{"variantId": shop.variant_id(shop.tee), "quantity": 4}]},
        ok=False,
    )
    assert [e["code"] for e in payload["errors"]] == ["QUANTITY_GREATER_THAN_LIMIT"]


def test_unknown_and_malformed_checkout_ids(shop, api):
    from graphql_relay import to_global_id

    variables = {"lines": [{"variantId": shop.variant_id(shop.tee), "quantity": 1}]}
    unknown = to_global_id("Checkout", "6f1d3c3e-8c55-4d6a-9d7a-8a0c1e2b3c4d")
    payload = api.run(LINES_ADD, {**variables, "id": unknown}, ok=False)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "id")]
    payload = api.run(LINES_ADD, {**variables, "id": "garbage"}, ok=False)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "id")]


def test_update_by_line_and_by_variant_and_remove(shop, api, checkout):
    line_id = checkout["lines"][0]["id"]
    payload = api.run(
        LINES_UPDATE, {"id": checkout["id"], "lines": [{"lineId": line_id, "quantity": 5}]}
    )
    assert [ln["quantity"] for ln in payload["checkout"]["lines"]] == [5]
    payload = api.run(
        LINES_UPDATE,
        {
            "id": checkout["id"],
            "lines": [{"variantId": shop.variant_id(shop.poster), "quantity": 1}],
        },
    )
    assert [ln["quantity"] for ln in payload["checkout"]["lines"]] == [5, 1]
    payload = api.run(
        LINES_UPDATE, {"id": checkout["id"], "lines": [{"lineId": line_id, "quantity": 0}]}
    )
    assert [ln["variant"]["product"]["name"] for ln in payload["checkout"]["lines"]] == [
        "Wolf Poster"
    ]


@pytest.mark.parametrize(
    ("quantity", "code"),
    [(-1, "INVALID"), (11, "INSUFFICIENT_STOCK"), (51, "QUANTITY_GREATER_THAN_LIMIT")],
)
def test_update_refused(shop, api, checkout, quantity, code):
    line_id = checkout["lines"][0]["id"]
    payload = api.run(
        LINES_UPDATE,
        {"id": checkout["id"], "lines": [{"lineId": line_id, "quantity": quantity}]},
        ok=False,
    )
    assert [e["code"] for e in payload["errors"]] == [code]
    assert list(CheckoutLine.objects.values_list("quantity", flat=True)) == [2]


def test_update_unknown_line(shop, api, checkout):
    from graphql_relay import to_global_id

    other = to_global_id("CheckoutLine", "6f1d3c3e-8c55-4d6a-9d7a-8a0c1e2b3c4d")
    payload = api.run(
        LINES_UPDATE, {"id": checkout["id"], "lines": [{"lineId": other, "quantity": 1}]}, ok=False
    )
    assert [(e["code"], e["field"], e["lines"]) for e in payload["errors"]] == [
        ("NOT_FOUND", "lines.0.lineId", [other])
    ]


def test_delete_lines(shop, api, checkout):
    line_id = checkout["lines"][0]["id"]
    payload = api.run(LINES_DELETE, {"id": checkout["id"], "linesIds": [line_id]})
    assert payload["checkout"]["lines"] == []
    payload = api.run(LINES_DELETE, {"id": checkout["id"], "linesIds": [line_id]}, ok=False)
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]


def test_older_single_line_delete(shop, api, gql, checkout):
    body = gql.execute(
        "mutation ($id: ID!, $line: ID) { checkoutLineDelete(id: $id, lineId: $line) {"
        " errors { code } checkout { lines { id } } } }",
        {"id": checkout["id"], "line": checkout["lines"][0]["id"]},
    )
    assert body["data"]["checkoutLineDelete"] == {"errors": [], "checkout": {"lines": []}}


def test_order_value_beyond_the_method_clears_it(shop, api, checkout):
    from .operations import SHIPPING_ADDRESS_UPDATE

    api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": CN_ADDRESS})
    api.run(DELIVERY_UPDATE, {"id": checkout["id"], "method": shop.method_id(shop.zto)})
    line_id = checkout["lines"][0]["id"]
    # Raising the order value past ZTO's maximum (300 CNY) makes it inapplicable.
    payload = api.run(
        LINES_UPDATE, {"id": checkout["id"], "lines": [{"lineId": line_id, "quantity": 4}]}
    )
    assert payload["checkout"]["shippingMethod"] is None
    assert [p["__typename"] for p in payload["checkout"]["problems"]] == [
        "CheckoutProblemDeliveryMethodInvalid"
    ]
