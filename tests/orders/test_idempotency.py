"""A retried checkoutComplete or transactionInitialize under one key returns the first answer."""

import threading

import pytest
from django.db import connection, transaction

from marquee.core import idempotency
from marquee.core.exceptions import DomainError
from marquee.core.models import IdempotencyKey
from marquee.merch import models as m

from .conftest import OFFLINE, checkout_id

COMPLETE_WITH_KEY = """
mutation($id: ID!, $key: String) {
  checkoutComplete(id: $id, idempotencyKey: $key) {
    order { id number }
    errors { field code message }
  }
}
"""

INITIALIZE = """
mutation($id: ID!, $gw: PaymentGatewayToInitialize!) {
  transactionInitialize(id: $id, paymentGateway: $gw) {
    transaction { id }
    errors { field code message }
  }
}
"""


def _complete(gql, checkout, key=None, **headers):
    response = gql.post(
        {"query": COMPLETE_WITH_KEY, "variables": {"id": checkout_id(checkout), "key": key}},
        **headers,
    )
    assert response.status_code == 200
    return response.json()["data"]["checkoutComplete"]


def test_the_same_key_returns_the_same_order(shop, gql):
    (tee,) = shop.variants("Key Tee", stock=5)
    checkout = shop.checkout([(tee, 1)])
    shop.pay(checkout)
    first = _complete(gql, checkout, key="order-key-1")
    again = _complete(gql, checkout, key="order-key-1")
    assert first["errors"] == [] and again["errors"] == []
    assert again["order"]["id"] == first["order"]["id"]
    assert m.Order.objects.count() == 1
    assert m.Stock.objects.get(product_variant=tee).quantity_allocated == 1


def test_the_header_is_a_key_too(shop, gql):
    (tee,) = shop.variants("Header Tee", stock=5)
    checkout = shop.checkout([(tee, 1)])
    shop.pay(checkout)
    first = _complete(gql, checkout, HTTP_IDEMPOTENCY_KEY="header-key")
    again = _complete(gql, checkout, HTTP_IDEMPOTENCY_KEY="header-key")
    assert first["order"]["id"] == again["order"]["id"]
    assert IdempotencyKey.objects.filter(key="header-key", scope="checkout.complete").count() == 1


def test_a_key_used_for_another_checkout_is_refused(shop, gql):
    (tee,) = shop.variants("Reuse Tee", stock=5)
    one, two = shop.checkout([(tee, 1)]), shop.checkout([(tee, 1)])
    shop.pay(one)
    shop.pay(two)
    assert _complete(gql, one, key="shared")["errors"] == []
    refused = _complete(gql, two, key="shared")
    assert refused["order"] is None
    assert refused["errors"] == [
        {
            "field": "idempotencyKey",
            "code": "IDEMPOTENCY_KEY_REUSED",
            "message": "This idempotency key was already used for a different request.",
        }
    ]
    assert m.Order.objects.count() == 1
    assert m.Checkout.objects.filter(pk=two.pk).exists()  # nothing of it was written


def test_a_refused_attempt_leaves_the_key_free(shop, gql):
    (tee,) = shop.variants("Unpaid Tee", stock=5)
    checkout = shop.checkout([(tee, 1)])
    refused = _complete(gql, checkout, key="try-again")
    assert refused["errors"][0]["code"] == "CHECKOUT_NOT_FULLY_PAID"
    assert not IdempotencyKey.objects.filter(key="try-again").exists()
    shop.pay(checkout)
    assert _complete(gql, checkout, key="try-again")["order"] is not None


def test_a_key_too_long_or_unprintable_is_a_field_error(shop, gql):
    (tee,) = shop.variants("Long Key Tee", stock=5)
    checkout = shop.checkout([(tee, 1)])
    shop.pay(checkout)
    for key in ["k" * 256, "bad\nkey"]:
        answer = _complete(gql, checkout, key=key)
        assert answer["errors"][0]["code"] == "INVALID_IDEMPOTENCY_KEY"
        assert answer["errors"][0]["field"] == "idempotencyKey"
    assert m.Order.objects.count() == 0


def test_transaction_initialize_takes_the_header(shop, gql):
    (tee,) = shop.variants("Pay Tee", stock=5)
    checkout = shop.checkout([(tee, 1)])
    variables = {"id": checkout_id(checkout), "gw": {"id": OFFLINE}}
    answers = [
        gql.post(
            {"query": INITIALIZE, "variables": variables}, HTTP_IDEMPOTENCY_KEY="pay-once"
        ).json()["data"]["transactionInitialize"]
        for _ in range(2)
    ]
    assert answers[0]["errors"] == [] and answers[1]["errors"] == []
    assert answers[0]["transaction"]["id"] == answers[1]["transaction"]["id"]
    assert m.TransactionItem.objects.filter(checkout=checkout).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_run_the_work_once():
    """The second attempt waits on the unique index for the first, then replays its outcome."""
    ran, started, results = [], threading.Event(), []

    def attempt(wait_for_other: bool):
        try:
            with transaction.atomic():

                def work():
                    ran.append(1)
                    started.set()
                    # Hold the claimed key while the other attempt arrives at its INSERT.
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_sleep(0.3)")
                    return {"value": 42}

                results.append(
                    idempotency.once(
                        "test.concurrent",
                        "same-key",
                        user=None,
                        arguments={"a": 1},
                        run=work,
                        outcome=lambda result: result,
                        replay=lambda refs: refs,
                    )
                )
        finally:
            connection.close()

    first = threading.Thread(target=attempt, args=(False,))
    first.start()
    started.wait(10)
    second = threading.Thread(target=attempt, args=(True,))
    second.start()
    first.join(10)
    second.join(10)
    assert len(ran) == 1
    assert sorted(replayed for _result, replayed in results) == [False, True]
    assert all(result == {"value": 42} for result, _ in results)


@pytest.mark.django_db
def test_keys_belong_to_their_owner():
    """A signed-in buyer's key is theirs: the same string from someone else is another key."""
    from django.contrib.auth import get_user_model

    alice = get_user_model().objects.create_user(email="alice@example.com", password="x")
    calls = []

    def run(value):
        with transaction.atomic():
            return idempotency.once(
                "test.owner",
                "k",
                user=value,
                arguments={},
                run=lambda: calls.append(1) or {"n": len(calls)},
                outcome=lambda result: result,
                replay=lambda refs: refs,
            )

    assert run(alice) == ({"n": 1}, False)
    assert run(None) == ({"n": 2}, False)
    assert run(alice) == ({"n": 1}, True)


@pytest.mark.django_db
def test_purge_forgets_old_keys(settings):
    from datetime import timedelta

    from django.utils import timezone

    IdempotencyKey.objects.create(scope="s", owner="anonymous", key="old", fingerprint="f")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=2))
    IdempotencyKey.objects.create(scope="s", owner="anonymous", key="new", fingerprint="f")
    assert idempotency.purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_fingerprint_is_canonical():
    digest = idempotency.fingerprint
    assert digest({"b": 1, "a": "x"}) == digest({"a": "x", "b": 1})
    assert digest({"a": 1}) != digest({"a": 2})


def test_no_key_means_no_bookkeeping(shop, gql):
    (tee,) = shop.variants("Plain Tee", stock=5)
    checkout = shop.checkout([(tee, 1)])
    shop.pay(checkout)
    assert _complete(gql, checkout)["order"] is not None
    assert IdempotencyKey.objects.count() == 0
    with pytest.raises(DomainError):
        idempotency.clean_key("x" * 300)
