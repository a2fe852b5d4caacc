from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from marquee.merch import models as m
from marquee.merch.models.orders import OrderRefund
from marquee.merch.orders import services
from marquee.merch.orders.placement import complete_checkout

from .conftest import signed

STRIPE = "saleor.app.payment.stripe"

INITIALIZE = """
mutation($id: ID!, $gw: PaymentGatewayToInitialize!, $key: String) {
  transactionInitialize(id: $id, paymentGateway: $gw, idempotencyKey: $key) {
    transaction { id token chargedAmount { amount } }
    transactionEvent { type }
    data
    errors { field code message }
  }
}
"""


def initialize(gql, checkout, key=None):
    body = gql.execute(
        INITIALIZE,
        {"id": to_global_id("Checkout", str(checkout.token)), "gw": {"id": STRIPE}, "key": key},
    )
    return body["data"]["transactionInitialize"]


def post_event(client, payload, header=None):
    body, signature = signed(payload)
    return client.post(
        "/webhooks/stripe/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header or signature,
    )


def intent_event(event_id, item, kind="payment_intent.succeeded", received=None):
    amount = int(item.amount_requested * 100)
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "data": {
            "object": {
                "id": item.psp_reference or "pi_unknown",
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount if received is None else received,
                "currency": item.currency.lower(),
                "metadata": {"transaction_token": str(item.token)},
            }
        },
    }


def test_gateway_configs(shop, gql, stripe_settings):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    data = gql.execute(
        """mutation($id: ID!) { paymentGatewayInitialize(id: $id, paymentGateways:
             [{id: "saleor.app.payment.stripe"}, {id: "saleor.io.dummy-payment-app"}]) {
             gatewayConfigs { id data errors { code } } errors { code } } }""",
        {"id": to_global_id("Checkout", str(checkout.token))},
    )["data"]["paymentGatewayInitialize"]
    stripe_config, offline_config = data["gatewayConfigs"]
    assert stripe_config == {
        "id": STRIPE,
        "data": {"stripePublishableKey": "pk_test_marquee"},
        "errors": [],
    }
    # Stripe configured: the offline test gateway is off by default.
    stripe_settings.OFFLINE_PAYMENTS_ENABLED = False
    data = gql.execute(
        """mutation($id: ID!) { paymentGatewayInitialize(id: $id, paymentGateways:
             [{id: "saleor.io.dummy-payment-app"}]) { gatewayConfigs { id errors { code } } } }""",
        {"id": to_global_id("Checkout", str(checkout.token))},
    )["data"]["paymentGatewayInitialize"]
    assert data["gatewayConfigs"][0]["errors"] == [{"code": "NOT_FOUND"}]
    assert offline_config["id"] == "saleor.io.dummy-payment-app"


def test_initialize_creates_a_payment_intent(shop, gql, stripe_settings):
    import stripe

    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    result = initialize(gql, checkout, key="buy-1")
    assert result["errors"] == []
    assert result["transactionEvent"]["type"] == "CHARGE_ACTION_REQUIRED"
    intent_data = result["data"]["paymentIntent"]
    assert intent_data["stripeClientSecret"].startswith(intent_data["id"])
    item = m.TransactionItem.objects.get()
    assert item.charged_value == 0  # only the webhook marks money charged
    intent = stripe.PaymentIntent.retrieve(item.psp_reference, api_key="sk_test_marquee")
    assert intent["amount"] == 11100 and intent["currency"] == "cny"
    assert intent["metadata"]["transaction_token"] == str(item.token)
    assert intent["metadata"]["checkout_token"] == str(checkout.token)
    again = initialize(gql, checkout, key="buy-1")
    assert again["transaction"]["id"] == result["transaction"]["id"]
    assert again["data"]["paymentIntent"]["id"] == intent_data["id"]
    assert m.TransactionItem.objects.count() == 1


def test_bad_signature_is_rejected_and_nothing_recorded(shop, client, stripe_settings):
    response = post_event(client, {"id": "evt_1", "type": "x"}, header="t=1,v1=deadbeef")
    assert response.status_code == 400
    response = client.post("/webhooks/stripe/", data="{}", content_type="application/json")
    assert response.status_code == 400
    assert m.ProviderEvent.objects.count() == 0


