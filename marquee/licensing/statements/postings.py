"""The period-end entries of one licence, and the withholding of one licensor.

Run in this order for each licence stated in a close, in the licence's
terms currency, each from the journal's balances (so a re-run, or a
corrected version of the statement, posts only what is still missing; the
journal is the ledger, or the rebuild's scratch book, see `ledger`):

1. **Guarantee true-up** (GUARANTEE_TRUE_UP) - for each contract year that
   ends in the statement window: if the royalties accrued in that year
   (accruals less reversals) are below the minimum guarantee of the terms in
   force on its last day, the shortfall is owed. Never pro-rated: a quarter
   that does not end a contract year posts none.
2. **Recoupment** (RECOUPMENT) - the unrecouped advance is taken from what
   is owed under the licence, up to both (a true-up is recouped too: an
   advance counts towards the guarantee).
3. **FX** (FX) - what is owed under the licence in another currency moves
   to the statement currency: at the rate on the period's last day
   (PERIOD_END), or (TRANSACTION) each day's accruals and reversals at that
   day's rate, anything older or dated at period end at the period-end rate.
   Rounding point: each converted day-sum, ROUND_HALF_UP to the cent.

Then, per licensor, **withholding** (WITHHOLDING) on what became owed in
the statement currency during the statement windows, at the licensor's rate
in force on the period's last day (`WithholdingRate`, else the licensor's
`withholding_tax_rate`); rounding point: the period's withholding,
ROUND_HALF_UP to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..models import (
    AccountKind,
    EntryKind,
    ExchangeRateDate,
    Licence,
    Licensor,
    RoyaltyTerms,
    WithholdingRate,
)
from . import fx
from .ledger import CENT, SQL, ZERO, Leg, payable, payable_currencies
from .periods import contract_years_ending

EARNED = (EntryKind.ACCRUAL, EntryKind.REVERSAL)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def terms_at(licence: Licence, day: date) -> RoyaltyTerms | None:
    return licence.royalty_terms.filter(effective_from__lte=day).order_by("-effective_from").first()


@dataclass
class LicenceClose:
    """What the period end posted for one licence, in the statement currency."""

    true_up: Decimal = ZERO
    recouped: Decimal = ZERO


def post_licence_period_end(
    licence: Licence,
    window_start: date,
    period_end: date,
    currency: str,
    version: int,
    journal=SQL,
) -> LicenceClose:
    result = LicenceClose()
    licensor = licence.licensor
    terms = terms_at(licence, period_end) or (
        licence.royalty_terms.order_by("effective_from").first()
    )
    if terms is None:
        return result
    tag = f"{period_end}:v{version}"
    cur = terms.currency
    for year_start, year_end in contract_years_ending(licence.term_start, window_start, period_end):
        _true_up(licence, terms_at(licence, year_end) or terms, year_start, year_end, tag, journal)
    if terms.advance_recoupable:
        _recoup(licence, terms, period_end, tag, journal)
    # What the period's statement shows: every version's postings, not only this one's.
    true_up = payable(
        licensor,
        cur,
        journal=journal,
        licence=licence,
        since=window_start,
        on_or_before=period_end,
        entry_kinds=(EntryKind.GUARANTEE_TRUE_UP,),
    )
    recouped = -payable(
        licensor,
        cur,
        journal=journal,
        licence=licence,
        since=period_end,
        on_or_before=period_end,
        entry_kinds=(EntryKind.RECOUPMENT,),
    )
    result.true_up = _to_statement(true_up, terms, currency, period_end)
    result.recouped = _to_statement(recouped, terms, currency, period_end)
    for other in payable_currencies(licensor, licence, journal):
        if other != currency:
            _convert(licence, terms, other, currency, window_start, period_end, tag, journal)
    return result


def _true_up(licence, terms, year_start, year_end, tag, journal) -> Decimal:
    if terms.minimum_guarantee <= 0:
        return ZERO
    cur = terms.currency
    earned = payable(
        licence.licensor,
        cur,
        journal=journal,
        licence=licence,
        since=year_start,
        on_or_before=year_end,
        entry_kinds=EARNED,
    )
    prefix = f"true_up:{licence.pk}:{year_start}:"
    already = payable(licence.licensor, cur, journal=journal, licence=licence, key_prefix=prefix)
    shortfall = terms.minimum_guarantee - earned - already
    if shortfall <= 0:
        return ZERO
    journal.post(
        kind=EntryKind.GUARANTEE_TRUE_UP,
        licensor=licence.licensor,
        licence=licence,
        effective_date=year_end,
        key=f"{prefix}{tag}",
        memo=f"Minimum guarantee {terms.minimum_guarantee} {cur} for the contract year "
        f"{year_start}–{year_end}; earned {earned}",
        legs=[
            Leg(AccountKind.ROYALTY_EXPENSE, shortfall, cur, licence),
            Leg(AccountKind.ROYALTY_PAYABLE, -shortfall, cur, licence),
        ],
    )
    return shortfall


def _recoup(licence, terms, period_end, tag, journal) -> Decimal:
    cur = terms.currency
    unrecouped = journal.balance(
        licence.licensor.pk,
        AccountKind.ADVANCE_PREPAID,
        cur,
        licence=licence,
        on_or_before=period_end,
    )
    owed = payable(licence.licensor, cur, journal=journal, licence=licence, on_or_before=period_end)
    amount = min(unrecouped, owed)
    if amount <= 0:
        return ZERO
    journal.post(
        kind=EntryKind.RECOUPMENT,
        licensor=licence.licensor,
        licence=licence,
        effective_date=period_end,
        key=f"recoupment:{licence.pk}:{tag}",
        memo=f"Advance recouped: {amount} {cur} of {unrecouped} unrecouped",
        legs=[
            Leg(AccountKind.ROYALTY_PAYABLE, amount, cur, licence),
            Leg(AccountKind.ADVANCE_PREPAID, -amount, cur, licence),
        ],
    )
    return amount


def _to_statement(amount: Decimal, terms, currency: str, on: date) -> Decimal:
    if not amount or terms.currency == currency:
        return amount
    return cents(amount * fx.rate(terms.currency, currency, on, terms.exchange_rate_source))


def _convert(licence, terms, source_cur, currency, window_start, period_end, tag, journal) -> None:
    owed = payable(
        licence.licensor, source_cur, journal=journal, licence=licence, on_or_before=period_end
    )
    if owed == 0:
        return
    src = terms.exchange_rate_source
    converted = ZERO
    remainder = owed
    if terms.exchange_rate_date == ExchangeRateDate.TRANSACTION:
        for day, debit in journal.daily(
            licence, AccountKind.ROYALTY_PAYABLE, source_cur, EARNED, window_start, period_end
        ):
            amount = -debit
            if amount and day != period_end:
                converted += cents(amount * fx.rate(source_cur, currency, day, src))
                remainder -= amount
    if remainder:
        converted += cents(remainder * fx.rate(source_cur, currency, period_end, src))
    journal.post(
        kind=EntryKind.FX,
        licensor=licence.licensor,
        licence=licence,
        effective_date=period_end,
        key=f"fx:{licence.pk}:{source_cur}:{tag}",
        memo=f"{owed} {source_cur} owed converted to {converted} {currency}",
        legs=[
            Leg(AccountKind.ROYALTY_PAYABLE, owed, source_cur, licence),
            Leg(AccountKind.FX, -owed, source_cur, licence),
            Leg(AccountKind.FX, converted, currency, licence),
            Leg(AccountKind.ROYALTY_PAYABLE, -converted, currency, licence),
        ],
    )


def withholding_rate(licensor: Licensor, on: date) -> Decimal:
    dated = (
        WithholdingRate.objects.filter(licensor=licensor, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("rate_percent", flat=True)
        .first()
    )
    return licensor.withholding_tax_rate if dated is None else dated


WITHHELD_BASE_KINDS = (*EARNED, EntryKind.GUARANTEE_TRUE_UP, EntryKind.RECOUPMENT, EntryKind.FX)


def post_withholding(
    licensor: Licensor,
    windows: list[tuple[Licence, date]],
    period_end: date,
    currency: str,
    version: int,
    journal=SQL,
) -> Decimal:
    """Withhold tax on what became owed in the windows; returns the period's withholding."""
    rate = withholding_rate(licensor, period_end)
    base = sum(
        (
            payable(
                licensor,
                currency,
                journal=journal,
                licence=licence,
                since=start,
                on_or_before=period_end,
                entry_kinds=WITHHELD_BASE_KINDS,
            )
            for licence, start in windows
        ),
        ZERO,
    )
    target = cents(base * rate / 100) if base > 0 and rate > 0 else ZERO
    prefix = f"withholding:{licensor.pk}:{period_end}:"
    already = journal.balance(
        licensor.pk, AccountKind.ROYALTY_PAYABLE, currency, licence=None, key_prefix=prefix
    )
    journal.post(
        kind=EntryKind.WITHHOLDING,
        licensor=licensor,
        licence=None,
        effective_date=period_end,
        key=f"{prefix}v{version}",
        memo=f"Withholding {rate}% of {base} {currency}",
        legs=[
            Leg(AccountKind.ROYALTY_PAYABLE, target - already, currency),
            Leg(AccountKind.WITHHOLDING_PAYABLE, already - target, currency),
        ],
    )
    return target
