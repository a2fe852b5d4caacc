"""The royalty arithmetic: pure functions on `Decimal`, no database.

Every rounding is `quantize_price` (ROUND_HALF_UP to the sale currency's
minor unit) and happens only at the numbered points below, so a licensor
can redo any posting by hand from the snapshot (README: "How royalties are
computed" has a worked example of each):

1. Split the line between its licences: each licence's share of the line
   base is ``b_i = round(B * s_i / 100)`` for the line's net total and its
   list total alike; the remainder ``B - sum(b_i)`` goes to the licence
   with the largest share (the lowest licence id among equals), so the
   parts add up to the line exactly.
2. The base: ``b = b_i`` of the net total (``base = net``: after price
   rules and voucher, before tax) or of the list total (``base = list``).
3. The rate (no rounding): a `RoyaltyCategoryRate` of the product's
   category or its nearest ancestor, else the terms' ``rate_percent``.
   With tiers (``tier_basis`` units or revenue), the volume of the contract
   year decides: a tier ``[lower, upper)`` holds the positions from
   ``lower`` up to ``upper``, where a unit's position is the number of units
   accrued before it in the contract year (for revenue: the base accrued
   before it); volume below the first tier earns the rate of point 3's
   first sentence. Units count the line's whole quantity; revenue counts
   ``b``. Marginal tiers: each part of the line earns its own tier's rate.
   Retroactive tiers: the whole line earns the rate of the tier reached
   (holding its last position), and see point 6.
4. The royalty: ``P = sum(part * rate / 100)`` over the parts of point 3
   (exact), ``U = per_unit_amount * q * s / 100``, ``M = per_unit_minimum
   * q * s / 100`` (``q`` the line quantity, ``s`` the share), and
   ``R = round(max(P + U, M))`` - per unit: the percentage plus the fixed
   amount, but never less than the minimum. Rounded once per line and
   licence.
5. A refund of ``k`` of the line's ``q`` units, after ``K`` units were
   refunded before, reverses ``round(R * (K + k) / q) - round(R * K / q)``
   of the accrual ``R`` (its base likewise): the rate it was earned at,
   and all refunds of a line together reverse exactly ``R``.
6. A retroactive step: when a sale lifts the year into a tier of another
   rate, each earlier sale of the contract year under the same terms
   version is recomputed at the new rate by point 4 (``round`` once per
   sale) and the differences are posted as one adjustment. The uplift is
   computed on those sales as sold; a later refund of one of them reverses
   its accrual (point 5), not its share of the uplift.

Contract year: twelve-month years counted from the licence's
``term_start`` (a year starting on 29 February starts on 28 February in
other years); a sale's year is that of its accrual date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from marquee.merch.pricing.money import quantize_price

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Tier:
    lower: Decimal
    upper: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class Terms:
    rate: Decimal
    per_unit_amount: Decimal = ZERO
    per_unit_minimum: Decimal | None = None
    base: str = "net"  # "net" or "list"
    tier_basis: str = "none"  # "none", "units", "revenue"
    tier_mode: str = "marginal"  # "marginal", "retroactive"
    tiers: tuple[Tier, ...] = ()

    @property
    def tiered(self) -> bool:
        return self.tier_basis != "none" and bool(self.tiers)


@dataclass(frozen=True)
class Royalty:
    amount: Decimal  # R, rounded (point 4)
    base: Decimal  # b (point 2)
    rate: Decimal  # the rate, or the blended rate P / b when several tiers share the line
    tier: Tier | None  # the highest tier the line reached
    parts: tuple[tuple[Decimal, Decimal], ...]  # (part of b, rate) of point 3


def rounded(amount: Decimal, currency: str) -> Decimal:
    return quantize_price(amount, currency).amount


# Point 1 -------------------------------------------------------------------


def split(total: Decimal, shares: Sequence[tuple[int, Decimal]], currency: str) -> dict:
    """``{key: part}`` of `total` by percentage shares, summing to `total` exactly."""
    parts = {key: rounded(total * share / HUNDRED, currency) for key, share in shares}
    if shares:
        largest = min(shares, key=lambda item: (-item[1], item[0]))[0]
        parts[largest] += total - sum(parts.values())
    return parts


# Contract year ----------------------------------------------------------------


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year without one
        return start.replace(year=start.year + years, day=28)


def contract_year(term_start: date, on: date) -> tuple[date, date]:
    """``[start, end)`` of the contract year holding `on`."""
    years = on.year - term_start.year
    if _anniversary(term_start, years) > on:
        years -= 1
    return _anniversary(term_start, years), _anniversary(term_start, years + 1)


# Point 3 -------------------------------------------------------------------


def tier_at(tiers: Iterable[Tier], position: Decimal) -> Tier | None:
    """The tier holding `position` (the highest whose lower bound is at or below it)."""
    found = None
    for tier in sorted(tiers, key=lambda t: t.lower):
        if tier.lower <= position:
            found = tier
    return found


def reached(terms: Terms, volume_after: Decimal) -> Tier | None:
    """The tier holding the last position of `volume_after` (None below the first tier)."""
    if not terms.tiered or volume_after <= 0:
        return None
    below = [t for t in terms.tiers if t.lower < volume_after]
    return max(below, key=lambda t: t.lower) if below else None


def _segments(terms: Terms, start: Decimal, end: Decimal, base_rate: Decimal):
    """(length, rate, tier) of the positions ``[start, end)`` split at tier bounds."""
    bounds = sorted(terms.tiers, key=lambda t: t.lower)
    cuts = sorted({start, end, *(t.lower for t in bounds if start < t.lower < end)})
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        tier = tier_at(bounds, lo)
        if tier is not None and tier.upper is not None and tier.upper <= lo:
            tier = None  # a gap after a closed tier: the base rate
        yield hi - lo, (tier.rate if tier else base_rate), tier


def parts(
    terms: Terms, base: Decimal, units: int, base_rate: Decimal, volume_before: Decimal
) -> tuple[tuple[tuple[Decimal, Decimal], ...], Tier | None]:
    """The parts of `base` and their rates (point 3), and the highest tier reached."""
    if not terms.tiered:
        return ((base, base_rate),), None
    volume = Decimal(units) if terms.tier_basis == "units" else base
    after = volume_before + volume
    if terms.tier_mode == "retroactive" or volume <= 0:
        tier = reached(terms, after)
        return ((base, tier.rate if tier else base_rate),), tier
    pieces, top = [], None
    for length, rate, tier in _segments(terms, volume_before, after, base_rate):
        part = base * length / volume if terms.tier_basis == "units" else length
        pieces.append((part, rate))
        top = tier or top
    return tuple(pieces), top


# Point 4 -------------------------------------------------------------------


def royalty_amount(pieces, units: int, share: Decimal, terms: Terms, currency: str) -> Decimal:
    percentage = sum((part * rate / HUNDRED for part, rate in pieces), ZERO)
    fraction = Decimal(units) * share / HUNDRED
    fixed = (terms.per_unit_amount or ZERO) * fraction
    amount = percentage + fixed
    if terms.per_unit_minimum is not None:
        amount = max(amount, terms.per_unit_minimum * fraction)
    return rounded(amount, currency)


def royalty(
    terms: Terms,
    *,
    base: Decimal,
    units: int,
    share: Decimal,
    base_rate: Decimal,
    volume_before: Decimal,
    currency: str,
) -> Royalty:
    """Points 3 and 4 for one line and licence."""
    pieces, tier = parts(terms, base, units, base_rate, volume_before)
    amount = royalty_amount(pieces, units, share, terms, currency)
    if len(pieces) == 1:
        rate = pieces[0][1]
    else:
        percentage = sum((part * r for part, r in pieces), ZERO)
        rate = (percentage / base).quantize(Decimal("0.0001")) if base else pieces[-1][1]
    return Royalty(amount=amount, base=base, rate=rate, tier=tier, parts=pieces)


# Point 5 -------------------------------------------------------------------


def reversal(
    accrued: Decimal, quantity: int, refunded_before: int, refunded_now: int, currency: str
) -> Decimal:
    """What a refund of `refunded_now` units reverses of an accrual (positive)."""
    after = rounded(accrued * (refunded_before + refunded_now) / quantity, currency)
    before = rounded(accrued * refunded_before / quantity, currency)
    return after - before


# Point 6 -------------------------------------------------------------------


@dataclass(frozen=True)
class EarlierSale:
    """An earlier accrual of the contract year, as point 6 needs it."""

    base: Decimal
    units: int
    share: Decimal
    rate: Decimal  # the rate it stands at now
    terms: Terms


def retroactive_step(
    earlier: Iterable[EarlierSale], new_rate: Decimal, currency: str
) -> tuple[Decimal, Decimal]:
    """(the adjustment, the base it applies to) when the year moves to `new_rate`."""
    total, base = ZERO, ZERO
    for sale in earlier:
        args = (sale.units, sale.share, sale.terms, currency)
        was = royalty_amount(((sale.base, sale.rate),), *args)
        now = royalty_amount(((sale.base, new_rate),), *args)
        total += now - was
        base += sale.base
    return total, base
