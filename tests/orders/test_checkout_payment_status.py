"""A checkout says how far it is paid, so a storefront knows when to complete it."""

from decimal import Decimal

import pytest

from .conftest import checkout_id

pytestmark = pytest.mark.django_db

STATUS = """
query($id: ID!) {
  checkout(id: $id) {
    chargeStatus authorizeStatus
    totalPrice { gross { amount } }
    totalBalance { amount currency }
  }
}
"""


def test_statuses_follow_the_transactions(shop, gql):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    before = gql.execute(STATUS, {"id": checkout_id(checkout)})["data"]["checkout"]
    total = Decimal(str(before["totalPrice"]["gross"]["amount"]))
    assert (before["chargeStatus"], before["authorizeStatus"]) == ("NONE", "NONE")
    assert Decimal(str(before["totalBalance"]["amount"])) == -total

    shop.pay(checkout, amount=Decimal("10.00"))
    partial = gql.execute(STATUS, {"id": checkout_id(checkout)})["data"]["checkout"]
    assert (partial["chargeStatus"], partial["authorizeStatus"]) == ("PARTIAL", "PARTIAL")

    shop.pay(checkout, amount=total - Decimal("10.00"))
    paid = gql.execute(STATUS, {"id": checkout_id(checkout)})["data"]["checkout"]
    assert (paid["chargeStatus"], paid["authorizeStatus"]) == ("FULL", "FULL")
    assert paid["totalBalance"]["amount"] == 0
