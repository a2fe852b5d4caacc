"""Price variants for (channel, country, viewer, quantity, moment), many at once.

The catalogue, checkout and order lines all take their prices from
`price_variants`, so what a product page shows is what checkout charges
and what the order line records. Rounding (ROUND_HALF_UP to the currency's
minor unit, `money.quantize_price`) happens only at these points:

1. List unit price ``L = round(listing.price_amount)``, in the channel's
   entered mode (gross when `channel.prices_entered_with_tax`, else net);
   zero when the variant has no listing in the channel.
2. Each registered price rule, in its declared order, takes a unit
   discount ``d = round(...)`` off the price the rules before it left
   (a percentage of that price, a fixed amount, or down to a target price),
   clamped to ``[0, price left]`` with the clamp recorded (see `rules.py`).
   Unit price after rules ``U = L - sum(d)``; never below zero.
3. Taxes (`taxes.taxed`) at the rate of the delivery country ``r``, on the
   exact amount ``U * quantity`` (or ``L * quantity`` for the undiscounted
   figure): gross channel ``gross = U*q``, ``net = round(U*q / (1 + r))``;
   net channel ``net = U*q``, ``gross = round(U*q * (1 + r))``.

Statements: one per rule that has a batch hook (``prepare``), for the whole
batch; none for the rules themselves or the arithmetic. The tax rate is
looked up once per (channel object, country), or read from the channel's
own row (`taxes.with_default_tax_rate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from django.utils import timezone
from prices import Money, TaxedMoney

from . import taxes
from .money import quantize_price, zero
from .rules import PriceRule, RuleCandidate, registered_rules


@dataclass(frozen=True)
class PricingContext:
    """Who is buying where and when: the same for every variant of a batch."""

    channel: object
    country: str
    viewer: object | None  # the requesting user, None when nobody is signed in
    moment: datetime
    tax_rate: Decimal  # percent

    @property
    def currency(self) -> str:
        return self.channel.currency_code

    @property
    def entered_with_tax(self) -> bool:
        return self.channel.prices_entered_with_tax


def pricing_context(
    channel, *, country: str | None = None, viewer=None, moment=None, tax_rate=None
) -> PricingContext:
    """A context for `channel`; the channel's default country when none is given."""
    country = country or getattr(channel.default_country, "code", channel.default_country)
    if viewer is not None and not getattr(viewer, "is_authenticated", False):
        viewer = None
    return PricingContext(
        channel=channel,
        country=country,
        viewer=viewer,
        moment=moment or timezone.now(),
        tax_rate=taxes.rate_for(channel, country) if tax_rate is None else Decimal(tax_rate),
    )


@dataclass(frozen=True)
class PriceRequest:
    """One variant to price: its listing in the channel (or None) and the quantity."""

    variant_id: int
    product_id: int
    listing: object | None  # ProductVariantChannelListing
    quantity: int = 1


@dataclass(frozen=True)
class RuleApplication:
    """A rule that lowered a unit price, by how much, and why."""

    key: str
    name: str
    reason: str
    kind: str  # rules.FIXED, PERCENTAGE or TARGET
    value: Decimal  # what the rule asked (amount, percent or target price)
    unit_amount: Money  # the unit discount actually taken, entered mode
    clamped: bool = False


@dataclass(frozen=True)
class VariantPrice:
    request: PriceRequest
    context: PricingContext
    list_unit: Money  # point 1
    unit: Money  # point 2
    applications: tuple[RuleApplication, ...] = field(default=())

    @property
    def quantity(self) -> int:
        return self.request.quantity

    @property
    def on_sale(self) -> bool:
        return self.unit.amount < self.list_unit.amount

    def _taxed(self, amount: Decimal) -> TaxedMoney:
        ctx = self.context
        return taxes.taxed(amount, ctx.tax_rate, ctx.entered_with_tax, ctx.currency)

    @cached_property
    def price_undiscounted(self) -> TaxedMoney:
        """One unit at the list price, taxed (point 3, quantity 1)."""
        return self._taxed(self.list_unit.amount)

    @cached_property
    def price(self) -> TaxedMoney:
        """One unit after rules, taxed (point 3, quantity 1)."""
        return self._taxed(self.unit.amount)

    @cached_property
    def discount(self) -> TaxedMoney | None:
        """Per unit, what the rules took off (None when nothing was)."""
        return self.price_undiscounted - self.price if self.on_sale else None

    def undiscounted_total(self, quantity: int | None = None) -> TaxedMoney:
        return self._taxed(self.list_unit.amount * (quantity or self.quantity))

    def total(self, quantity: int | None = None) -> TaxedMoney:
        return self._taxed(self.unit.amount * (quantity or self.quantity))


def _apply(rule: PriceRule, state, candidate: RuleCandidate, currency: str):
    adjustment = rule.apply(candidate, state)
    if adjustment is None:
        return None
    current = candidate.current_price
    asked = adjustment.discount(current, currency)
    taken = min(max(asked, Decimal(0)), current)
    clamped = taken != asked
    if taken == 0 and not clamped:
        return None
    reason = adjustment.reason
    if clamped:
        limit = "the remaining price" if asked > current else "zero: rules never raise a price"
        reason = f"{reason} (limited to {limit})"
    return RuleApplication(
        key=rule.key,
        name=rule.name,
        reason=reason,
        kind=adjustment.kind,
        value=adjustment.value,
        unit_amount=Money(taken, currency),
        clamped=clamped,
    )


def price_variants(requests: Sequence[PriceRequest], context: PricingContext) -> list[VariantPrice]:
    """Price every request (module docstring), in the order given."""
    currency = context.currency
    rules = registered_rules()
    states = [rule.prepare(requests, context) if rule.prepare else None for rule in rules]
    results = []
    for request in requests:
        listing = request.listing
        list_unit = (
            quantize_price(listing.price_amount, currency)
            if listing is not None
            else zero(currency)
        )
        current = list_unit.amount
        applications = []
        if listing is not None:
            for rule, state in zip(rules, states, strict=True):
                candidate = RuleCandidate(
                    request=request,
                    context=context,
                    list_price=list_unit.amount,
                    current_price=current,
                )
                applied = _apply(rule, state, candidate, currency)
                if applied is not None:
                    applications.append(applied)
                    current -= applied.unit_amount.amount
        results.append(
            VariantPrice(
                request=request,
                context=context,
                list_unit=list_unit,
                unit=Money(current, currency),
                applications=tuple(applications),
            )
        )
    return results


def price_variant(request: PriceRequest, context: PricingContext) -> VariantPrice:
    return price_variants([request], context)[0]
