"""Staff record advances and royalty payments through the API; nobody else can."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from marquee.licensing.models import JournalEntry, RoyaltyPayment
from marquee.licensing.statements.ledger import payable

from .factories import sale

pytestmark = pytest.mark.django_db

ADVANCE = """
mutation ($licence: ID!, $amount: Decimal!, $paidOn: Date!, $reference: String!) {
  royaltyAdvanceRecord(licence: $licence, amount: $amount, paidOn: $paidOn,
                       reference: $reference) {
    payment { kind amount currency paidOn reference journalEntryKey licence { reference } }
    errors { field code message }
  }
}
"""

PAYMENT = """
mutation ($licensor: ID!, $amount: Decimal!, $paidOn: Date!, $reference: String!) {
  royaltyPaymentRecord(licensor: $licensor, amount: $amount, paidOn: $paidOn,
                       reference: $reference) {
    payment { kind amount currency reference licensor { slug } licence { reference } }
    errors { field code message }
  }
}
"""


def advance(client, licence, amount="500", reference="WIRE-1"):
    variables = {
        "licence": to_global_id("Licence", licence.pk),
        "amount": amount,
        "paidOn": "2024-04-02",
        "reference": reference,
    }
    return client.run(ADVANCE, variables)["data"]["royaltyAdvanceRecord"]


def pay(client, licensor, amount, reference="WIRE-9"):
    variables = {
        "licensor": to_global_id("Licensor", licensor.pk),
        "amount": amount,
        "paidOn": "2025-05-02",
        "reference": reference,
    }
    return client.run(PAYMENT, variables)["data"]["royaltyPaymentRecord"]


def test_staff_record_an_advance_once_per_reference(register, licence):
    staff = register.client("staff")
    first = advance(staff, licence)
    assert first["errors"] == []
    assert first["payment"] == {
        "kind": "ADVANCE",
        "amount": "500.0000",
        "currency": "CNY",
        "paidOn": "2024-04-02",
        "reference": "WIRE-1",
        "journalEntryKey": f"advance:{licence.pk}:WIRE-1",
        "licence": {"reference": "A-ROY"},
    }
    again = advance(staff, licence)
    assert again == first
    assert RoyaltyPayment.objects.count() == 1
    assert JournalEntry.objects.filter(kind="advance").count() == 1


def test_a_payment_settles_at_most_what_is_owed(register, shop, licence):
    sale(shop, licence, on=date(2025, 1, 10), quantity=3)  # 30.00 owed
    staff = register.client("staff")
    over = pay(staff, register.licensor_a, "30.01")
    assert over["payment"] is None
    assert [e["code"] for e in over["errors"]] == ["PAYMENT_EXCEEDS_BALANCE"]
    done = pay(staff, register.licensor_a, "30.00")
    assert done["errors"] == [] and done["payment"]["kind"] == "ROYALTY"
    assert done["payment"]["licence"] is None
    assert payable(register.licensor_a, "CNY") == Decimal(0)


@pytest.mark.parametrize(
    ("amount", "reference", "code", "field"),
    [
        ("0", "W", "AMOUNT_NOT_POSITIVE", "amount"),
        ("-5", "W", "AMOUNT_NOT_POSITIVE", "amount"),
        ("1.00001", "W", "AMOUNT_NOT_POSITIVE", "amount"),
        ("10", "   ", "REFERENCE_REQUIRED", "reference"),
    ],
)
def test_bad_amounts_and_references_post_nothing(register, licence, amount, reference, code, field):
    result = advance(register.client("staff"), licence, amount=amount, reference=reference)
    assert result["payment"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    assert not RoyaltyPayment.objects.exists() and not JournalEntry.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "customer", "licensor_a"])
def test_only_staff_record_payments(register, licence, role):
    result = advance(register.client(role), licence)
    assert result["payment"] is None
    assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    assert not RoyaltyPayment.objects.exists()


def test_an_unknown_licence_is_not_found(register, licence):
    staff = register.client("staff")
    variables = {
        "licence": to_global_id("Licence", licence.pk + 999),
        "amount": "5",
        "paidOn": "2024-04-02",
        "reference": "W",
    }
    result = staff.run(ADVANCE, variables)["data"]["royaltyAdvanceRecord"]
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("NOT_FOUND", "licence")]
