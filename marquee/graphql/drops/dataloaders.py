"""Drops through DataLoaders: one statement per kind of thing, whatever the page size."""

from __future__ import annotations

from django.utils import timezone

from marquee.merch.drops import selectors
from marquee.merch.models import Drop, DropVariant

from ..core.dataloaders import DataLoader, group_by


class DropByProductChannelLoader(DataLoader):
    """Key: (product_id, channel_id) -> the product's current or next drop there, or None."""

    def batch_load(self, keys):
        now = timezone.now()
        rows = (
            Drop.objects.filter(
                product_id__in={p for p, _ in keys}, channel_id__in={c for _, c in keys}
            )
            .filter(selectors.not_ended(now))
            .select_related("channel")
            .order_by("starts_at", "pk")
        )
        found: dict = {}
        for drop in rows:
            found.setdefault((drop.product_id, drop.channel_id), drop)
        return [found.get(key) for key in keys]


class RemainingByDropLoader(DataLoader):
    """Key: drop id -> free units (one statement for every drop of the response)."""

    def batch_load(self, keys):
        left = selectors.remaining_many(keys)
        return [left.get(key, 0) for key in keys]


class DropVariantsByDropLoader(DataLoader):
    """Key: drop id -> its DropVariant rows with their variants."""

    def batch_load(self, keys):
        rows = DropVariant.objects.filter(drop_id__in=keys).select_related("variant")
        by_drop = group_by(rows, lambda row: row.drop_id)
        return [by_drop.get(key, []) for key in keys]
