"""Exclusive licences never overlap.

Two exclusive licences may not share a property, a category (or one inside
the other: a licence covers subcategories), a territory and a day of their
terms. The check runs under a PostgreSQL advisory lock held to the end of
the writing transaction, so two overlapping exclusive licences written at
the same moment cannot both pass.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from django.db import connection

from marquee.core.exceptions import ErrorDetail

from ..models import Licence, LicenceStatus

if TYPE_CHECKING:
    from .licences import LicenceData

_EXCLUSIVITY_LOCK = zlib.crc32(b"marquee.licensing.exclusivity")


def _categories_overlap(mine, theirs) -> list:
    """Pairs of categories where one contains the other (a licence covers subcategories)."""
    pairs = []
    for a in mine:
        for b in theirs:
            if a.tree_id == b.tree_id and (
                (a.lft <= b.lft and a.rght >= b.rght) or (b.lft <= a.lft and b.rght >= a.rght)
            ):
                pairs.append((a, b))
    return pairs


def exclusivity_conflict(data: LicenceData, pk: int | None = None) -> ErrorDetail | None:
    """Two exclusive licences may not share a property, category, territory and dates."""
    if not data.exclusive or data.status == LicenceStatus.TERMINATED:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_EXCLUSIVITY_LOCK])
    candidates = (
        Licence.objects.filter(
            exclusive=True,
            properties__in=[p.pk for p in data.properties],
            territories__overlap=list(data.territories),
            term_start__lte=data.term_end,
            term_end__gte=data.term_start,
        )
        .exclude(status=LicenceStatus.TERMINATED)
        .exclude(pk=pk)
        .distinct()
        .prefetch_related("categories", "properties")
        .order_by("reference")
    )
    for other in candidates:
        pairs = _categories_overlap(data.categories, other.categories.all())
        if not pairs:
            continue
        shared_props = sorted(
            p.name for p in other.properties.all() if p.pk in {x.pk for x in data.properties}
        )
        shared_lands = sorted(set(data.territories) & set(other.territories))
        return ErrorDetail(
            "EXCLUSIVITY_CONFLICT",
            f"Exclusive licence {other.reference} already covers {', '.join(shared_props)} "
            f"for category {pairs[0][1].name} in {', '.join(shared_lands)} from "
            f"{other.term_start} to {other.term_end}; exclusive licences cannot overlap.",
            "exclusive",
            {"licence": other.pk},
        )
    return None
