"""What a programme, its tiers, a member price and a perk must satisfy, wherever they are written.

The database's check constraints are the last word (a write that breaks one
fails); these functions say the same things earlier and in words, with a
field and a stable code for each reason, so the admin (and any other writer)
can show the reason instead of failing on the constraint. Each returns a
list of `ErrorDetail`, empty when the values are acceptable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from marquee.core.exceptions import ErrorDetail

from .models import MemberPriceKind, PerkKind


class RuleCode:
    INVALID_WINDOW = "INVALID_WINDOW"
    INVALID_UNIT_PRICE = "INVALID_UNIT_PRICE"
    INVALID_UNITS = "INVALID_UNITS"
    CAP_ABOVE_TOTAL = "CAP_ABOVE_TOTAL"
    TOTAL_BELOW_COMMITTED = "TOTAL_BELOW_COMMITTED"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    INVALID_MIN_UNITS = "INVALID_MIN_UNITS"
    DUPLICATE_MIN_UNITS = "DUPLICATE_MIN_UNITS"
    DUPLICATE_SLUG = "DUPLICATE_SLUG"
    INVALID_PERCENTAGE = "INVALID_PERCENTAGE"
    NEGATIVE_PRICE = "NEGATIVE_PRICE"
    NOT_A_FIXED_PRICE_RULE = "NOT_A_FIXED_PRICE_RULE"
    VARIANT_OF_ANOTHER_FILM = "VARIANT_OF_ANOTHER_FILM"
    TIER_OF_ANOTHER_PROGRAMME = "TIER_OF_ANOTHER_PROGRAMME"
    REQUIRED = "REQUIRED"
    TOTAL_BELOW_REDEEMED = "TOTAL_BELOW_REDEEMED"
    FIXED_AFTER_BACKING = "FIXED_AFTER_BACKING"


def _error(code: str, message: str, field: str | None) -> ErrorDetail:
    return ErrorDetail(code=code, message=message, field=field)


def programme_errors(
    *,
    channel,
    currency: str,
    unit_price: Decimal | None,
    total_units: int | None,
    per_member_cap: int | None,
    opens_at,
    closes_at,
    units_committed: int = 0,
) -> list[ErrorDetail]:
    """A programme: a window that closes after it opens, a positive price, a cap within the total.

    The currency is the channel's: backers pay through the channel's
    checkout, which takes one currency. The total cannot be lowered below
    the units already committed (those belong to backers).
    """
    errors = []
    if opens_at and closes_at and closes_at <= opens_at:
        errors.append(
            _error(RuleCode.INVALID_WINDOW, "The sale must close after it opens.", "closes_at")
        )
    if unit_price is not None and unit_price <= 0:
        errors.append(
            _error(RuleCode.INVALID_UNIT_PRICE, "The unit price must be above zero.", "unit_price")
        )
    if total_units is not None and total_units <= 0:
        errors.append(
            _error(RuleCode.INVALID_UNITS, "A programme offers at least one unit.", "total_units")
        )
    if per_member_cap is not None and per_member_cap <= 0:
        errors.append(
            _error(RuleCode.INVALID_UNITS, "The cap is at least one unit.", "per_member_cap")
        )
    if total_units is not None and per_member_cap is not None and per_member_cap > total_units:
        errors.append(
            _error(
                RuleCode.CAP_ABOVE_TOTAL,
                f"The per-member cap ({per_member_cap}) cannot exceed the total ({total_units}).",
                "per_member_cap",
            )
        )
    if total_units is not None and total_units < units_committed:
        errors.append(
            _error(
                RuleCode.TOTAL_BELOW_COMMITTED,
                f"{units_committed} units are already committed; the total cannot be lower.",
                "total_units",
            )
        )
    if channel is not None and currency and currency.upper() != channel.currency_code:
        errors.append(
            _error(
                RuleCode.CURRENCY_MISMATCH,
                f"The channel {channel.slug} sells in {channel.currency_code}, not {currency}.",
                "currency",
            )
        )
    return errors


# What backers bought: once a unit is committed these no longer change.
FIXED_AFTER_BACKING = ("film", "channel", "currency", "unit_price")


def programme_change_errors(before, after: dict) -> list[ErrorDetail]:
    """A programme with units committed keeps its film, channel, currency and unit price.

    Subscriptions already record what was bought at what price; a programme
    whose terms changed underneath them would describe other backing.
    ``before`` is the stored programme, ``after`` the values about to be saved.
    """
    if before is None or not before.units_committed:
        return []
    errors = []
    for name in FIXED_AFTER_BACKING:
        if name in after and after[name] != getattr(before, name):
            errors.append(
                _error(
                    RuleCode.FIXED_AFTER_BACKING,
                    f"{before.units_committed} units are committed: the {name.replace('_', ' ')} "
                    "can no longer change.",
                    name,
                )
            )
    return errors


def tier_errors(tiers: Iterable[tuple[str, int | None]]) -> list[ErrorDetail]:
    """A programme's tiers, as (slug, min_units): thresholds of at least 1, each used once."""
    tiers = list(tiers)
    errors = []
    if any(floor is not None and floor < 1 for _slug, floor in tiers):
        errors.append(
            _error(RuleCode.INVALID_MIN_UNITS, "A tier starts at 1 unit or more.", "min_units")
        )
    floors = Counter(floor for _slug, floor in tiers if floor is not None)
    repeated = sorted(floor for floor, n in floors.items() if n > 1)
    if repeated:
        errors.append(
            _error(
                RuleCode.DUPLICATE_MIN_UNITS,
                "Two tiers cannot start at the same number of units "
                f"({', '.join(map(str, repeated))}).",
                "min_units",
            )
        )
    slugs = Counter(slug for slug, _floor in tiers if slug)
    if any(n > 1 for n in slugs.values()):
        errors.append(_error(RuleCode.DUPLICATE_SLUG, "Each tier needs its own slug.", "slug"))
    return errors


