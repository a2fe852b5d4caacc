"""Paying and refunding backer subscriptions through Stripe (the real SDK against localstripe).

The same transactionInitialize, transactionProcess and webhook as a
checkout: the subscription is a payable source the payment API knows only
by its registered kind.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import stripe
from graphql_relay import from_global_id

from marquee.core.exceptions import DomainError
from marquee.members.models import Membership, SubscriptionStatus
from marquee.members.services import backing
from marquee.merch import models as m
from marquee.merch.payments import services as backing_payments
from tests.payments import conftest as stripe_fixtures

from .test_backing import make_fan, make_programme
from .test_backing_api import CANCEL, SUBSCRIBE, sign_in

# localstripe and the Stripe settings, as the payments tests have them.
localstripe_url = stripe_fixtures.localstripe_url
stripe_settings = stripe_fixtures.stripe_settings
signed = stripe_fixtures.signed

INITIALIZE = """
mutation($id: ID!, $key: String) {
  transactionInitialize(id: $id, paymentGateway: {id: "saleor.app.payment.stripe"},
                        idempotencyKey: $key) {
    transaction { id token chargedAmount { amount currency } }
    transactionEvent { type }
    data
    errors { field code message }
  }
}
"""

PROCESS = """
mutation($id: ID!) {
  transactionProcess(id: $id) {
    transaction { chargedAmount { amount } }
    transactionEvent { type }
    errors { field code message }
  }
}
"""


def _buyer_confirms(intent_id):
    """What Stripe.js does in the fan's browser: attach a card and confirm."""
    key = {"api_key": "sk_test_marquee"}
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = stripe.PaymentMethod.create(type="card", card=card, **key)
    stripe.PaymentIntent.modify(intent_id, payment_method=method["id"], **key)
    assert stripe.PaymentIntent.confirm(intent_id, **key)["status"] == "succeeded"


def _post_event(client, payload):
    body, signature = signed(payload)
    return client.post(
        "/webhooks/stripe/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


def _succeeded(event_id, item):
    amount = int(item.amount_requested * 100)
    return {
        "id": event_id,
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": item.psp_reference,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount,
                "currency": item.currency.lower(),
                "metadata": {"transaction_token": str(item.token)},
            }
        },
    }


@pytest.fixture
def fan(db, gql):
    user = make_fan()
    sign_in(gql, user)
    return user


@pytest.fixture
def programme(db):
    return make_programme(total_units=10, per_member_cap=5, unit_price=Decimal("88.50"))


def sub_pk(sub) -> str:
    return from_global_id(sub["id"])[1]


def _subscribe(gql, programme, units):
    payload = gql.execute(SUBSCRIBE, {"programme": programme.slug, "units": units})
    return payload["data"]["backerProgrammeSubscribe"]["subscription"]


def _start(gql, sub_id, key=None):
    return gql.execute(INITIALIZE, {"id": sub_id, "key": key})["data"]["transactionInitialize"]


def test_stripe_payment_confirmed_by_transaction_process(gql, fan, programme, stripe_settings):
    sub = _subscribe(gql, programme, 2)
    started = _start(gql, sub["id"], key="pay-1")
    assert started["errors"] == []
    assert started["transactionEvent"]["type"] == "CHARGE_ACTION_REQUIRED"
    assert started["data"]["paymentIntent"]["stripeClientSecret"]
    assert _start(gql, sub["id"], key="pay-1")["transaction"]["id"] == started["transaction"]["id"]
    item = m.TransactionItem.objects.get()
    assert item.amount_requested == Decimal("177.00")
    intent = stripe.PaymentIntent.retrieve(item.psp_reference, api_key="sk_test_marquee")
    assert intent["metadata"]["source_kind"] == "BackerSubscription"
    assert intent["amount"] == 17700

    _buyer_confirms(item.psp_reference)
    processed = gql.execute(PROCESS, {"id": started["transaction"]["id"]})
    processed = processed["data"]["transactionProcess"]
    assert processed["errors"] == []
    assert processed["transaction"]["chargedAmount"]["amount"] == 177.0
    membership = Membership.objects.get(programme=programme, user=fan)
    assert (membership.units_held, membership.tier.slug) == (2, "supporter")
    assert membership.subscriptions.get().status == SubscriptionStatus.PAID


def test_stripe_webhook_pays_once(gql, client, fan, programme, stripe_settings):
    sub = _subscribe(gql, programme, 5)
    _start(gql, sub["id"])
    item = m.TransactionItem.objects.get()
    _buyer_confirms(item.psp_reference)
    assert _post_event(client, _succeeded("evt_backer_paid", item)).json() == {"status": "applied"}
    assert _post_event(client, _succeeded("evt_backer_paid", item)).json() == {
        "status": "duplicate"
    }
    # The same state reported again under another event id changes nothing either.
    _post_event(client, _succeeded("evt_backer_paid_again", item))
    programme.refresh_from_db()
    assert (programme.units_committed, programme.units_paid) == (5, 5)
    membership = Membership.objects.get(programme=programme, user=fan)
    assert (membership.units_held, membership.tier.slug) == (5, "producer")


