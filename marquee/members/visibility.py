"""Member-only variants: a limited edition only its perk's tier may see and buy.

A variant is member-only when a perk of kind MEMBER_VARIANT names it. Only
members who reach the perk's tier (or a higher tier of the same programme,
as in `selectors.tier_ids_for_user`) see it; for everyone else, anonymous
visitors and staff browsing the shop included, it does not exist:

- the catalogue (`merch.extensions` variant filter): it is left out of
  product pages, price ranges, variant lookups and search, and a product
  whose priced variants are all member-only disappears from lists,
  category and collection pages and its own page. The condition is one
  SQL expression (two EXISTS), so the catalogue's statement count does
  not change;
- checkout (a line validator, MEMBER_ONLY): adding such a line, or
  completing a checkout holding one, is refused unless the buyer (the
  checkout's owner, else whoever asks) reaches the tier. Every line of a
  checkout is judged in one statement, cached on the CheckoutInfo;
- redemption (REDEMPTION_REQUIRED): reaching the tier is not enough. Each
  unit is one redemption of the perk (`perkRedeem`), so the perk's total
  and per-member quota bound what members buy; a line asking for more
  units than the buyer holds issued redemptions of is refused, and placing
  the order consumes them (a placement hook, in the order's transaction,
  linking each redemption to the order; SKIP LOCKED, so two checkouts of
  one member never consume the same redemption, and one that finds too
  few refuses the order).

The perk's expiry ends redemption, not exclusivity: a limited edition stays
member-only after its perk expires.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from marquee.core.exceptions import DomainError, ErrorDetail
from marquee.merch import extensions
from marquee.merch.checkout import validators
from marquee.merch.checkout.calculations import buyer
from marquee.merch.orders.hooks import register_placement_hook

from .models import Membership, Perk, PerkKind, PerkRedemption, RedemptionStatus

CODE = "MEMBER_ONLY"
MESSAGE = "Only backers of the film may buy this item."
REDEMPTION_REQUIRED = "REDEMPTION_REQUIRED"

_CACHE_KEY = "members.member_only"


def _member_only_perks():
    return Perk.objects.filter(kind=PerkKind.MEMBER_VARIANT)


def _reached_by(user_id: int) -> Exists:
    """The perk's tier or a higher one of its programme, held with paid units by the user."""
    return Exists(
        Membership.objects.filter(
            user_id=user_id,
            programme_id=OuterRef("programme_id"),
            units_held__gt=0,
            tier__isnull=False,
            tier__min_units__gte=OuterRef("tier__min_units"),
        )
    )


def variant_condition(viewer, now) -> Q:
    """Shown: no member-only perk names the variant, or one does whose tier the viewer reaches."""
    perks = _member_only_perks().filter(variant_id=OuterRef("pk"))
    condition = ~Exists(perks)
    if viewer is not None:
        condition |= Exists(perks.filter(_reached_by(viewer.pk)))
    return condition