def price_rule_errors(
    *, programme, tier, kind: str, percentage: Decimal | None, starts_at, ends_at
) -> list[ErrorDetail]:
    """A member price rule: a percentage in (0, 100] or a fixed-price rule, for its own tiers."""
    errors = []
    if kind == MemberPriceKind.PERCENTAGE:
        if percentage is None or not (Decimal(0) < percentage <= Decimal(100)):
            errors.append(
                _error(
                    RuleCode.INVALID_PERCENTAGE,
                    "A percentage off is above 0 and at most 100.",
                    "percentage",
                )
            )
    elif percentage is not None:
        errors.append(
            _error(
                RuleCode.INVALID_PERCENTAGE,
                "A fixed-price rule takes its prices per variant, not a percentage.",
                "percentage",
            )
        )
    if programme is not None and tier is not None and tier.programme_id != programme.pk:
        errors.append(
            _error(
                RuleCode.TIER_OF_ANOTHER_PROGRAMME,
                f"The tier {tier} belongs to another programme.",
                "tier",
            )
        )
    if starts_at and ends_at and ends_at <= starts_at:
        errors.append(
            _error(RuleCode.INVALID_WINDOW, "The rule must end after it starts.", "ends_at")
        )
    return errors


def variant_price_errors(*, rule, variant, price: Decimal | None) -> list[ErrorDetail]:
    """A fixed member price: not below zero, on a fixed-price rule, for the programme's film."""
    errors = []
    if price is not None and price < 0:
        errors.append(
            _error(RuleCode.NEGATIVE_PRICE, "A member price cannot be below zero.", "price")
        )
    if rule is not None and rule.kind != MemberPriceKind.FIXED_PRICE:
        errors.append(
            _error(
                RuleCode.NOT_A_FIXED_PRICE_RULE,
                "Prices per variant belong to a fixed-price rule.",
                "price",
            )
        )
    if rule is not None and variant is not None and rule.programme_id:
        film_id = variant.product.film_id
        if film_id != rule.programme.film_id:
            errors.append(
                _error(
                    RuleCode.VARIANT_OF_ANOTHER_FILM,
                    f"{variant} is not merchandise of the programme's film.",
                    "variant",
                )
            )
    return errors


_KIND_NEEDS = {
    PerkKind.MEMBER_VARIANT: ("variant", "A member-only item names its variant."),
    PerkKind.DISCOUNT_CODE: ("voucher", "A discount code perk names its voucher."),
    PerkKind.MEET_AND_GREET: ("entries_close_at", "A lottery needs the time its entries close."),
}


def perk_errors(
    *,
    programme,
    tier,
    kind: str,
    values: dict,
    total_quantity: int | None,
    redeemed: int = 0,
) -> list[ErrorDetail]:
    """A perk: what its kind needs (variant, voucher, lottery close), its own programme's tier."""
    errors = []
    needs = _KIND_NEEDS.get(kind)
    if needs and not values.get(needs[0]):
        errors.append(_error(RuleCode.REQUIRED, needs[1], needs[0]))
    if programme is not None and tier is not None and tier.programme_id != programme.pk:
        errors.append(
            _error(
                RuleCode.TIER_OF_ANOTHER_PROGRAMME,
                f"The tier {tier} belongs to another programme.",
                "tier",
            )
        )
    variant = values.get("variant")
    if (
        kind == PerkKind.MEMBER_VARIANT
        and variant is not None
        and programme is not None
        and variant.product.film_id != programme.film_id
    ):
        errors.append(
            _error(
                RuleCode.VARIANT_OF_ANOTHER_FILM,
                f"{variant} is not merchandise of the programme's film.",
                "variant",
            )
        )
    if total_quantity is not None and total_quantity < redeemed:
        errors.append(
            _error(
                RuleCode.TOTAL_BELOW_REDEEMED,
                f"{redeemed} have been redeemed; the total cannot be lower.",
                "total_quantity",
            )
        )
    closes = values.get("entries_close_at")
    expires = values.get("expires_at")
    if kind == PerkKind.MEET_AND_GREET and closes and expires and closes > expires:
        errors.append(
            _error(
                RuleCode.INVALID_WINDOW,
                "Lottery entries must close before the perk expires.",
                "entries_close_at",
            )
        )
    return errors
