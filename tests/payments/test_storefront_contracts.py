"""Saleor's storefront pays through the two gateways it drives, end to end.

The documents are the shape of the storefront's own (src/checkout/graphql/
payment.graphql): paymentGatewayInitialize, transactionInitialize with
`paymentGateway {id, data}`, transactionProcess, then checkoutComplete.
"""

from decimal import Decimal

from graphql_relay import to_global_id

from marquee.merch import models as m

from .test_stripe import _buyer_confirms, intent_event, post_event

DUMMY = "saleor.io.dummy-payment-app"
STRIPE = "saleor.app.payment.stripe"

GATEWAYS = "query($id: ID!) { checkout(id: $id) { availablePaymentGateways { id name } } }"
GATEWAY_INITIALIZE = """
mutation($checkoutId: ID!, $paymentGateways: [PaymentGatewayToInitialize!]) {
  paymentGatewayInitialize(id: $checkoutId, paymentGateways: $paymentGateways) {
    errors { field message code }
    gatewayConfigs { id data errors { field message code } }
  }
}"""
TRANSACTION_INITIALIZE = """
mutation($checkoutId: ID!, $action: TransactionFlowStrategyEnum,
         $paymentGateway: PaymentGatewayToInitialize!, $amount: PositiveDecimal) {
  transactionInitialize(id: $checkoutId, action: $action, paymentGateway: $paymentGateway,
                        amount: $amount) {
    transaction { id actions }
    transactionEvent { message type }
    data
    errors { field code message }
  }
}"""
TRANSACTION_PROCESS = """
mutation($id: ID!, $data: JSON) {
  transactionProcess(id: $id, data: $data) {
    transaction { id actions }
    transactionEvent { message type }
    data
    errors { field code message }
  }
}"""
COMPLETE = """
mutation($checkoutId: ID!) {
  checkoutComplete(id: $checkoutId) {
    order { id chargeStatus total { gross { amount } } }
    errors { field message code }
  }
}"""


def _run(gql, document, name, **variables):
    return gql.execute(document, variables)["data"][name]


def _checkout(shop):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])  # 99 + 12 shipping
    return checkout, to_global_id("Checkout", str(checkout.token))


def test_the_dummy_app_contract_pays_and_completes(shop, gql):
    checkout, cid = _checkout(shop)
    offered = gql.execute(GATEWAYS, {"id": cid})["data"]["checkout"]["availablePaymentGateways"]
    assert [g["id"] for g in offered] == [DUMMY]
    configs = _run(
        gql,
        GATEWAY_INITIALIZE,
        "paymentGatewayInitialize",
        checkoutId=cid,
        paymentGateways=[{"id": DUMMY}],
    )
    assert configs["errors"] == [] and configs["gatewayConfigs"][0]["errors"] == []
    paid = _run(
        gql,
        TRANSACTION_INITIALIZE,
        "transactionInitialize",
        checkoutId=cid,
        amount=111,
        paymentGateway={
            "id": DUMMY,
            "data": {"event": {"includePspReference": True, "type": "CHARGE_SUCCESS"}},
        },
    )
    assert paid["errors"] == []
    assert paid["transactionEvent"]["type"] == "CHARGE_SUCCESS"
    assert paid["transaction"]["id"] and paid["transaction"]["actions"] == ["REFUND"]
    item = m.TransactionItem.objects.get()
    assert item.gateway == DUMMY and item.psp_reference
    order = _run(gql, COMPLETE, "checkoutComplete", checkoutId=cid)
    assert order["errors"] == [] and order["order"]["chargeStatus"] == "FULL"


