"""A member's pricing segment: the programme tiers their paid units reach.

Member prices (`members.pricing`) and member-only variants
(`members.visibility`) depend on the viewer only through which programmes
they hold paid units in and at which tier, so that is the viewer's part of
the pricing segment (`merch.extensions.pricing_segment`): two backers of
the same tier share cached catalogue answers, a backer of another tier or
programme does not. Holdings below every tier count too (a film's backers
may buy its drops early). One statement, only for a signed-in viewer.
"""

from __future__ import annotations

from marquee.merch import extensions

from .models import Membership

NAME = "members"


def programme_tiers(viewer) -> str | None:
    rows = (
        Membership.objects.filter(user_id=viewer.pk, units_held__gt=0)
        .order_by("programme_id")
        .values_list("programme_id", "tier_id")
    )
    return ",".join(f"{programme}:{tier or 0}" for programme, tier in rows) or None


def register() -> None:
    extensions.register_pricing_segment(programme_tiers, order=extensions.ELIGIBILITY, name=NAME)
