"""The checkout ID opens the checkout to whoever holds it; the customer's account stays theirs."""

import pytest
from django.contrib.auth import get_user_model
from graphql_relay import to_global_id

from marquee.graphql.api import schema
from marquee.merch.models import Checkout

from .conftest import CN_ADDRESS
from .operations import (
    ADD_PROMO,
    ATTACH,
    BILLING_ADDRESS_UPDATE,
    CHECKOUT,
    DELIVERY_UPDATE,
    DETACH,
    EMAIL_UPDATE,
    LANGUAGE_UPDATE,
    LINES_ADD,
    LINES_DELETE,
    LINES_UPDATE,
    REMOVE_PROMO,
    SHIPPING_ADDRESS_UPDATE,
    SHIPPING_METHOD_UPDATE,
)
from .test_checkout_details import sign_in, sign_out

pytestmark = pytest.mark.django_db

USER_QUERY = "query ($id: ID!) { checkout(id: $id) { id user { email } } }"
BY_TOKEN = "query ($token: UUID!) { checkout(token: $token) { id email } }"
DELIVERY_OPTIONS = """
mutation ($id: ID!) {
  deliveryOptionsCalculate(id: $id) { deliveries { id } errors { field code message } }
}"""
METADATA_UPDATE = """
mutation ($id: ID!) {
  updateMetadata(id: $id, input: [{key: "gift", value: "yes"}]) { errors { field code } }
}"""
METADATA_DELETE = """
mutation ($id: ID!) { deleteMetadata(id: $id, keys: ["gift"]) { errors { field code } } }"""
GATEWAYS = """
mutation ($id: ID!) {
  paymentGatewayInitialize(id: $id) { gatewayConfigs { id } errors { field code } }
}"""
ATTACH_AS = """
mutation ($id: ID!, $customer: ID) {
  checkoutCustomerAttach(id: $id, customerId: $customer) { errors { field code message } }
}"""


def customer(email):
    return get_user_model().objects.create_user(email=email, password="x-Pass-123")


@pytest.fixture
def owner():
    return customer("owner@example.com")


@pytest.fixture
def owned(shop, api, gql, owner):
    """A signed-in customer's checkout; the test then acts as someone else."""
    sign_in(gql, owner)
    checkout = api.create(lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 1}])
    sign_out(gql)
    assert Checkout.objects.get().user_id == owner.pk
    return checkout


@pytest.mark.parametrize("stranger", ["anonymous", "another customer"])
def test_a_customers_checkout_works_for_whoever_holds_its_id(shop, api, gql, owned, stranger):
    if stranger == "another customer":
        sign_in(gql, customer("other@example.com"))
    cid = owned["id"]
    seen = gql.execute(CHECKOUT, {"id": cid})["data"]["checkout"]
    assert seen["id"] == cid
    assert gql.execute(BY_TOKEN, {"token": owned["token"]})["data"]["checkout"]["id"] == cid

    tee_m = shop.variant_id(shop.tee, 1)
    payload = api.run(LINES_ADD, {"id": cid, "lines": [{"variantId": tee_m, "quantity": 1}]})
    line = next(li for li in payload["checkout"]["lines"] if li["variant"]["id"] == tee_m)
    api.run(LINES_UPDATE, {"id": cid, "lines": [{"lineId": line["id"], "quantity": 2}]})
    api.run(LINES_DELETE, {"id": cid, "linesIds": [line["id"]]})
    api.run(EMAIL_UPDATE, {"id": cid, "email": "gift@example.com"})
    api.run(SHIPPING_ADDRESS_UPDATE, {"id": cid, "address": CN_ADDRESS})
    api.run(BILLING_ADDRESS_UPDATE, {"id": cid, "address": CN_ADDRESS})
    api.run(DELIVERY_UPDATE, {"id": cid, "method": shop.method_id(shop.sf)})
    api.run(SHIPPING_METHOD_UPDATE, {"id": cid, "method": shop.method_id(shop.sf)})
    api.run(ADD_PROMO, {"id": cid, "code": "WELCOME10"})
    api.run(REMOVE_PROMO, {"id": cid, "code": "WELCOME10"})
    api.run(LANGUAGE_UPDATE, {"id": cid, "language": "ZH_HANS"})
    assert api.run(DELIVERY_OPTIONS, {"id": cid})["deliveries"]
    api.run(METADATA_UPDATE, {"id": cid})
    api.run(METADATA_DELETE, {"id": cid})
    assert api.run(GATEWAYS, {"id": cid})["gatewayConfigs"]

    stored = Checkout.objects.get()
    assert (stored.email, stored.language_code) == ("gift@example.com", "zh-hans")
    assert stored.shipping_method_id == shop.sf.pk


