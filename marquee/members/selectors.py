"""Who is a member of what: the one reading every other members module shares.

A fan belongs to a tier when their membership in the programme holds paid
units (``units_held`` > 0) and ``tier`` points at the highest tier whose
``min_units`` those units reach. The backing service keeps ``tier`` in step
with ``units_held`` inside the transaction that changes it, so prices and
perks read one column instead of recomputing thresholds on every request.

Tiers are cumulative: a Producer (10+) also enjoys what a Supporter (1+) of
the same programme enjoys. ``tier_ids_for_user`` answers with every tier the
fan reaches, which is what price rules and perks are keyed on.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import BackerTier, Membership


def memberships_for_user(user) -> list[Membership]:
    """Memberships that hold paid units, with programme and tier loaded."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(user_id=user.pk, units_held__gt=0, tier__isnull=False)
        .select_related("programme", "tier")
        .order_by("programme_id")
    )


def tier_for_units(tiers: Iterable[BackerTier], units: int) -> BackerTier | None:
    """The highest tier ``units`` reaches, or None below the lowest threshold."""
    reached = [tier for tier in tiers if tier.min_units <= units]
    return max(reached, key=lambda tier: tier.min_units, default=None)


def tier_ids_for_user(user) -> frozenset[int]:
    """Every tier the fan reaches, lower tiers of the same programme included."""
    memberships = memberships_for_user(user)
    if not memberships:
        return frozenset()
    reached = {m.programme_id: m.tier.min_units for m in memberships}
    rows = BackerTier.objects.filter(programme_id__in=reached).values_list(
        "pk", "programme_id", "min_units"
    )
    return frozenset(pk for pk, programme, floor in rows if floor <= reached[programme])
