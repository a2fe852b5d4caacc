"""Checks on licence and royalty data, as plain functions returning ErrorDetails.

Services call them before writing, so the same rule answers the admin, the
API and the demo loader with the same code and message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import list_currencies
from django_countries import countries

from marquee.core.exceptions import DomainError, ErrorDetail

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class TierSpec:
    lower_bound: Decimal
    upper_bound: Decimal | None
    rate_percent: Decimal


def raise_if(errors: Iterable[ErrorDetail]) -> None:
    errors = list(errors)
    if errors:
        raise DomainError(*errors)


def term(start, end) -> list[ErrorDetail]:
    if start is None or end is None:
        return [ErrorDetail("REQUIRED", "A licence needs a term start and a term end.", "term")]
    if end < start:
        return [
            ErrorDetail(
                "INVALID_TERM",
                f"The term ends ({end}) before it starts ({start}).",
                "term_end",
            )
        ]
    return []


def _number(value) -> Decimal | None:
    """The value as a finite Decimal, or None (NaN and Infinity compare as nothing)."""
    number = Decimal(value)
    return number if number.is_finite() else None


def percentage(value, field: str, label: str) -> list[ErrorDetail]:
    if value is None:
        return [ErrorDetail("REQUIRED", f"{label} is required.", field)]
    number = _number(value)
    if number is None or not Decimal(0) <= number <= HUNDRED:
        return [
            ErrorDetail("INVALID_RATE", f"{label} must be between 0 and 100 %, not {value}.", field)
        ]
    return []


def non_negative(value, field: str, label: str) -> list[ErrorDetail]:
    if value is not None and (_number(value) is None or Decimal(value) < 0):
        return [ErrorDetail("INVALID", f"{label} must be a number, not negative ({value}).", field)]
    return []


def territories(codes: Sequence[str]) -> list[ErrorDetail]:
    unknown = [code for code in codes if code not in countries]
    if unknown:
        return [
            ErrorDetail(
                "INVALID",
                f"Unknown country codes: {', '.join(sorted(unknown))}.",
                "territories",
            )
        ]
    if not codes:
        return [ErrorDetail("REQUIRED", "A licence needs at least one territory.", "territories")]
    return []


def currency(code: str, field: str = "currency") -> list[ErrorDetail]:
    if not code or code.upper() != code or code not in list_currencies():
        return [ErrorDetail("INVALID", f"{code!r} is not an ISO 4217 currency code.", field)]
    return []


def tiers(specs: Sequence[TierSpec]) -> list[ErrorDetail]:
    """Tiers must start at 0 and follow each other without gap or overlap.

    Each tier runs from its lower bound (inclusive) to its upper bound
    (exclusive); only the last may be open-ended.
    """
    errors: list[ErrorDetail] = []
    ordered = sorted(specs, key=lambda t: t.lower_bound)
    for index, tier in enumerate(ordered):
        errors += percentage(tier.rate_percent, "tiers", f"Tier {index + 1}'s rate")
        if tier.upper_bound is not None and tier.upper_bound <= tier.lower_bound:
            errors.append(
                ErrorDetail(
                    "INVALID_TIERS",
                    f"Tier {index + 1} ends ({tier.upper_bound}) at or before it starts "
                    f"({tier.lower_bound}).",
                    "tiers",
                )
            )
    if ordered and ordered[0].lower_bound != 0:
        errors.append(
            ErrorDetail(
                "INVALID_TIERS",
                f"The first tier must start at 0, not {ordered[0].lower_bound}.",
                "tiers",
            )
        )
    for previous, tier in zip(ordered, ordered[1:], strict=False):
        if previous.upper_bound is None:
            errors.append(
                ErrorDetail(
                    "INVALID_TIERS",
                    f"The open-ended tier from {previous.lower_bound} overlaps the tier from "
                    f"{tier.lower_bound}.",
                    "tiers",
                )
            )
        elif tier.lower_bound < previous.upper_bound:
            errors.append(
                ErrorDetail(
                    "INVALID_TIERS",
                    f"Tiers overlap: {previous.lower_bound}–{previous.upper_bound} and "
                    f"{tier.lower_bound}–{tier.upper_bound or '∞'}.",
                    "tiers",
                )
            )
        elif tier.lower_bound > previous.upper_bound:
            errors.append(
                ErrorDetail(
                    "INVALID_TIERS",
                    f"Tiers leave a gap between {previous.upper_bound} and {tier.lower_bound}.",
                    "tiers",
                )
            )
    if ordered and ordered[-1].upper_bound is not None:
        errors.append(
            ErrorDetail(
                "INVALID_TIERS",
                f"The last tier must be open-ended; volumes above {ordered[-1].upper_bound} "
                "would have no rate.",
                "tiers",
            )
        )
    return errors


def shares(values: Sequence[Decimal]) -> list[ErrorDetail]:
    """Licence shares of one product: each above 0, together exactly 100 %."""
    if not values:
        return [ErrorDetail("REQUIRED", "A product must declare at least one licence.", "licences")]
    errors = []
    for value in values:
        number = _number(value)
        if number is None or not Decimal(0) < number <= HUNDRED:
            errors.append(
                ErrorDetail(
                    "INVALID_SHARES",
                    f"A licence share must be above 0 and at most 100 %, not {value}.",
                    "licences",
                )
            )
    if any(_number(v) is None for v in values):
        return errors  # a total of NaN says nothing more
    total = sum((Decimal(v) for v in values), Decimal(0))
    if total != HUNDRED:
        errors.append(
            ErrorDetail(
                "INVALID_SHARES",
                f"Licence shares add up to {total.normalize():f} %, not 100 %.",
                "licences",
            )
        )
    return errors
