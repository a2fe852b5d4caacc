"""The provider is called with no row lock and no transaction open; a retry records once.

These tests run the real endpoint and the real `stripe` SDK against
localstripe, on committed data (a second database connection must see the
rows), and watch each provider call from inside it.
"""

from decimal import Decimal

import pytest
import stripe
from django.db import OperationalError, connection, connections, transaction
from graphql_relay import to_global_id

from marquee.merch import models as m
from marquee.merch.payments import services

from .conftest import ShopBuilder
from .test_stripe import STRIPE, _buyer_confirms, intent_event, post_event

INITIALIZE = """
mutation($id: ID!, $gw: PaymentGatewayToInitialize!, $key: String) {
  transactionInitialize(id: $id, paymentGateway: $gw, idempotencyKey: $key) {
    transaction { id } transactionEvent { type } data errors { field code message }
  }
}"""
PROCESS = """
mutation($id: ID!) {
  transactionProcess(id: $id) {
    transaction { id chargedAmount { amount } } transactionEvent { type } data
    errors { field code message }
  }
}"""


def probe(table: str, key_column: str, key) -> None:
    """From a second connection: lock the row without waiting; raises if anyone holds it."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                f"SELECT 1 FROM {table} WHERE {key_column} = %s FOR UPDATE NOWAIT",  # noqa: S608
                [key],
            )
            assert cursor.fetchone() == (1,)
            cursor.execute("ROLLBACK")
    finally:
        other.close()


class Watch:
    """Wraps an SDK method; before each real call, checks what the caller holds."""

    def __init__(self, monkeypatch, name, check):
        self.calls = []
        original = getattr(stripe.PaymentIntent, name)

        def watched(*args, **kwargs):
            self.calls.append(kwargs)
            check(kwargs)
            return original(*args, **kwargs)

        monkeypatch.setattr(stripe.PaymentIntent, name, watched)


def _no_transaction_and_free(checkout_token, item_token=None):
    def check(_kwargs):
        assert not connection.in_atomic_block, "a transaction is open during the provider call"
        probe("merch_checkout", "token", str(checkout_token))
        if item_token is not None:
            probe("merch_transactionitem", "token", str(item_token))

    return check


@pytest.mark.django_db(transaction=True)
def test_the_probe_sees_a_held_lock(settings):
    settings.LICENCE_GATE_ENABLED = False
    shop = ShopBuilder()
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    with transaction.atomic():
        list(m.Checkout.objects.select_for_update().filter(pk=checkout.pk))
        with pytest.raises(OperationalError):
            probe("merch_checkout", "token", str(checkout.token))


@pytest.mark.django_db(transaction=True)
def test_no_lock_or_transaction_is_held_while_stripe_is_called(
    gql, client, stripe_settings, monkeypatch
):
    shop = ShopBuilder()
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    created = Watch(monkeypatch, "create", _no_transaction_and_free(checkout.token))
    cid = to_global_id("Checkout", str(checkout.token))
    body = gql.execute(INITIALIZE, {"id": cid, "gw": {"id": STRIPE}, "key": None})
    result = body["data"]["transactionInitialize"]
    assert result["errors"] == [] and len(created.calls) == 1
    item = m.TransactionItem.objects.get()
    assert result["transactionEvent"]["type"] == "CHARGE_ACTION_REQUIRED"

    _buyer_confirms(item.psp_reference)
    retrieved = Watch(monkeypatch, "retrieve", _no_transaction_and_free(checkout.token, item.token))
    processed = gql.execute(PROCESS, {"id": result["transaction"]["id"]})
    processed = processed["data"]["transactionProcess"]
    assert processed["errors"] == [] and len(retrieved.calls) == 1
    assert processed["transactionEvent"]["type"] == "CHARGE_SUCCESS"
    assert processed["transaction"]["chargedAmount"]["amount"] == 111.0


def test_a_retry_after_a_failed_record_reuses_the_key_and_records_once(
    shop, client, stripe_settings, monkeypatch
):
    """The provider answered, then recording failed; the retry asks the same and records once."""
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    created = Watch(monkeypatch, "create", lambda kwargs: None)
    original_record = services._record
    failures = [OperationalError("connection lost")]

    def record_failing_once(*args, **kwargs):
        if failures:
            raise failures.pop()
        return original_record(*args, **kwargs)

    monkeypatch.setattr(services, "_record", record_failing_once)
    with pytest.raises(OperationalError):
        services.initialize_transaction(checkout, gateway_id=STRIPE)
    assert m.TransactionItem.objects.count() == 0
    done = services.initialize_transaction(checkout, gateway_id=STRIPE)
    first, second = created.calls
    assert first["idempotency_key"] == second["idempotency_key"]
    assert first["idempotency_key"].startswith(f"marquee-checkout-{checkout.token}-charge-111")
    assert first["metadata"] == second["metadata"]
    item = m.TransactionItem.objects.get()
    assert done.transaction == item
    assert first["metadata"]["transaction_token"] == str(item.token)

    # Stripe's webhook for the payment and a replay under another event id: one charge.
    assert post_event(client, intent_event("evt_1", item)).json() == {"status": "applied"}
    assert post_event(client, intent_event("evt_2", item)).json() == {"status": "applied"}
    item.refresh_from_db()
    assert item.charged_value == Decimal("111")
    assert item.events.filter(type="CHARGE_SUCCESS").count() == 1

    # A new attempt after a recorded one is a new payment, with a new key.
    m.TransactionItem.objects.filter(pk=item.pk).update(charged_value=0)
    services.initialize_transaction(checkout, gateway_id=STRIPE)
    assert created.calls[2]["idempotency_key"] != first["idempotency_key"]
    assert m.TransactionItem.objects.count() == 2


def test_the_same_attempt_twice_is_one_transaction_and_one_intent(
    shop, gql, stripe_settings, monkeypatch
):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    created = Watch(monkeypatch, "create", lambda kwargs: None)
    cid = to_global_id("Checkout", str(checkout.token))
    variables = {"id": cid, "gw": {"id": STRIPE}, "key": "pay-once"}
    first = gql.execute(INITIALIZE, variables)["data"]["transactionInitialize"]
    again = gql.execute(INITIALIZE, variables)["data"]["transactionInitialize"]
    assert first["transaction"]["id"] == again["transaction"]["id"]
    assert first["data"] == again["data"]
    assert len(created.calls) == 1 and m.TransactionItem.objects.count() == 1


def test_a_payment_recorded_meanwhile_is_returned_and_the_spare_intent_cancelled(
    shop, stripe_settings, monkeypatch
):
    """Two requests start the same attempt; the second to record finds the first's."""
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    gateway = services.gateway_for(STRIPE)
    original_start = gateway.start
    seen = {}

    def start_then_race(request):
        outcome = original_start(request)
        if "outer" not in seen:
            seen["outer"] = outcome.psp_reference
            # While this request is at the provider, the same attempt completes.
            seen["inner"] = services.initialize_transaction(checkout, gateway_id=STRIPE)
        return outcome

    monkeypatch.setattr(gateway, "start", start_then_race)
    outer = services.initialize_transaction(checkout, gateway_id=STRIPE)
    assert outer.transaction == seen["inner"].transaction
    assert m.TransactionItem.objects.count() == 1
    # localstripe keeps no idempotency keys, so the outer call got an intent of its own;
    # it is cancelled (with real Stripe both calls get the same intent).
    spare = stripe.PaymentIntent.retrieve(seen["outer"], api_key="sk_test_marquee")
    assert spare["id"] != outer.transaction.psp_reference
    assert spare["status"] == "canceled"
