"""The offline test gateway only when enabled, never silently in production; amounts checked."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from marquee.merch import models as m
from tests.orders.conftest import OFFLINE, checkout_id

ROOT = Path(__file__).resolve().parents[2]
START = (
    "import django; django.setup(); from django.conf import settings; "
    "print('offline', settings.OFFLINE_PAYMENTS_ENABLED)"
)


def start(**env):
    """Import the settings in a fresh process, as a production start-up does."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OFFLINE_", "STRIPE_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="marquee.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="shop.example",
        DATABASE_URL="postgres://marquee:unused@127.0.0.1:1/marquee",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", START], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_production_start_up_refuses_the_offline_gateway_unless_told_twice():
    default = start()
    assert default.returncode == 0, default.stderr
    assert "offline False" in default.stdout

    refused = start(OFFLINE_PAYMENTS_ENABLED="1")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "without taking any money" in refused.stderr
    assert "OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY" in refused.stderr

    both = start(OFFLINE_PAYMENTS_ENABLED="1", OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY="1")
    assert both.returncode == 0, both.stderr
    assert "offline True" in both.stdout


GATEWAYS = "query ($id: ID!) { checkout(id: $id) { availablePaymentGateways { id } } }"
INIT_GATEWAYS = """
mutation ($id: ID!, $gw: [PaymentGatewayToInitialize!]) {
  paymentGatewayInitialize(id: $id, paymentGateways: $gw) {
    gatewayConfigs { id errors { code } } errors { field code message }
  }
}"""
INIT_WITH_AMOUNT = """
mutation ($id: ID!, $amount: PositiveDecimal) {
  paymentGatewayInitialize(id: $id, amount: $amount) { errors { field code message } }
}"""
PAY = """
mutation ($id: ID!, $amount: PositiveDecimal) {
  transactionInitialize(id: $id, amount: $amount,
                        paymentGateway: {id: "marquee.payments.offline"}) {
    transaction { id chargedAmount { amount } } errors { field code message }
  }
}"""


def test_a_disabled_offline_gateway_is_neither_offered_nor_accepted(shop, gql, settings):
    settings.OFFLINE_PAYMENTS_ENABLED = False
    (tee,) = shop.variants("Tee")
    cid = checkout_id(shop.checkout([(tee, 1)]))
    data = gql.execute(GATEWAYS, {"id": cid})["data"]
    assert data["checkout"]["availablePaymentGateways"] == []
    configs = gql.execute(INIT_GATEWAYS, {"id": cid, "gw": [{"id": OFFLINE}]})["data"]
    configs = configs["paymentGatewayInitialize"]
    assert configs["errors"] == []
    assert configs["gatewayConfigs"] == [{"id": OFFLINE, "errors": [{"code": "NOT_FOUND"}]}]
    paid = gql.execute(PAY, {"id": cid})["data"]["transactionInitialize"]
    assert [(e["code"], e["field"]) for e in paid["errors"]] == [("NOT_FOUND", "paymentGateway")]
    assert m.TransactionItem.objects.count() == 0


@pytest.mark.parametrize(
    "amount",
    [
        "1e20",
        "1e400",
        "9" * 40,
        1e20,
        "-1",
        "-0.01",
        "0",
        "NaN",
        "-NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "111.01",  # a cent more than the checkout's total
    ],
)
def test_an_amount_a_payment_cannot_be_is_refused_on_the_field(shop, gql, amount):
    (tee,) = shop.variants("Tee")
    cid = checkout_id(shop.checkout([(tee, 1)]))  # 99 + 12 shipping
    for mutation, document in (
        ("transactionInitialize", PAY),
        ("paymentGatewayInitialize", INIT_WITH_AMOUNT),
    ):
        body = gql.execute(document, {"id": cid, "amount": amount})
        errors = body["data"][mutation]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("amount", "INVALID")], errors
        assert errors[0]["message"]
    assert m.TransactionItem.objects.count() == 0


def test_an_amount_written_in_the_document_is_refused_the_same_way(shop, gql):
    (tee,) = shop.variants("Tee")
    cid = checkout_id(shop.checkout([(tee, 1)]))
    for literal in ("1e400", "9" * 40, "-5", '"NaN"'):
        document = PAY.replace(", $amount: PositiveDecimal", "").replace(
            "amount: $amount", f"amount: {literal}"
        )
        body = gql.execute(document, {"id": cid})
        errors = body["data"]["transactionInitialize"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("amount", "INVALID")], literal


def test_an_amount_that_is_no_number_is_a_request_error_not_an_internal_one(shop, gql):
    (tee,) = shop.variants("Tee")
    cid = checkout_id(shop.checkout([(tee, 1)]))
    body = gql.execute(PAY, {"id": cid, "amount": "ten"}, expect_errors=True)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_an_exact_amount_up_to_what_is_due_is_charged(shop, gql):
    (tee,) = shop.variants("Tee")
    cid = checkout_id(shop.checkout([(tee, 1)]))
    first = gql.execute(PAY, {"id": cid, "amount": "100.004"})["data"]["transactionInitialize"]
    assert first["errors"] == []
    assert first["transaction"]["chargedAmount"]["amount"] == 100.0
    rest = gql.execute(PAY, {"id": cid, "amount": 11})["data"]["transactionInitialize"]
    assert rest["errors"] == []
    done = gql.execute(PAY, {"id": cid, "amount": "0.01"})["data"]["transactionInitialize"]
    assert [(e["field"], e["code"]) for e in done["errors"]] == [("amount", "INVALID")]
