"""Royalty terms, versioned per licence by the day they take effect, and the
exchange rates that convert royalties into a licensor's statement currency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from marquee.core.exceptions import ErrorDetail

from .. import validation
from ..models import ExchangeRate, Licence, RoyaltyCategoryRate, RoyaltyTerms, RoyaltyTier
from .history import acting_user, record


@dataclass
class TermsData:
    effective_from: date
    rate_percent: Decimal
    currency: str
    per_unit_amount: Decimal = Decimal(0)
    per_unit_minimum: Decimal | None = None
    base: str = "net"
    tier_basis: str = "none"
    tiers: list[validation.TierSpec] = field(default_factory=list)
    tier_mode: str = "marginal"
    # (category, rate_percent): a rate per product category, replacing rate_percent there.
    category_rates: list[tuple] = field(default_factory=list)
    advance_amount: Decimal = Decimal(0)
    advance_recoupable: bool = True
    minimum_guarantee: Decimal = Decimal(0)
    exchange_rate_source: str = ""
    exchange_rate_date: str = "transaction"


def terms_errors(licence: Licence, data: TermsData) -> list[ErrorDetail]:
    errors = validation.percentage(data.rate_percent, "rate_percent", "The royalty rate")
    errors += validation.currency(data.currency)
    errors += validation.non_negative(
        data.per_unit_amount, "per_unit_amount", "The per-unit amount"
    )
    errors += validation.non_negative(
        data.per_unit_minimum, "per_unit_minimum", "The per-unit minimum"
    )
    errors += validation.non_negative(data.advance_amount, "advance_amount", "The advance")
    errors += validation.non_negative(
        data.minimum_guarantee, "minimum_guarantee", "The minimum guarantee"
    )
    if data.effective_from is None:
        errors.append(ErrorDetail("REQUIRED", "Terms need an effective date.", "effective_from"))
    elif not licence.term_start <= data.effective_from <= licence.term_end:
        errors.append(
            ErrorDetail(
                "INVALID",
                f"Terms must take effect within the licence term ({licence.term_start} to "
                f"{licence.term_end}), not on {data.effective_from}.",
                "effective_from",
            )
        )
    elif RoyaltyTerms.objects.filter(licence=licence, effective_from=data.effective_from).exists():
        errors.append(
            ErrorDetail(
                "UNIQUE",
                f"Terms taking effect on {data.effective_from} already exist for this licence.",
                "effective_from",
            )
        )
    for _category, rate in data.category_rates:
        errors += validation.percentage(rate, "category_rates", "A category rate")
    if data.tier_mode not in ("marginal", "retroactive"):
        errors.append(
            ErrorDetail("INVALID", "The tier mode is marginal or retroactive.", "tier_mode")
        )
    if data.tier_basis == "none" and data.tiers:
        errors.append(
            ErrorDetail("INVALID_TIERS", "Tiers need a basis: units or revenue.", "tier_basis")
        )
    elif data.tier_basis != "none":
        if not data.tiers:
            errors.append(
                ErrorDetail("INVALID_TIERS", "A tier basis is set but no tiers are given.", "tiers")
            )
        errors += validation.tiers(data.tiers)
    foreign_currency = data.currency and data.currency != licence.licensor.statement_currency
    if foreign_currency and not data.exchange_rate_source.strip():
        errors.append(
            ErrorDetail(
                "REQUIRED",
                f"Terms in {data.currency} for a licensor paid in "
                f"{licence.licensor.statement_currency} need an exchange-rate source.",
                "exchange_rate_source",
            )
        )
    return errors


@transaction.atomic
def add_royalty_terms(licence: Licence, data: TermsData, actor=None) -> RoyaltyTerms:
    """A new version of a licence's royalty terms, in force from `effective_from`."""
    licence = (
        Licence.objects.select_for_update(of=("self",))
        .select_related("licensor")
        .get(pk=licence.pk)
    )
    validation.raise_if(terms_errors(licence, data))
    terms = RoyaltyTerms.objects.create(
        licence=licence,
        created_by=acting_user(actor),
        **{
            name: getattr(data, name)
            for name in TermsData.__dataclass_fields__
            if name not in ("tiers", "category_rates")
        },
    )
    RoyaltyTier.objects.bulk_create(
        RoyaltyTier(
            terms=terms,
            lower_bound=tier.lower_bound,
            upper_bound=tier.upper_bound,
            rate_percent=tier.rate_percent,
        )
        for tier in data.tiers
    )
    RoyaltyCategoryRate.objects.bulk_create(
        RoyaltyCategoryRate(terms=terms, category=category, rate_percent=rate)
        for category, rate in data.category_rates
    )
    before = {"royalty_terms": ""}
    after = {"royalty_terms": f"version from {terms.effective_from}: {terms.rate_percent} %"}
    record(licence, before, after, actor)
    return terms


@transaction.atomic
def set_exchange_rate(*, source: str, base: str, quote: str, on: date, rate: Decimal):
    errors = validation.currency(base, "base_currency") + validation.currency(
        quote, "quote_currency"
    )
    if rate is None or Decimal(rate) <= 0:
        errors.append(ErrorDetail("INVALID", "An exchange rate must be above 0.", "rate"))
    if not source.strip():
        errors.append(ErrorDetail("REQUIRED", "An exchange rate needs its source.", "source"))
    validation.raise_if(errors)
    row, _ = ExchangeRate.objects.update_or_create(
        source=source, base_currency=base, quote_currency=quote, date=on, defaults={"rate": rate}
    )
    return row
