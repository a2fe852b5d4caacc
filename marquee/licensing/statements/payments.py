"""What staff pay out: advances under a licence, and royalty payments to a licensor.

Each is first a `RoyaltyPayment` row (the source document: who paid what,
when, under which reference), then the journal entry that links to it;
recording the same reference twice records it once. An advance sits in ADVANCE_PREPAID
(Marquee's asset) until period closes recoup it from royalties; a payment
settles what the licensor is owed in the statement currency and may not
exceed it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from marquee.core.exceptions import DomainError

from ..models import (
    AccountKind,
    EntryKind,
    JournalEntry,
    Licence,
    Licensor,
    PaymentKind,
    RoyaltyPayment,
)
from .ledger import SQL, Leg, payable
from .postings import terms_at

AMOUNT_NOT_POSITIVE = "AMOUNT_NOT_POSITIVE"
REFERENCE_REQUIRED = "REFERENCE_REQUIRED"
PAYMENT_EXCEEDS_BALANCE = "PAYMENT_EXCEEDS_BALANCE"
NO_ROYALTY_TERMS = "NO_ROYALTY_TERMS"


def _check(amount: Decimal, reference: str) -> Decimal:
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.0001")):
        raise DomainError.single(
            AMOUNT_NOT_POSITIVE, "The amount must be positive, to at most 4 decimals.", "amount"
        )
    if not reference.strip():
        raise DomainError.single(
            REFERENCE_REQUIRED,
            "A payment reference (e.g. the bank transfer id) is required.",
            "reference",
        )
    return amount


def post_payment(payment: RoyaltyPayment, journal=SQL) -> JournalEntry | None:
    """The entry of a recorded payment (the rebuild replays it from the same row).

    An advance: debit ADVANCE_PREPAID, credit cash, on the licence's accounts.
    A royalty payment: debit the licensor's royalty payable, credit cash.
    """
    advance = payment.kind == PaymentKind.ADVANCE
    licence = payment.licence if advance else None
    first = AccountKind.ADVANCE_PREPAID if advance else AccountKind.ROYALTY_PAYABLE
    return journal.post(
        kind=EntryKind.ADVANCE if advance else EntryKind.PAYMENT,
        licensor=payment.licensor,
        licence=licence,
        effective_date=payment.paid_on,
        key=payment_key(payment),
        memo=f"{'Advance' if advance else 'Payment'} {payment.reference}"
        + (f" recorded by {payment.recorded_by}" if payment.recorded_by_id else ""),
        legs=[
            Leg(first, payment.amount, payment.currency, licence),
            Leg(AccountKind.CASH, -payment.amount, payment.currency, licence),
        ],
        payment=payment,
    )


def payment_key(payment: RoyaltyPayment) -> str:
    if payment.kind == PaymentKind.ADVANCE:
        return f"advance:{payment.licence_id}:{payment.reference}"
    return f"payment:{payment.licensor_id}:{payment.reference}"


def _recorded(kind, licensor, licence, reference) -> JournalEntry | None:
    found = RoyaltyPayment.objects.filter(
        kind=kind, licensor=licensor, licence=licence, reference=reference
    ).first()
    return None if found is None else JournalEntry.objects.get(payment=found)


@transaction.atomic
def record_advance_payment(
    licence: Licence, *, amount: Decimal, paid_on: date, reference: str, user=None
) -> JournalEntry:
    """An advance paid under a licence, in its terms' currency (ADVANCE entry)."""
    amount = _check(amount, reference)
    reference = reference.strip()
    terms = terms_at(licence, paid_on) or licence.royalty_terms.order_by("effective_from").first()
    if terms is None:
        raise DomainError.single(
            NO_ROYALTY_TERMS, f"Licence {licence.reference} has no royalty terms.", "licence"
        )
    Licence.objects.select_for_update().get(pk=licence.pk)  # one recording of it at a time
    existing = _recorded(PaymentKind.ADVANCE, licence.licensor, licence, reference)
    if existing is not None:
        return existing
    payment = RoyaltyPayment.objects.create(
        kind=PaymentKind.ADVANCE,
        licensor=licence.licensor,
        licence=licence,
        amount=amount,
        currency=terms.currency,
        paid_on=paid_on,
        reference=reference,
        recorded_by=user if getattr(user, "pk", None) else None,
    )
    return post_payment(payment)


@transaction.atomic
def record_royalty_payment(
    licensor: Licensor,
    *,
    amount: Decimal,
    paid_on: date,
    reference: str,
    currency: str | None = None,
    user=None,
) -> JournalEntry:
    """Royalties paid to the licensor (PAYMENT entry), at most what it is owed."""
    amount = _check(amount, reference)
    reference = reference.strip()
    currency = currency or licensor.statement_currency
    Licensor.objects.select_for_update().get(pk=licensor.pk)  # one payment at a time
    existing = _recorded(PaymentKind.ROYALTY, licensor, None, reference)
    if existing is not None:
        return existing
    owed = payable(licensor, currency)
    if amount > owed:
        raise DomainError.single(
            PAYMENT_EXCEEDS_BALANCE,
            f"{licensor} is owed {owed} {currency}; a payment of {amount} would overpay.",
            "amount",
        )
    payment = RoyaltyPayment.objects.create(
        kind=PaymentKind.ROYALTY,
        licensor=licensor,
        amount=amount,
        currency=currency,
        paid_on=paid_on,
        reference=reference,
        recorded_by=user if getattr(user, "pk", None) else None,
    )
    return post_payment(payment)
