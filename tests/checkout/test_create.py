"""checkoutCreate: what it accepts, and each input it refuses without writing anything."""

import pytest
from django.test import override_settings

from marquee.merch.models import Checkout

from .conftest import CN_ADDRESS
from .operations import CREATE

pytestmark = pytest.mark.django_db


def line(variant_id, quantity=1):
    return {"variantId": variant_id, "quantity": quantity}


def test_create_with_lines_email_and_addresses(shop, api):
    checkout = api.create(
        lines=[line(shop.variant_id(shop.tee), 2), line(shop.variant_id(shop.poster))],
        email="Fan@Example.com",
        shippingAddress=CN_ADDRESS,
        billingAddress=CN_ADDRESS,
        languageCode="ZH_HANS",
    )
    assert checkout["email"] == "fan@example.com"
    assert checkout["channel"] == {"slug": "china"}
    assert checkout["quantity"] == 3
    assert checkout["languageCode"] == "ZH_HANS"
    assert checkout["shippingAddress"]["country"] == {"code": "CN"}
    assert checkout["authorizeStatus"] == "NONE"
    assert checkout["chargeStatus"] == "NONE"
    # No Stripe key in the tests: only the offline test gateway is offered.
    assert checkout["availablePaymentGateways"] == [{"id": "saleor.io.dummy-payment-app"}]
    assert checkout["giftCards"] == []
    assert [ln["quantity"] for ln in checkout["lines"]] == [2, 1]
    assert {m["name"] for m in checkout["shippingMethods"]} == {"SF Express", "ZTO"}


def test_create_empty_as_the_storefront_does(shop, api):
    checkout = api.create(lines=[])
    assert checkout["lines"] == []
    assert checkout["totalPrice"]["gross"]["amount"] == 0
    assert checkout["email"] is None


def test_same_variant_twice_is_one_line(shop, api):
    variant = shop.variant_id(shop.tee)
    checkout = api.create(lines=[line(variant, 1), line(variant, 2)])
    assert [ln["quantity"] for ln in checkout["lines"]] == [3]


def refused(api, **data):
    payload = api.run(CREATE, {"input": {"channel": "china", **data}}, ok=False)
    assert payload["checkout"] is None
    assert Checkout.objects.count() == 0
    return payload["errors"]


@pytest.mark.parametrize(
    ("quantity", "code"),
    [(0, "ZERO_QUANTITY"), (-1, "INVALID"), (51, "QUANTITY_GREATER_THAN_LIMIT")],
)
def test_bad_quantities(shop, api, quantity, code):
    errors = refused(api, lines=[line(shop.variant_id(shop.tee), quantity)])
    assert [(e["code"], e["field"]) for e in errors] == [(code, "lines.0.quantity")]


@override_settings(MAX_CHECKOUT_LINE_QUANTITY=3)
def test_limit_applies_to_merged_quantity(shop, api):
    variant = shop.variant_id(shop.tee)
    errors = refused(api, lines=[line(variant, 2), line(variant, 2)])
    assert [e["code"] for e in errors] == ["QUANTITY_GREATER_THAN_LIMIT"]
    assert errors[0]["variants"] == [variant]


def test_insufficient_stock(shop, api):
    errors = refused(api, lines=[line(shop.variant_id(shop.tee), 11)])
    assert [(e["code"], e["field"]) for e in errors] == [("INSUFFICIENT_STOCK", "quantity")]


def test_variant_of_another_channel_only(shop, api):
    variant = shop.variant_id(shop.intl_only)
    errors = refused(api, lines=[line(variant)])
    assert [(e["code"], e["field"], e["variants"]) for e in errors] == [
        ("UNAVAILABLE_VARIANT_IN_CHANNEL", "lines", [variant])
    ]


def test_unpublished_product(shop, api):
    errors = refused(api, lines=[line(shop.variant_id(shop.hidden))])
    assert [e["code"] for e in errors] == ["PRODUCT_NOT_PUBLISHED"]


def test_not_yet_available_for_purchase(shop, api):
    shop.tee.channel_listings.filter(channel=shop.china).update(available_for_purchase_at=None)
    errors = refused(api, lines=[line(shop.variant_id(shop.tee))])
    assert [e["code"] for e in errors] == ["PRODUCT_UNAVAILABLE_FOR_PURCHASE"]


def test_malformed_and_unknown_variant_ids(shop, api):
    errors = refused(api, lines=[line("not-an-id")])
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", "lines.0.variantId")]
    from graphql_relay import to_global_id

    errors = refused(api, lines=[line(to_global_id("ProductVariant", 999999))])
    assert [(e["code"], e["field"]) for e in errors] == [("NOT_FOUND", "lines")]


def test_channel_errors(shop, api):
    assert [e["code"] for e in refused(api, channel="nowhere")] == ["NOT_FOUND"]
    shop.china.is_active = False
    shop.china.save()
    assert [e["code"] for e in refused(api)] == ["CHANNEL_INACTIVE"]
    payload = api.run(CREATE, {"input": {"lines": []}}, ok=False)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("REQUIRED", "channel")]


def test_invalid_email(shop, api):
    errors = refused(api, email="not an email")
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", "email")]


def test_invalid_address_names_the_field(shop, api):
    errors = refused(api, shippingAddress={**CN_ADDRESS, "postalCode": "ABC"})
    assert [(e["code"], e["field"], e["addressType"]) for e in errors] == [
        ("INVALID", "shippingAddress.postalCode", "SHIPPING")
    ]


def test_address_rules_can_skip_field_checks(shop, api):
    checkout = api.create(
        shippingAddress={"country": "CN", "city": "Shanghai"},
        validationRules={
            "shippingAddress": {"checkRequiredFields": False, "checkFieldsFormat": False}
        },
    )
    assert checkout["shippingAddress"]["city"] == "Shanghai"
