"""Paying for and completing a checkout by its ID; the order masked for anyone but its owner."""

import pytest
from graphql_relay import to_global_id

from marquee.accounts.tokens import create_access_token
from marquee.merch import models as m

from .conftest import OFFLINE, checkout_id

PAY = """
mutation ($id: ID!, $gw: PaymentGatewayToInitialize!) {
  transactionInitialize(id: $id, paymentGateway: $gw) {
    transaction { id } transactionEvent { type } errors { field code message }
  }
}"""
PROCESS = """
mutation ($id: ID!) { transactionProcess(id: $id) { transaction { id } errors { field code } } }
"""
COMPLETE = """
mutation ($id: ID!) {
  checkoutComplete(id: $id) {
    order {
      id userEmail customerNote
      shippingAddress { firstName lastName streetAddress1 phone city }
      billingAddress { firstName streetAddress1 phone }
      events { type } transactions { id }
    }
    errors { field code message }
  }
}"""
MASKED = {
    "userEmail": "o...@e....com",
    "customerNote": "",
    "shippingAddress": {
        "firstName": "L...",
        "lastName": "W...",
        "streetAddress1": "1...",
        "phone": None,
        "city": "Shanghai",
    },
    "billingAddress": {"firstName": "L...", "streetAddress1": "1...", "phone": None},
    "events": [],
    "transactions": [],
}


def as_user(gql, user):
    if user is None:
        gql.client.defaults.pop("HTTP_AUTHORIZATION", None)
    else:
        gql.client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {create_access_token(user)}"


def shown(order):
    return {key: order[key] for key in MASKED}


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner@example.com", "pw-owner-1234")


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user("stranger@example.com", "pw-stranger-1234")


@pytest.fixture
def owned_checkout(shop, owner):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)], email="owner@example.com", user=owner)
    m.Checkout.objects.filter(pk=checkout.pk).update(customer_note="Leave at the door")
    return checkout


@pytest.mark.parametrize("who", ["anonymous", "another customer"])
def test_whoever_holds_the_id_pays_and_completes_but_sees_the_order_masked(
    shop, gql, owned_checkout, owner, stranger, who
):
    as_user(gql, None if who == "anonymous" else stranger)
    cid = checkout_id(owned_checkout)
    paid = gql.execute(PAY, {"id": cid, "gw": {"id": OFFLINE}})["data"]["transactionInitialize"]
    assert paid["errors"] == []
    assert paid["transactionEvent"]["type"] == "CHARGE_SUCCESS"
    processed = gql.execute(PROCESS, {"id": paid["transaction"]["id"]})["data"]
    assert processed["transactionProcess"]["errors"] == []

    result = gql.execute(COMPLETE, {"id": cid})["data"]["checkoutComplete"]
    assert result["errors"] == []
    assert shown(result["order"]) == MASKED
    order = m.Order.objects.get()
    assert order.user_id == owner.pk  # the customer's order, whoever completed it
    assert order.user_email == "owner@example.com"

    # A replay by the same caller, or by anyone else, is masked the same way.
    replay = gql.execute(COMPLETE, {"id": cid})["data"]["checkoutComplete"]
    assert replay["errors"] == []
    assert replay["order"]["id"] == result["order"]["id"]
    assert shown(replay["order"]) == MASKED
    as_user(gql, None)
    assert shown(gql.execute(COMPLETE, {"id": cid})["data"]["checkoutComplete"]["order"]) == (
        MASKED
    )


def test_the_owner_and_staff_see_the_order_whole(shop, gql, owned_checkout, owner, stranger):
    shop.pay(owned_checkout)
    as_user(gql, owner)
    cid = checkout_id(owned_checkout)
    order = gql.execute(COMPLETE, {"id": cid})["data"]["checkoutComplete"]["order"]
    assert order["userEmail"] == "owner@example.com"
    assert order["customerNote"] == "Leave at the door"
    assert order["shippingAddress"]["streetAddress1"] == "1 Nanjing Road"
    assert order["shippingAddress"]["phone"] == "+8613800138000"
    assert len(order["transactions"]) == 1

    stranger.is_staff = True
    stranger.save()
    as_user(gql, stranger)
    replay = gql.execute(COMPLETE, {"id": cid})["data"]["checkoutComplete"]["order"]
    assert replay["userEmail"] == "owner@example.com"
    assert replay["shippingAddress"]["phone"] == "+8613800138000"


def test_a_guest_order_is_masked_as_order_by_id_masks_it(shop, gql):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)], email="owner@example.com")
    shop.pay(checkout)
    order = gql.execute(COMPLETE, {"id": checkout_id(checkout)})["data"]["checkoutComplete"]
    assert order["errors"] == []
    assert order["order"]["userEmail"] == "o...@e....com"
    assert order["order"]["shippingAddress"]["phone"] is None


def test_another_customers_order_cannot_be_paid_or_its_transactions_processed(
    shop, gql, owned_checkout, owner, stranger
):
    from marquee.merch.orders.placement import complete_checkout

    transaction = shop.pay(owned_checkout)
    order = complete_checkout(owned_checkout.token, user=owner).order
    as_user(gql, stranger)
    paid = gql.execute(PAY, {"id": to_global_id("Order", str(order.pk)), "gw": {"id": OFFLINE}})
    errors = paid["data"]["transactionInitialize"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("NOT_FOUND", "id")]
    processed = gql.execute(PROCESS, {"id": to_global_id("TransactionItem", transaction.token)})
    errors = processed["data"]["transactionProcess"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("NOT_FOUND", "id")]
    as_user(gql, owner)
    processed = gql.execute(PROCESS, {"id": to_global_id("TransactionItem", transaction.token)})
    assert processed["data"]["transactionProcess"]["errors"] == []