def test_signed_webhook_marks_paid_and_replays_are_no_ops(shop, gql, client, stripe_settings):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    initialize(gql, checkout)
    item = m.TransactionItem.objects.get()
    event = intent_event("evt_paid", item)
    assert post_event(client, event).status_code == 200
    item.refresh_from_db()
    assert item.charged_value == Decimal("111")
    order = complete_checkout(checkout.token).order
    assert order.charge_status == "full"
    assert order.total_charged_amount == Decimal("111")
    assert post_event(client, event).json() == {"status": "duplicate"}
    # A different event with the same figures changes nothing either.
    assert post_event(client, intent_event("evt_paid_again", item)).status_code == 200
    order.refresh_from_db()
    item.refresh_from_db()
    assert item.charged_value == Decimal("111")
    assert order.total_charged_amount == Decimal("111")
    assert item.events.filter(type="CHARGE_SUCCESS").count() == 1


def test_unknown_event_type_is_acknowledged(shop, client, stripe_settings):
    response = post_event(client, {"id": "evt_x", "type": "customer.created", "data": {}})
    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    assert m.ProviderEvent.objects.get().event_type == "customer.created"


def test_event_before_the_transaction_exists_is_applied_later(shop, client, stripe_settings):
    from marquee.merch.tasks import retry_stripe_event

    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    item = m.TransactionItem(
        gateway=STRIPE, currency="CNY", amount_requested=Decimal("111"), psp_reference="pi_early"
    )
    event = intent_event("evt_early", item)
    response = post_event(client, event)
    assert response.json() == {"status": "missing"}
    item.checkout = checkout
    item.save()
    assert retry_stripe_event(m.ProviderEvent.objects.get().pk) == "applied"
    item.refresh_from_db()
    assert item.charged_value == Decimal("111")


def _buyer_confirms(intent_id):
    """What Stripe.js does in the buyer's browser: attach a card and confirm."""
    import stripe

    key = {"api_key": "sk_test_marquee"}
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = stripe.PaymentMethod.create(type="card", card=card, **key)
    stripe.PaymentIntent.modify(intent_id, payment_method=method["id"], **key)
    assert stripe.PaymentIntent.confirm(intent_id, **key)["status"] == "succeeded"


def test_refund_is_final_only_when_stripe_confirms(shop, gql, client, stripe_settings):
    (tee,) = shop.variants("Tee", stock=5)
    checkout = shop.checkout([(tee, 2)])
    initialize(gql, checkout)
    item = m.TransactionItem.objects.get()
    _buyer_confirms(item.psp_reference)
    post_event(client, intent_event("evt_paid", item))
    order = complete_checkout(checkout.token).order
    line = order.lines.get()
    refund = services.request_refund(order, lines={line.pk: 1}, restock=True)
    assert refund.status == "pending" and refund.psp_reference.startswith("re_")
    line.refresh_from_db()
    assert line.quantity_refunded == 0
    charge = {
        "id": "evt_refund",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": "ch_1",
                "object": "charge",
                "amount": 21100,
                "amount_captured": 21100,
                "amount_refunded": 9900,
                "payment_intent": item.psp_reference,
                "metadata": {"transaction_token": str(item.token)},
            }
        },
    }
    assert post_event(client, charge).status_code == 200
    assert post_event(client, charge).json() == {"status": "duplicate"}
    refund.refresh_from_db()
    line.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "success"
    assert line.quantity_refunded == 1
    assert order.total_refunded_amount == Decimal("99")
    assert order.total_charged_amount == Decimal("112")
    assert OrderRefund.objects.filter(status="success").count() == 1
    assert m.Stock.objects.get(product_variant=tee).quantity_allocated == 1


# --- Signed bodies that are not events the webhook can read -----------------


def _intent(**changes):
    obj = {"id": "pi_shape", "object": "payment_intent", "amount": 100}
    obj.update(changes)
    return {"id": "evt_shape", "type": "payment_intent.succeeded", "data": {"object": obj}}


def _charge(**changes):
    obj = {"id": "ch_shape", "object": "charge", "amount": 100, "payment_intent": "pi_shape"}
    obj.update(changes)
    return {"id": "evt_shape", "type": "charge.refunded", "data": {"object": obj}}


def _without(event, *path):
    *parents, last = path
    target = event
    for key in parents:
        target = target[key]
    del target[last]
    return event


