"""What staff pay out: advances under a licence, and royalty payments to a licensor.

Both are journal entries keyed by the payment's reference, so recording the
same payment twice records it once. An advance sits in ADVANCE_PREPAID
(Marquee's asset) until period closes recoup it from royalties; a payment
settles what the licensor is owed in the statement currency and may not
exceed it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from marquee.core.exceptions import DomainError

from ..models import AccountKind, EntryKind, JournalEntry, Licence, Licensor
from .ledger import Leg, payable, post_entry
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


@transaction.atomic
def record_advance_payment(
    licence: Licence, *, amount: Decimal, paid_on: date, reference: str, user=None
) -> JournalEntry:
    """An advance paid under a licence, in its terms' currency (ADVANCE entry)."""
    amount = _check(amount, reference)
    terms = terms_at(licence, paid_on) or licence.royalty_terms.order_by("effective_from").first()
    if terms is None:
        raise DomainError.single(
            NO_ROYALTY_TERMS, f"Licence {licence.reference} has no royalty terms.", "licence"
        )
    key = f"advance:{licence.pk}:{reference.strip()}"
    memo = f"Advance {reference.strip()}" + (f" recorded by {user}" if user else "")
    post_entry(
        kind=EntryKind.ADVANCE,
        licensor=licence.licensor,
        licence=licence,
        effective_date=paid_on,
        key=key,
        memo=memo,
        legs=[
            Leg(AccountKind.ADVANCE_PREPAID, amount, terms.currency, licence),
            Leg(AccountKind.CASH, -amount, terms.currency, licence),
        ],
    )
    return JournalEntry.objects.get(key=key)


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
    currency = currency or licensor.statement_currency
    key = f"payment:{licensor.pk}:{reference.strip()}"
    existing = JournalEntry.objects.filter(key=key).first()
    if existing is not None:
        return existing
    Licensor.objects.select_for_update().get(pk=licensor.pk)  # one payment at a time
    owed = payable(licensor, currency)
    if amount > owed:
        raise DomainError.single(
            PAYMENT_EXCEEDS_BALANCE,
            f"{licensor} is owed {owed} {currency}; a payment of {amount} would overpay.",
            "amount",
        )
    memo = f"Payment {reference.strip()}" + (f" recorded by {user}" if user else "")
    return post_entry(
        kind=EntryKind.PAYMENT,
        licensor=licensor,
        licence=None,
        effective_date=paid_on,
        key=key,
        memo=memo,
        legs=[
            Leg(AccountKind.ROYALTY_PAYABLE, amount, currency),
            Leg(AccountKind.CASH, -amount, currency),
        ],
    )
