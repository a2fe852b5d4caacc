"""Email, addresses, delivery, promo codes, customer and language mutations, and the query."""

import pytest
from django.contrib.auth import get_user_model
from graphql_relay import to_global_id

from marquee.accounts.tokens import create_access_token
from marquee.merch.models import Checkout

from .conftest import CN_ADDRESS, DE_ADDRESS, US_ADDRESS
from .operations import (
    ADD_PROMO,
    ATTACH,
    BILLING_ADDRESS_UPDATE,
    CHECKOUT,
    DELIVERY_UPDATE,
    DETACH,
    EMAIL_UPDATE,
    LANGUAGE_UPDATE,
    REMOVE_PROMO,
    SHIPPING_ADDRESS_UPDATE,
    SHIPPING_METHOD_UPDATE,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkout(shop, api):
    return api.create(lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 1}])


def sign_in(gql, user):
    """Requests carry the user's access token, as a signed-in storefront's do."""
    gql.client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {create_access_token(user)}"


def sign_out(gql):
    gql.client.defaults.pop("HTTP_AUTHORIZATION", None)


def codes(payload):
    return [(e["code"], e["field"]) for e in payload["errors"]]


def test_email_update(api, checkout):
    payload = api.run(EMAIL_UPDATE, {"id": checkout["id"], "email": "a@b.example"})
    assert payload["checkout"]["email"] == "a@b.example"
    payload = api.run(EMAIL_UPDATE, {"id": checkout["id"], "email": "nope"}, ok=False)
    assert codes(payload) == [("INVALID", "email")]
    assert Checkout.objects.get().email == "a@b.example"


def test_shipping_address_and_methods(shop, api, checkout):
    payload = api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": CN_ADDRESS})
    result = payload["checkout"]
    assert result["shippingAddress"]["postalCode"] == "200120"
    assert [m["name"] for m in result["shippingMethods"]] == ["SF Express", "ZTO"]
    assert result["shippingMethods"][0]["price"] == {"amount": 20.0, "currency": "CNY"}
    assert result["availableShippingMethods"] == [
        {"id": m["id"]} for m in result["shippingMethods"]
    ]


def test_invalid_shipping_address_writes_nothing(api, checkout):
    payload = api.run(
        SHIPPING_ADDRESS_UPDATE,
        {"id": checkout["id"], "address": {**US_ADDRESS, "postalCode": "1"}},
        ok=False,
    )
    assert codes(payload) == [("INVALID", "shippingAddress.postalCode")]
    assert payload["errors"][0]["addressType"] == "SHIPPING"
    assert Checkout.objects.get().shipping_address_id is None


def test_billing_address(api, checkout):
    payload = api.run(BILLING_ADDRESS_UPDATE, {"id": checkout["id"], "address": US_ADDRESS})
    assert payload["checkout"]["billingAddress"]["country"] == {"code": "US"}
    payload = api.run(
        BILLING_ADDRESS_UPDATE, {"id": checkout["id"], "address": {"city": "X"}}, ok=False
    )
    assert ("REQUIRED", "billingAddress.country") in codes(payload)


def test_delivery_method_choice(shop, api, checkout):
    api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": CN_ADDRESS})
    payload = api.run(DELIVERY_UPDATE, {"id": checkout["id"], "method": shop.method_id(shop.sf)})
    result = payload["checkout"]
    assert result["shippingMethod"]["name"] == "SF Express"
    assert result["deliveryMethod"] == {"id": shop.method_id(shop.sf)}
    assert result["delivery"]["shippingMethod"]["name"] == "SF Express"
    assert result["shippingPrice"]["gross"]["amount"] == 20.0
    # A Delivery ID names the same method.
    payload = api.run(DELIVERY_UPDATE, {"id": checkout["id"], "method": result["delivery"]["id"]})
    assert payload["checkout"]["shippingMethod"]["name"] == "SF Express"
    # The deprecated mutation, by checkoutId.
    payload = api.run(
        SHIPPING_METHOD_UPDATE, {"id": checkout["id"], "method": shop.method_id(shop.zto)}
    )
    assert payload["checkout"]["shippingMethod"]["name"] == "ZTO"


def test_delivery_method_refusals(shop, api, checkout):
    variables = {"id": checkout["id"], "method": shop.method_id(shop.sf)}
    payload = api.run(DELIVERY_UPDATE, variables, ok=False)
    assert codes(payload) == [("SHIPPING_ADDRESS_NOT_SET", "deliveryMethodId")]
    api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": US_ADDRESS})
    payload = api.run(DELIVERY_UPDATE, variables, ok=False)
    assert codes(payload) == [("DELIVERY_METHOD_NOT_APPLICABLE", "deliveryMethodId")]
    payload = api.run(
        SHIPPING_METHOD_UPDATE, {"id": checkout["id"], "method": shop.method_id(shop.sf)}, ok=False
    )
    assert codes(payload) == [("SHIPPING_METHOD_NOT_APPLICABLE", "shippingMethodId")]
    payload = api.run(DELIVERY_UPDATE, {"id": checkout["id"], "method": "bad"}, ok=False)
    assert codes(payload) == [("INVALID", "deliveryMethodId")]
    missing = to_global_id("ShippingMethod", 999999)
    payload = api.run(DELIVERY_UPDATE, {"id": checkout["id"], "method": missing}, ok=False)
    assert codes(payload) == [("NOT_FOUND", "deliveryMethodId")]
    assert Checkout.objects.get().shipping_method_id is None