MALFORMED_EVENTS = {
    "a list": ([_intent()], "JSON object"),
    "a string": ("evt_1", "JSON object"),
    "a number": (42, "JSON object"),
    "null": (None, "JSON object"),
    "a boolean": (True, "JSON object"),
    "id missing": (_without(_intent(), "id"), "`id`"),
    "id an object": ({**_intent(), "id": {"evt": 1}}, "`id`"),
    "id a number": ({**_intent(), "id": 7}, "`id`"),
    "id empty": ({**_intent(), "id": ""}, "`id`"),
    "id too long": ({**_intent(), "id": "evt_" + "x" * 300}, "`id`"),
    "type missing": (_without(_intent(), "type"), "`type`"),
    "type a number": ({**_intent(), "type": 5}, "`type`"),
    "type a list": ({**_intent(), "type": ["charge.refunded"]}, "`type`"),
    "data a string": ({**_intent(), "data": "pi_shape"}, "`data`"),
    "data.object missing": ({**_intent(), "data": {}}, "`data.object`"),
    "data.object a string": ({**_intent(), "data": {"object": "pi"}}, "`data.object`"),
    "data.object a list": ({**_intent(), "data": {"object": [1]}}, "`data.object`"),
    "unknown type, data.object a list": (
        {"id": "evt_shape", "type": "customer.created", "data": {"object": []}},
        "`data.object`",
    ),
    "intent id an object": (_intent(id={"x": 1}), "`data.object.id`"),
    "amount missing": (_without(_intent(), "data", "object", "amount"), "amount"),
    "amount a string": (_intent(amount="100"), "amount"),
    "amount a float": (_intent(amount=1.5), "amount"),
    "amount a boolean": (_intent(amount=True), "amount"),
    "amount negative": (_intent(amount=-1), "amount"),
    "amount too large": (_intent(amount=10**20), "amount"),
    "amount_received a string": (_intent(amount_received="1"), "amount_received"),
    "metadata a list": (_intent(metadata=["x"]), "metadata"),
    "token not a uuid": (_intent(metadata={"transaction_token": "abc"}), "transaction_token"),
    "token a number": (_intent(metadata={"transaction_token": 5}), "transaction_token"),
    "refund payment_intent an object": (_charge(payment_intent={"id": "pi"}), "payment_intent"),
    "refund amount missing": (_without(_charge(), "data", "object", "amount"), "amount"),
    "refund amount_refunded a string": (_charge(amount_refunded="9"), "amount_refunded"),
    "id with a NUL character": ({**_intent(), "id": "evt\x00"}, "NUL"),
    "last_payment_error a string": (
        {**_intent(last_payment_error="declined"), "type": "payment_intent.payment_failed"},
        "last_payment_error",
    ),
}


def _post_raw(client, body: str):
    import hashlib
    import hmac
    import time

    from .conftest import WEBHOOK_SECRET

    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return client.post(
        "/webhooks/stripe/",
        data=body.encode(),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={digest.hexdigest()}",
    )


def _assert_refused(response, caplog, fragment):
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error.startswith("Not a Stripe event Marquee can read")
    if fragment:
        assert fragment in error
    assert m.ProviderEvent.objects.count() == 0
    assert any(
        r.name == "marquee.payments" and "stripe event refused" in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.parametrize("name", list(MALFORMED_EVENTS))
def test_signed_malformed_event_is_a_400_and_not_recorded(
    name, shop, client, stripe_settings, caplog
):
    payload, fragment = MALFORMED_EVENTS[name]
    _assert_refused(post_event(client, payload), caplog, fragment)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ('{"id": "evt_nan", "type": "payment_intent.succeeded", "amount": NaN}', "NaN"),
        ('{"id": "evt_inf", "type": "x", "data": {"object": {"n": Infinity}}}', "Infinity"),
        ("[" * 100_000 + "]" * 100_000, "nested"),
        ('{"id": "evt_\\ud800", "type": "customer.created"}', "Unicode"),
        ('{"id": "evt_nul", "type": "customer.created", "note": "a\\u0000b"}', "NUL"),
        ('{"id": "evt_cut", "type": ', "not valid JSON"),
    ],
    ids=["NaN", "Infinity", "deep nesting", "lone surrogate", "NUL escape", "truncated"],
)
def test_signed_body_that_is_not_storable_json_is_a_400(
    body, fragment, shop, client, stripe_settings, caplog
):
    _assert_refused(_post_raw(client, body), caplog, fragment)


def test_a_refused_event_id_is_not_taken(shop, gql, client, stripe_settings, caplog):
    """The body Stripe resends after fixing the endpoint is applied, not a duplicate."""
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    initialize(gql, checkout)
    item = m.TransactionItem.objects.get()
    event = intent_event("evt_retry", item)
    broken = {**event, "data": {"object": {**event["data"]["object"], "amount": "lots"}}}
    _assert_refused(post_event(client, broken), caplog, "amount")
    assert post_event(client, event).json() == {"status": "applied"}
    item.refresh_from_db()
    assert item.charged_value == Decimal("111")


def test_signature_with_non_ascii_characters_is_a_400(shop, client, stripe_settings):
    response = post_event(client, {"id": "evt_1", "type": "x"}, header="t=1,v1=caf\u00e9")
    assert response.status_code == 400
    assert m.ProviderEvent.objects.count() == 0
