"""The member price: what a backer of a film pays for the film's merchandise.

Registered with merch's pricing pipeline (`marquee.merch.pricing.rules`) as
the rule ``member-price`` in the MEMBERS band, after merch's own
promotions, so the catalogue, checkout and order lines all see it through
the same prices the public sees, and the order line records the rule.

Which rules reach a viewer (`MemberPriceRule`):

- the rule is ``is_active`` and the pricing moment lies in its window
  (``starts_at`` inclusive, ``ends_at`` exclusive; an open end is open);
- the viewer's membership in the rule's programme holds paid units and
  its tier is the rule's tier or a higher one (tiers are cumulative, as in
  `selectors.tier_ids_for_user`);
- the variant belongs to a product of the programme's film.

A percentage rule applies in every channel; a fixed-price rule only to the
variants it lists for the channel being priced (`MemberVariantPrice`, in
the channel's entered mode, like the listing price). When several rules
reach a variant the lowest price wins; a fixed price at or above the price
the earlier rules left is not a discount and is ignored, so a member never
pays more than the public.

Statements: the batch hook loads every applicable rule and fixed price for
the whole batch in ONE statement (a UNION); nobody signed in costs none.
`apply` works on what it loaded and touches no database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
)

from marquee.merch.pricing.rules import MEMBERS, Adjustment, register_price_rule

from .models import MemberPriceKind, MemberPriceRule, Membership, MemberVariantPrice

KEY = "member-price"
NAME = "Member price"

_COLUMNS = ("r_id", "r_name", "r_pct", "r_product", "r_variant", "r_price")


@dataclass(frozen=True)
class Offer:
    """One rule's offer for a variant: a percentage off or a fixed unit price."""

    rule_id: int
    name: str
    percentage: Decimal | None = None
    price: Decimal | None = None

    def adjustment(self) -> Adjustment:
        if self.price is not None:
            return Adjustment.price(self.price, f"{self.name}: member price")
        percent = f"{self.percentage.normalize():f}"
        return Adjustment.percentage(self.percentage, f"{self.name}: {percent}% off")


@dataclass(frozen=True)
class MemberOffers:
    """What the batch hook loaded: offers by product (percentages) and by variant (fixed)."""

    by_product: dict[int, list[Offer]] = field(default_factory=dict)
    by_variant: dict[int, list[Offer]] = field(default_factory=dict)

    def for_candidate(self, product_id: int, variant_id: int) -> list[Offer]:
        return self.by_product.get(product_id, []) + self.by_variant.get(variant_id, [])


NO_OFFERS = MemberOffers()


def _reached(user_id: int, prefix: str) -> Exists:
    """The viewer holds paid units in the rule's programme at the rule's tier or above."""
    return Exists(
        Membership.objects.filter(
            user_id=user_id,
            programme_id=OuterRef(f"{prefix}programme_id"),
            units_held__gt=0,
            tier__isnull=False,
            tier__min_units__gte=OuterRef(f"{prefix}tier__min_units"),
        )
    )


def _in_force(moment, prefix: str = "") -> Q:
    return Q(
        Q(**{f"{prefix}starts_at__isnull": True}) | Q(**{f"{prefix}starts_at__lte": moment}),
        Q(**{f"{prefix}ends_at__isnull": True}) | Q(**{f"{prefix}ends_at__gt": moment}),
        **{f"{prefix}is_active": True},
    )


def offers_query(user_id: int, channel_id: int, moment, product_ids, variant_ids):
    """Every (rule, product or variant) offer for the batch, as one UNION statement."""
    percentages = (
        MemberPriceRule.objects.filter(
            _in_force(moment), _reached(user_id, ""), kind=MemberPriceKind.PERCENTAGE
        )
        .annotate(
            r_id=F("pk"),
            r_name=F("name"),
            r_pct=F("percentage"),
            r_product=F("programme__film__products__id"),
            r_variant=Value(None, output_field=IntegerField()),
            r_price=Value(None, output_field=DecimalField(max_digits=20, decimal_places=4)),
        )
        .filter(r_product__in=product_ids)
        .values_list(*_COLUMNS)
        .order_by()
    )
    fixed = (
        MemberVariantPrice.objects.filter(
            _in_force(moment, "rule__"),
            _reached(user_id, "rule__"),
            rule__kind=MemberPriceKind.FIXED_PRICE,
            channel_id=channel_id,
            variant_id__in=variant_ids,
            variant__product__film_id=F("rule__programme__film_id"),
        )
        .annotate(
            r_id=F("rule_id"),
            r_name=F("rule__name"),
            r_pct=Value(None, output_field=DecimalField(max_digits=7, decimal_places=3)),
            r_product=F("variant__product_id"),
            r_variant=F("variant_id"),
            r_price=F("price"),
        )
        .values_list(*_COLUMNS)
        .order_by()
    )
    return percentages.union(fixed, all=True)


def load_offers(requests, context) -> MemberOffers:
    """The batch hook: the viewer's offers for every variant of the batch, one statement."""
    viewer = context.viewer
    if viewer is None or not requests:
        return NO_OFFERS
    product_ids = sorted({r.product_id for r in requests})
    variant_ids = sorted({r.variant_id for r in requests})
    rows = offers_query(viewer.pk, context.channel.pk, context.moment, product_ids, variant_ids)
    by_product: dict[int, list[Offer]] = defaultdict(list)
    by_variant: dict[int, list[Offer]] = defaultdict(list)
    for rule_id, name, percentage, product_id, variant_id, price in rows:
        if variant_id is None:
            by_product[product_id].append(Offer(rule_id, name, percentage=percentage))
        else:
            by_variant[variant_id].append(Offer(rule_id, name, price=price))
    return MemberOffers(dict(by_product), dict(by_variant))


def best_adjustment(offers: list[Offer], current: Decimal, currency: str) -> Adjustment | None:
    """The offer that leaves the lowest unit price; None when none lowers it.

    Ties go to the older rule, so the same prices always name the same rule.
    """
    best, best_discount = None, Decimal(0)
    for offer in sorted(offers, key=lambda o: o.rule_id):
        adjustment = offer.adjustment()
        discount = adjustment.discount(current, currency)
        if discount > best_discount:
            best, best_discount = adjustment, discount
    return best


def member_price(candidate, offers: MemberOffers) -> Adjustment | None:
    """The pipeline's `apply`: no database access."""
    found = offers.for_candidate(candidate.product_id, candidate.variant_id)
    if not found:
        return None
    return best_adjustment(found, candidate.current_price, candidate.context.currency)


def register() -> None:
    register_price_rule(member_price, order=MEMBERS, key=KEY, name=NAME, prepare=load_offers)
