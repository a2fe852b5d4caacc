"""Saleor's payment figures of an order or a checkout, derived once in the domain."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from marquee.merch.models import ChargeStatus
from marquee.merch.orders import payment_status as ps

D = Decimal


def order(status=ChargeStatus.NONE, total="100", charged="0", refunded="0"):
    return SimpleNamespace(
        charge_status=status,
        total_gross_amount=D(total),
        total_charged_amount=D(charged),
        total_refunded_amount=D(refunded),
    )


@pytest.mark.parametrize(
    ("status", "charge", "payment"),
    [
        (ChargeStatus.NONE, "NONE", "NOT_CHARGED"),
        (ChargeStatus.PARTIAL, "PARTIAL", "PARTIALLY_CHARGED"),
        (ChargeStatus.FULL, "FULL", "FULLY_CHARGED"),
        (ChargeStatus.OVERCHARGED, "OVERCHARGED", "FULLY_CHARGED"),
        (ChargeStatus.PARTIALLY_REFUNDED, "PARTIAL", "PARTIALLY_REFUNDED"),
        (ChargeStatus.REFUNDED, "NONE", "FULLY_REFUNDED"),
    ],
)
def test_stored_status_in_saleors_terms(status, charge, payment):
    assert ps.order_charge_status(order(status)) == charge
    assert ps.order_payment_status(order(status))[0] == payment


def test_balance_is_negative_while_money_is_owed():
    assert ps.order_balance(order(charged="40")) == D("-60")
    assert ps.order_balance(order(charged="100")) == 0
    # 30 refunded: 70 kept against 70 owed.
    assert ps.order_balance(order(charged="70", refunded="30")) == 0
    assert ps.checkout_balance(D("100"), D("25")) == D("-75")


def test_paid_and_authorized():
    assert not ps.order_is_paid(order(charged="99.99"))
    assert ps.order_is_paid(order(charged="100"))
    held = [SimpleNamespace(authorized_value=D("60"), charged_value=D("0"))]
    assert ps.order_authorize_status(order(), held) == "PARTIAL"
    held.append(SimpleNamespace(authorized_value=D("0"), charged_value=D("40")))
    assert ps.order_authorize_status(order(), held) == "FULL"
    assert ps.order_authorize_status(order(), []) == "NONE"
    assert ps.checkout_payment_status(D("100"), D("40"), D("60")) == ("PARTIAL", "FULL")