def test_cancel_refunds_through_stripe(gql, client, fan, programme, stripe_settings):
    sub = _subscribe(gql, programme, 3)
    started = _start(gql, sub["id"])
    item = m.TransactionItem.objects.get()
    _buyer_confirms(item.psp_reference)
    gql.execute(PROCESS, {"id": started["transaction"]["id"]})
    cancelled = gql.execute(CANCEL, {"id": sub["id"]})["data"]["backerSubscriptionCancel"]
    assert cancelled["errors"] == []
    assert cancelled["subscription"]["status"] == "REFUNDED"
    item.refresh_from_db()
    assert (item.charged_value, item.refunded_value) == (Decimal(0), Decimal("265.50"))
    refunds = stripe.Refund.list(payment_intent=item.psp_reference, api_key="sk_test_marquee")
    assert [r["amount"] for r in refunds["data"]] == [26550]
    # Stripe's webhook for the same refund arrives later: nothing changes.
    charge = {
        "id": "evt_backer_refund",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": "ch_backer",
                "object": "charge",
                "amount": 26550,
                "amount_captured": 26550,
                "amount_refunded": 26550,
                "payment_intent": item.psp_reference,
                "metadata": {"transaction_token": str(item.token)},
            }
        },
    }
    assert _post_event(client, charge).status_code == 200
    item.refresh_from_db()
    assert item.refunded_value == Decimal("265.50")
    programme.refresh_from_db()
    assert (programme.units_committed, programme.units_paid) == (0, 0)
    membership = Membership.objects.get(programme=programme, user=fan)
    assert (membership.units_held, membership.tier) == (0, None)
    # A second cancel asks Stripe for nothing more.
    with pytest.raises(DomainError) as excinfo:
        backing.cancel(fan, membership.subscriptions.get().pk)
    assert excinfo.value.details[0].code == "NOT_CANCELLABLE"
    assert backing_payments.refund_source("BackerSubscription", sub_pk(sub)) == 0
    refunds = stripe.Refund.list(payment_intent=item.psp_reference, api_key="sk_test_marquee")
    assert len(refunds["data"]) == 1


def test_late_stripe_payment_for_units_sold_meanwhile_is_refunded(
    gql, client, fan, stripe_settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from marquee.members.models import BackerSubscription

    programme = make_programme(total_units=2, per_member_cap=2)
    sub = _subscribe(gql, programme, 2)
    _start(gql, sub["id"])
    item = m.TransactionItem.objects.get()
    BackerSubscription.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        backing.expire_overdue()
    taker = backing.subscribe(make_fan(), programme, 2)
    _buyer_confirms(item.psp_reference)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_event(client, _succeeded("evt_late", item))
    assert response.json() == {"status": "applied"}
    expired = BackerSubscription.objects.get(pk=sub_pk(sub))
    assert expired.status == "expired"
    item.refresh_from_db()
    assert (item.charged_value, item.refunded_value) == (Decimal(0), Decimal("200.00"))
    refunds = stripe.Refund.list(payment_intent=item.psp_reference, api_key="sk_test_marquee")
    assert [r["amount"] for r in refunds["data"]] == [20000]
    programme.refresh_from_db()
    assert (programme.units_committed, programme.units_paid) == (2, 0)
    assert Membership.objects.get(pk=taker.membership_id).units_committed == 2


def test_payment_gateway_initialize_for_a_subscription(gql, fan, programme, stripe_settings):
    sub = _subscribe(gql, programme, 1)
    body = gql.execute(
        """mutation($id: ID!) { paymentGatewayInitialize(id: $id) {
             gatewayConfigs { id data errors { code } } errors { code } } }""",
        {"id": sub["id"]},
    )["data"]["paymentGatewayInitialize"]
    assert body["errors"] == []
    assert "saleor.app.payment.stripe" in {c["id"] for c in body["gatewayConfigs"]}


def test_stripe_refunds_an_amount(gql, fan, programme, stripe_settings):
    sub = _subscribe(gql, programme, 2)
    started = _start(gql, sub["id"])
    item = m.TransactionItem.objects.get()
    _buyer_confirms(item.psp_reference)
    gql.execute(PROCESS, {"id": started["transaction"]["id"]})
    for _ in range(2):  # asked twice, refunded once
        backing_payments.refund_source(
            "BackerSubscription", sub_pk(sub), Decimal("50.00"), refund_key="goodwill"
        )
    item.refresh_from_db()
    assert (item.charged_value, item.refunded_value) == (Decimal("127.00"), Decimal("50.00"))
    refunds = stripe.Refund.list(payment_intent=item.psp_reference, api_key="sk_test_marquee")
    assert [r["amount"] for r in refunds["data"]] == [5000]
    assert Membership.objects.get(programme=programme, user=fan).units_held == 2
