"""Price rules: the extension point that lowers a variant's price for a buyer.

A price rule is a registration in `price_rules` (a `marquee.core.registry`
Registry): a key (stable, recorded on every order line it prices), a name
(shown to the buyer), an explicit `order` (lower runs first, each rule sees
the price the rules before it left) and two functions:

- ``prepare(requests, context)`` - the batch hook, optional: called once per
  pricing batch (a catalogue page of 100 products, a checkout) with every
  variant about to be priced; it loads what the rule needs in one statement
  (a member price rule loads the viewer's memberships here) and returns any
  state;
- ``apply(candidate, state)`` - called per variant, with no database access,
  returns an `Adjustment` (or None: the rule does not apply).

A rule sees the viewer (the requesting user, or None), channel, country,
quantity and moment through `candidate` (a `RuleCandidate`).

Amounts are per unit, in the channel's entered mode (gross where
`channel.prices_entered_with_tax`, else net); taxes are applied after every
rule (`pipeline.py`).

**Below zero: clamped, with the reason recorded.** An amount is only known
at pricing time (a percentage of a price the rules before it lowered, a
fixed amount larger than a cheap variant), so a registration cannot be
refused in advance. A discount larger than the price still left is cut to
that price (the unit costs 0) and a negative one (a rule may not raise a
price) to 0; the application then records ``clamped=True`` and its reason
says so, e.g. "Launch week (limited to the remaining price)". Nothing is
ever priced below zero.

Apps register from their ``AppConfig.ready()``; registering the same key
with the same function again changes nothing, another function under a
taken key is a programming error. An example (the members app's rule will
look like this)::

    from marquee.merch.pricing.rules import Adjustment, register_price_rule

    def backed_products(requests, context):
        if context.viewer is None:
            return set()
        return set(Product.objects.filter(                    # one statement
            pk__in={r.product_id for r in requests},
            film__memberships__user=context.viewer,
        ).values_list("pk", flat=True))

    @register_price_rule(order=MEMBERS, key="member-price", name="Member price",
                         prepare=backed_products)
    def member_price(candidate, product_ids):
        if candidate.product_id in product_ids:
            return Adjustment.percentage(50, "Backer of the film: you pay half")
        return None
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marquee.core.registry import Registry

from .money import quantize_price

# Order bands (lower runs first): merch's own promotions, then member prices.
PROMOTIONS = 100
MEMBERS = 400

FIXED = "fixed"
PERCENTAGE = "percentage"
TARGET = "target"


@dataclass(frozen=True)
class Adjustment:
    """What a rule asks for one unit: a discount, a percentage, or a target price."""

    kind: str  # FIXED, PERCENTAGE or TARGET
    value: Decimal
    reason: str

    @classmethod
    def fixed(cls, amount, reason: str) -> Adjustment:
        """Take `amount` off the unit price."""
        return cls(FIXED, Decimal(amount), reason)

    @classmethod
    def percentage(cls, percent, reason: str) -> Adjustment:
        """Take `percent` % of the price the rules before this one left."""
        return cls(PERCENTAGE, Decimal(percent), reason)

    @classmethod
    def price(cls, amount, reason: str) -> Adjustment:
        """Sell the unit at `amount` (e.g. a member price of 50 where others pay 100)."""
        return cls(TARGET, Decimal(amount), reason)

    def discount(self, current: Decimal, currency: str) -> Decimal:
        """The unit discount before clamping, rounded once (pipeline point 2)."""
        if self.kind == PERCENTAGE:
            raw = current * self.value / 100
        elif self.kind == TARGET:
            raw = current - self.value
        else:
            raw = self.value
        return quantize_price(raw, currency).amount


@dataclass(frozen=True)
class PriceRule:
    key: str
    name: str
    apply: Callable[[Any, Any], Adjustment | None]
    prepare: Callable[[Sequence[Any], Any], Any] | None = None

    def __call__(self, candidate, state):
        return self.apply(candidate, state)


@dataclass(frozen=True)
class RuleCandidate:
    """One variant as a rule sees it, at the price the earlier rules left."""

    request: Any  # pipeline.PriceRequest
    context: Any  # pipeline.PricingContext
    list_price: Decimal  # rounded unit price as listed, entered mode
    current_price: Decimal  # after the rules before this one

    @property
    def viewer(self):
        return self.context.viewer

    @property
    def channel(self):
        return self.context.channel

    @property
    def country(self) -> str:
        return self.context.country

    @property
    def moment(self):
        return self.context.moment

    @property
    def quantity(self) -> int:
        return self.request.quantity

    @property
    def variant_id(self) -> int:
        return self.request.variant_id

    @property
    def product_id(self) -> int:
        return self.request.product_id

    @property
    def listing(self):
        return self.request.listing


price_rules = Registry("price rule")


def register_price_rule(
    apply: Callable | None = None,
    *,
    order: int,
    key: str,
    name: str,
    prepare: Callable | None = None,
):
    """Add a rule (usable as a decorator); returns the `apply` function."""

    def add(fn: Callable) -> Callable:
        for entry in price_rules:
            if entry.fn.key == key:
                if entry.fn.apply is fn and entry.fn.prepare is prepare:
                    return fn
                raise ValueError(f"Price rule key {key!r} is already registered.")
        price_rules.register(
            PriceRule(key=key, name=name, apply=fn, prepare=prepare), order=order, name=key
        )
        return fn

    return add(apply) if apply is not None else add


def unregister_price_rule(key: str) -> None:
    for entry in price_rules:
        if entry.fn.key == key:
            price_rules.unregister(entry.fn)


def registered_rules() -> list[PriceRule]:
    return [entry.fn for entry in price_rules]