def test_the_account_behind_a_checkout_is_its_customers_and_staffs(gql, owned, owner):
    assert gql.execute(USER_QUERY, {"id": owned["id"]})["data"]["checkout"]["user"] is None
    sign_in(gql, customer("other@example.com"))
    assert gql.execute(USER_QUERY, {"id": owned["id"]})["data"]["checkout"]["user"] is None
    sign_in(gql, owner)
    assert gql.execute(USER_QUERY, {"id": owned["id"]})["data"]["checkout"]["user"] == {
        "email": "owner@example.com"
    }
    staff = customer("staff@example.com")
    staff.is_staff = True
    staff.save()
    sign_in(gql, staff)
    assert gql.execute(USER_QUERY, {"id": owned["id"]})["data"]["checkout"]["user"] == {
        "email": "owner@example.com"
    }


def test_a_customer_attaches_only_themself_and_not_to_anothers_checkout(api, gql, owned, owner):
    other = customer("other@example.com")
    sign_in(gql, other)
    payload = api.run(ATTACH, {"id": owned["id"]}, ok=False)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "id")]
    assert Checkout.objects.get().user_id == owner.pk

    payload = api.run(
        ATTACH_AS, {"id": owned["id"], "customer": to_global_id("User", owner.pk)}, ok=False
    )
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "customerId")]

    sign_in(gql, owner)
    api.run(ATTACH_AS, {"id": owned["id"], "customer": to_global_id("User", owner.pk)})
    assert Checkout.objects.get().user_id == owner.pk


def test_only_the_attached_customer_detaches(api, gql, owned, owner):
    payload = api.run(DETACH, {"id": owned["id"]}, ok=False)
    assert [e["code"] for e in payload["errors"]] == ["INVALID"]
    sign_in(gql, customer("other@example.com"))
    payload = api.run(DETACH, {"id": owned["id"]}, ok=False)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "id")]
    assert Checkout.objects.get().user_id == owner.pk
    sign_in(gql, owner)
    api.run(DETACH, {"id": owned["id"]})
    assert Checkout.objects.get().user_id is None


def _named(field_type):
    while hasattr(field_type, "of_type"):
        field_type = field_type.of_type
    return field_type


def test_no_field_lists_checkouts_and_orders_do_not_name_theirs():
    """A checkout is reached only by its ID: `checkout(id)` and mutation payloads."""
    graphql_schema = schema.graphql_schema
    mutation_payloads = {
        _named(field.type).name for field in graphql_schema.mutation_type.fields.values()
    }
    holders = set()
    for type_name, graphql_type in graphql_schema.type_map.items():
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            if type_name.startswith("__") or not hasattr(field, "args"):
                continue
            if _named(field.type).name == "Checkout":
                holders.add((type_name, field_name))
                assert "List" not in str(field.type), (type_name, field_name)
    strays = {
        (t, f) for t, f in holders if t not in mutation_payloads and (t, f) != ("Query", "checkout")
    }
    assert strays == set()
    order_fields = graphql_schema.type_map["Order"].fields
    assert not [name for name in order_fields if "checkout" in name.lower()]


@pytest.mark.parametrize(
    "bad_id",
    ["UHJvZHVjdDox", "garbage", to_global_id("Checkout", "not-a-uuid"), ""],
)
def test_delivery_options_for_an_id_that_is_no_checkout(shop, api, bad_id):
    payload = api.run(DELIVERY_OPTIONS, {"id": bad_id}, ok=False)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "id")]
    assert payload["deliveries"] == []


def test_delivery_options_for_an_unknown_checkout(shop, api):
    unknown = to_global_id("Checkout", "6f1d3c3e-8c55-4d6a-9d7a-8a0c1e2b3c4d")
    payload = api.run(DELIVERY_OPTIONS, {"id": unknown}, ok=False)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "id")]