def test_address_change_resets_an_invalid_method(shop, api, checkout):
    api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": CN_ADDRESS})
    api.run(DELIVERY_UPDATE, {"id": checkout["id"], "method": shop.method_id(shop.sf)})
    payload = api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": DE_ADDRESS})
    result = payload["checkout"]
    assert result["shippingMethod"] is None
    assert result["problems"] == [
        {
            "__typename": "CheckoutProblemDeliveryMethodInvalid",
            "delivery": {"shippingMethod": {"name": "SF Express"}},
        }
    ]
    assert [m["name"] for m in result["shippingMethods"]] == ["UPS"]
    # An address in the same zone keeps it.
    api.run(DELIVERY_UPDATE, {"id": checkout["id"], "method": shop.method_id(shop.ups)})
    payload = api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": US_ADDRESS})
    assert payload["checkout"]["shippingMethod"]["name"] == "UPS"
    assert payload["checkout"]["problems"] == []


def test_promo_codes(shop, api, checkout):
    payload = api.run(ADD_PROMO, {"id": checkout["id"], "code": "welcome10"})
    assert payload["checkout"]["voucherCode"] == "WELCOME10"
    assert payload["checkout"]["discount"]["amount"] == 9.90
    payload = api.run(REMOVE_PROMO, {"id": checkout["id"], "code": "OTHER"})
    assert payload["checkout"]["voucherCode"] == "WELCOME10"
    payload = api.run(
        REMOVE_PROMO, {"id": checkout["id"], "codeId": to_global_id("Voucher", shop.welcome.pk)}
    )
    assert payload["checkout"]["voucherCode"] is None
    assert payload["checkout"]["discount"]["amount"] == 0


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("NOSUCH", "INVALID"),
        ("OLD", "VOUCHER_NOT_APPLICABLE"),
        ("GONE", "VOUCHER_NOT_APPLICABLE"),
        ("FIVEOFF", "VOUCHER_NOT_APPLICABLE"),  # 99.00 < 100 minimum spend
    ],
)
def test_promo_code_refused(api, checkout, code, error):
    payload = api.run(ADD_PROMO, {"id": checkout["id"], "code": code}, ok=False)
    assert codes(payload) == [(error, "promoCode")]
    assert Checkout.objects.get().voucher_code == ""


def test_remove_promo_code_needs_a_code(api, checkout):
    payload = api.run(REMOVE_PROMO, {"id": checkout["id"]}, ok=False)
    assert codes(payload) == [("REQUIRED", "promoCode")]


def test_customer_attach_and_detach(api, gql, checkout):
    payload = api.run(ATTACH, {"id": checkout["id"]}, ok=False)
    assert [e["code"] for e in payload["errors"]] == ["INVALID"]
    user = get_user_model().objects.create_user(email="fan@example.com", password="x-Pass-123")
    sign_in(gql, user)
    payload = api.run(ATTACH, {"id": checkout["id"]})
    assert payload["checkout"]["email"] == "fan@example.com"
    assert Checkout.objects.get().user_id == user.pk

    # The ID still opens the checkout to whoever holds it, but only the
    # attached customer may detach it.
    sign_out(gql)
    assert gql.execute(CHECKOUT, {"id": checkout["id"]})["data"]["checkout"]["id"]
    payload = api.run(DETACH, {"id": checkout["id"]}, ok=False)
    assert codes(payload) == [("INVALID", None)]

    sign_in(gql, user)
    payload = api.run(DETACH, {"id": checkout["id"]})
    assert Checkout.objects.get().user_id is None


def test_created_by_a_signed_in_customer(shop, api, gql):
    user = get_user_model().objects.create_user(email="fan@example.com", password="x-Pass-123")
    sign_in(gql, user)
    checkout = api.create(lines=[])
    assert checkout["email"] == "fan@example.com"
    assert Checkout.objects.get().user_id == user.pk


def test_language_code(api, checkout):
    payload = api.run(LANGUAGE_UPDATE, {"id": checkout["id"], "language": "ZH_HANS"})
    assert payload["checkout"]["languageCode"] == "ZH_HANS"
    assert Checkout.objects.get().language_code == "zh-hans"


def test_checkout_query(api, gql, checkout):
    result = gql.execute(CHECKOUT, {"id": checkout["id"]})["data"]["checkout"]
    assert result["token"] == checkout["token"]
    body = gql.execute(CHECKOUT, {"id": "garbage"}, expect_errors=True)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "INVALID_ID"
    unknown = to_global_id("Checkout", "6f1d3c3e-8c55-4d6a-9d7a-8a0c1e2b3c4d")
    assert gql.execute(CHECKOUT, {"id": unknown})["data"]["checkout"] is None


def test_stock_problem_on_the_query(shop, api, gql, checkout):
    from marquee.merch.models import Stock

    Stock.objects.update(quantity=0)
    result = gql.execute(CHECKOUT, {"id": checkout["id"]})["data"]["checkout"]
    assert result["problems"] == [
        {"__typename": "CheckoutLineProblemInsufficientStock", "availableQuantity": 0}
    ]


def test_delivery_options_calculate(shop, api, gql, checkout):
    api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": CN_ADDRESS})
    body = gql.execute(
        "mutation ($id: ID!) { deliveryOptionsCalculate(id: $id) {"
        " deliveries { id shippingMethod { name } } errors { code } } }",
        {"id": checkout["id"]},
    )
    result = body["data"]["deliveryOptionsCalculate"]
    assert [d["shippingMethod"]["name"] for d in result["deliveries"]] == ["SF Express", "ZTO"]
