"""Members' tiers after a programme's thresholds change.

`Membership.tier` is kept in step with ``units_held`` by whatever changes
the units (backing, import). When staff change the thresholds themselves
(add, remove or move a tier), every membership of the programme is
reassigned in one UPDATE, so prices and perks never read a stale tier.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from ..models import BackerProgramme, BackerTier, Membership


def reassign_tiers(programme: BackerProgramme) -> int:
    """Point each membership at the highest tier its paid units reach; returns rows changed."""
    reached = (
        BackerTier.objects.filter(
            programme_id=OuterRef("programme_id"), min_units__lte=OuterRef("units_held")
        )
        .order_by("-min_units")
        .values("pk")[:1]
    )
    return Membership.objects.filter(programme=programme).update(tier=Subquery(reached))