def test_the_dummy_app_contract_reports_a_failure_and_a_pending_payment(shop, gql):
    checkout, cid = _checkout(shop)
    broken = _run(
        gql,
        TRANSACTION_INITIALIZE,
        "transactionInitialize",
        checkoutId=cid,
        paymentGateway={"id": DUMMY, "data": {"event": {"type": "PAID"}}},
    )
    assert broken["errors"] == []
    assert broken["transactionEvent"]["type"] == "CHARGE_FAILURE"
    assert "data.event.type" in broken["transactionEvent"]["message"]
    assert broken["data"] == {"exception": True}
    refused = _run(gql, COMPLETE, "checkoutComplete", checkoutId=cid)
    assert [e["code"] for e in refused["errors"]] == ["CHECKOUT_NOT_FULLY_PAID"]

    pending = _run(
        gql,
        TRANSACTION_INITIALIZE,
        "transactionInitialize",
        checkoutId=cid,
        paymentGateway={
            "id": DUMMY,
            "data": {"event": {"includePspReference": False, "type": "CHARGE_ACTION_REQUIRED"}},
        },
    )
    assert pending["transactionEvent"]["type"] == "CHARGE_ACTION_REQUIRED"
    assert m.TransactionItem.objects.get(charged_value=0, psp_reference="").amount_requested == 111
    success = {"event": {"type": "CHARGE_SUCCESS"}}
    for _twice in range(2):
        done = _run(
            gql,
            TRANSACTION_PROCESS,
            "transactionProcess",
            id=pending["transaction"]["id"],
            data=success,
        )
        assert done["errors"] == [] and done["transactionEvent"]["type"] == "CHARGE_SUCCESS"
    item = m.TransactionItem.objects.get(pk=m.TransactionItem.objects.order_by("-pk")[0].pk)
    assert item.charged_value == Decimal("111")
    assert item.events.filter(type="CHARGE_SUCCESS").count() == 1
    order = _run(gql, COMPLETE, "checkoutComplete", checkoutId=cid)
    assert order["errors"] == [] and order["order"]["chargeStatus"] == "FULL"


def test_the_stripe_app_contract_pays_and_completes(shop, gql, client, stripe_settings):
    stripe_settings.OFFLINE_PAYMENTS_ENABLED = False
    checkout, cid = _checkout(shop)
    offered = gql.execute(GATEWAYS, {"id": cid})["data"]["checkout"]["availablePaymentGateways"]
    assert [g["id"] for g in offered] == [STRIPE]
    configs = _run(
        gql,
        GATEWAY_INITIALIZE,
        "paymentGatewayInitialize",
        checkoutId=cid,
        paymentGateways=[{"id": STRIPE}],
    )
    assert configs["gatewayConfigs"] == [
        {"id": STRIPE, "data": {"stripePublishableKey": "pk_test_marquee"}, "errors": []}
    ]
    started = _run(
        gql,
        TRANSACTION_INITIALIZE,
        "transactionInitialize",
        checkoutId=cid,
        amount=111,
        paymentGateway={"id": STRIPE, "data": {"paymentIntent": {"paymentMethod": "card"}}},
    )
    assert started["errors"] == []
    assert started["transactionEvent"]["type"] == "CHARGE_ACTION_REQUIRED"
    secret = started["data"]["paymentIntent"]["stripeClientSecret"]
    item = m.TransactionItem.objects.get()
    assert secret.startswith(item.psp_reference)

    _buyer_confirms(item.psp_reference)  # Stripe.js in the buyer's browser
    processed = _run(
        gql, TRANSACTION_PROCESS, "transactionProcess", id=started["transaction"]["id"]
    )
    assert processed["errors"] == []
    assert processed["transactionEvent"]["type"] == "CHARGE_SUCCESS"
    assert processed["data"]["paymentIntent"]["status"] == "succeeded"
    order = _run(gql, COMPLETE, "checkoutComplete", checkoutId=cid)
    assert order["errors"] == [] and order["order"]["chargeStatus"] == "FULL"

    # Stripe's webhook for the same payment arrives afterwards: nothing is charged twice.
    item.refresh_from_db()
    assert post_event(client, intent_event("evt_late", item)).json() == {"status": "applied"}
    item.refresh_from_db()
    assert item.charged_value == Decimal("111")
    assert item.events.filter(type="CHARGE_SUCCESS").count() == 1
    placed = m.Order.objects.get()
    assert placed.total_charged_amount == Decimal("111")


def test_stripe_data_of_another_shape_is_refused_before_stripe_is_called(
    shop, gql, stripe_settings
):
    checkout, cid = _checkout(shop)
    for data in ({"paymentIntent": {}}, {"paymentIntent": {"paymentMethod": "unknown"}}, [1]):
        refused = _run(
            gql,
            TRANSACTION_INITIALIZE,
            "transactionInitialize",
            checkoutId=cid,
            paymentGateway={"id": STRIPE, "data": data},
        )
        assert [(e["field"], e["code"]) for e in refused["errors"]] == [
            ("paymentGateway", "INVALID")
        ]
    assert m.TransactionItem.objects.count() == 0


def test_the_earlier_gateway_ids_are_still_accepted(shop, gql):
    checkout, cid = _checkout(shop)
    paid = _run(
        gql,
        TRANSACTION_INITIALIZE,
        "transactionInitialize",
        checkoutId=cid,
        paymentGateway={"id": "marquee.payments.offline"},
    )
    assert paid["errors"] == [] and paid["transactionEvent"]["type"] == "CHARGE_SUCCESS"
    assert m.TransactionItem.objects.get().gateway == DUMMY
