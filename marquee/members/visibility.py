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
  checkout is judged in one statement, cached on the CheckoutInfo.

The perk's expiry ends redemption, not exclusivity: a limited edition stays
member-only after its perk expires.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from marquee.core.exceptions import ErrorDetail
from marquee.merch import extensions
from marquee.merch.checkout import validators
from marquee.merch.checkout.calculations import buyer

from .models import Membership, Perk, PerkKind

CODE = "MEMBER_ONLY"
MESSAGE = "Only backers of the film may buy this item."

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


def refused_variant_ids(variant_ids, user) -> set[int]:
    """The member-only ones of `variant_ids` that `user` (None: anonymous) may not buy.

    One statement.
    """
    perks = _member_only_perks().filter(variant_id__in=set(variant_ids))
    rows = perks.values_list("variant_id", flat=True).distinct()
    if user is None:
        return set(rows)
    allowed = perks.filter(_reached_by(user.pk)).values("variant_id")
    return set(rows.exclude(variant_id__in=allowed))


def _refused_for(info) -> set[int]:
    cached = info.extra.get(_CACHE_KEY)
    if cached is None:
        cached = {
            "variants": {line.variant.pk for line in info.lines},
            "refused": refused_variant_ids({line.variant.pk for line in info.lines}, _buyer(info)),
        }
        info.extra[_CACHE_KEY] = cached
    return cached


def _buyer(info):
    user = buyer(info)
    return user if getattr(user, "is_authenticated", False) else None


def member_only_line(check: validators.LineCheck):
    """Refuse a member-only variant to a buyer outside its perk's tier."""
    cached = _refused_for(check.info)
    variant_id = check.variant.pk
    if variant_id in cached["variants"]:
        refused = variant_id in cached["refused"]
    else:  # a line being added: judge it alone
        refused = bool(refused_variant_ids([variant_id], _buyer(check.info)))
    if not refused:
        return
    extra = {"variants": [variant_id]}
    if check.line.line.pk is not None:
        extra["lines"] = [check.line.line.pk]
    yield ErrorDetail(CODE, MESSAGE, "lines", extra)


def register() -> None:
    extensions.register_variant_filter(variant_condition, order=extensions.ELIGIBILITY)
    validators.register_line_validator(member_only_line, order=validators.ELIGIBILITY, codes=[CODE])