def judge(variant_ids, user) -> dict[int, tuple[bool, int]]:
    """For the member-only ones of `variant_ids`: (does `user` reach a perk naming it, how many
    issued redemptions of those perks the user holds). Variants absent are open to anyone.

    One statement.
    """
    perks = _member_only_perks().filter(variant_id__in=set(variant_ids))
    if user is None:
        return dict.fromkeys(perks.values_list("variant_id", flat=True), (False, 0))
    held = (
        PerkRedemption.objects.filter(
            perk_id=OuterRef("pk"), membership__user_id=user.pk, status=RedemptionStatus.ISSUED
        )
        .order_by()
        .values("perk_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = perks.annotate(
        reached=_reached_by(user.pk),
        held=Coalesce(Subquery(held, output_field=IntegerField()), 0),
    ).values_list("variant_id", "reached", "held")
    judged: dict[int, tuple[bool, int]] = {}
    for variant_id, reached, count in rows:  # several perks may name one variant
        was_reached, was_held = judged.get(variant_id, (False, 0))
        judged[variant_id] = (was_reached or reached, was_held + (count if reached else 0))
    return judged


def refused_variant_ids(variant_ids, user) -> set[int]:
    """The member-only ones of `variant_ids` that `user` (None: anonymous) may not buy."""
    return {v for v, (reached, _held) in judge(variant_ids, user).items() if not reached}


def _judged_for(info) -> dict:
    cached = info.extra.get(_CACHE_KEY)
    if cached is None:
        variants = {line.variant.pk for line in info.lines}
        cached = {"variants": variants, "judged": judge(variants, _buyer(info))}
        info.extra[_CACHE_KEY] = cached
    return cached


def _buyer(info):
    user = buyer(info)
    return user if getattr(user, "is_authenticated", False) else None


def member_only_line(check: validators.LineCheck):
    """Refuse a member-only variant to a buyer outside its perk's tier, or beyond what the
    buyer has redeemed of it."""
    cached = _judged_for(check.info)
    variant_id = check.variant.pk
    if variant_id in cached["variants"]:
        verdict = cached["judged"].get(variant_id)
    else:  # a line being added: judge it alone
        verdict = judge([variant_id], _buyer(check.info)).get(variant_id)
    if verdict is None:
        return
    reached, held = verdict
    extra = {"variants": [variant_id]}
    if check.line.line.pk is not None:
        extra["lines"] = [check.line.line.pk]
    if not reached:
        yield ErrorDetail(CODE, MESSAGE, "lines", extra)
    elif check.quantity > held:
        yield ErrorDetail(
            REDEMPTION_REQUIRED,
            f"Each {check.variant.name or check.product.name} is one redemption of its perk: "
            f"you hold {held} and ask for {check.quantity}. Redeem the perk first.",
            "lines",
            extra,
        )


CONSUME = """
WITH wanted AS (
       SELECT * FROM unnest(%(variants)s::int[], %(quantities)s::int[]) AS w(variant_id, n)),
     held AS (
       SELECT r.id, p.variant_id FROM members_perkredemption r
         JOIN members_perk p ON p.id = r.perk_id
         JOIN members_membership m ON m.id = r.membership_id
        WHERE p.variant_id = ANY(%(variants)s) AND p.kind = %(kind)s
          AND m.user_id = %(user)s AND r.status = %(issued)s
          FOR UPDATE OF r SKIP LOCKED),
     taken AS (
       SELECT held.id, held.variant_id FROM (
              SELECT id, variant_id,
                     row_number() OVER (PARTITION BY variant_id ORDER BY id) AS rank
                FROM held) held
         JOIN wanted ON wanted.variant_id = held.variant_id
        WHERE held.rank <= wanted.n)
UPDATE members_perkredemption r
   SET status = %(consumed)s, consumed_at = now(), order_id = %(order)s
  FROM taken WHERE r.id = taken.id
RETURNING taken.variant_id
"""


def consume_redemptions(placement) -> None:
    """The placed order's member-only units take their redemptions (placement hook).

    No statement when the checkout judged no member-only variant; otherwise
    one, whatever the number of lines: the buyer's issued redemptions of
    those variants are locked (SKIP LOCKED: another checkout placing now
    keeps its own), the oldest N per variant are consumed and linked to the
    order, and a variant that found fewer than its line asks refuses it.
    """
    judged = _judged_for(placement.info)["judged"]
    wanted: dict[int, int] = {}
    for line in placement.lines:
        if line.variant_id in judged:
            wanted[line.variant_id] = wanted.get(line.variant_id, 0) + line.quantity
    if not wanted:
        return
    user = _buyer(placement.info)
    params = {
        "variants": list(wanted),
        "quantities": list(wanted.values()),
        "kind": PerkKind.MEMBER_VARIANT,
        "user": user.pk if user is not None else None,
        "issued": RedemptionStatus.ISSUED,
        "consumed": RedemptionStatus.CONSUMED,
        "order": placement.order.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(CONSUME, params)
        taken = Counter(variant_id for (variant_id,) in cursor.fetchall())
    short = [variant_id for variant_id, n in wanted.items() if taken[variant_id] < n]
    if short:
        names = {line.variant_id: line.product_name for line in placement.lines}
        raise DomainError.single(
            REDEMPTION_REQUIRED,
            f"{names[short[0]]}: each unit needs one redemption of its perk and too few were "
            "left. Redeem the perk again, or buy fewer.",
            "lines",
            variants=short,
        )


def register() -> None:
    extensions.register_variant_filter(variant_condition, order=extensions.ELIGIBILITY)
    validators.register_line_validator(
        member_only_line, order=validators.ELIGIBILITY, codes=[CODE, REDEMPTION_REQUIRED]
    )
    # After the licence snapshots (300): redemptions are the last thing a placement takes.
    register_placement_hook(consume_redemptions, order=400, codes=[REDEMPTION_REQUIRED])
