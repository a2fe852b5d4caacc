"""Reads of drops: the hot snapshot the reserve path uses, and what is left to sell.

`hot(drop_id)` is what `services.reserve` knows of a drop: its row, its
variant ids, the channel's currency and whether the catalogue filters (the
licence gate among them) let the product be sold in the channel now. It is
kept per process for at most `CACHE_SECONDS` (two statements when it is not
cached: the drop with its channel, then its variants with the catalogue
verdict), so a drop's first second costs each web process two statements
and every other request none. Stock is never cached: `remaining` and the
reserve statement read the stock rows every time.

`remaining_many(drop_ids)` is one statement for any number of drops: the
free units (quantity - allocated - reserved, plus the units of expired
reservations the sweep has not given back yet) of the drops' variants in
the warehouses serving each drop's channel.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .. import extensions
from ..models import Drop, DropVariant, Product

CACHE_SECONDS = 1.0


@dataclass(frozen=True)
class HotDrop:
    pk: int
    slug: str
    name: str
    channel_id: int
    channel_slug: str
    channel_active: bool
    currency: str
    product_id: int
    film_id: int | None
    starts_at: datetime
    ends_at: datetime | None
    early_access_starts_at: datetime | None
    per_customer_limit: int | None
    reservation_minutes: int
    admission_rate: float | None
    admission_burst: int
    created_at: datetime
    variant_ids: frozenset[int]
    sellable: bool  # the catalogue filters (licence gate) allow the product in the channel

    @property
    def room(self) -> str:
        return Drop.room_of(self.pk)

    @property
    def opens_at(self) -> datetime:
        return self.early_access_starts_at or self.starts_at


_cache: dict[int, tuple[float, HotDrop | None]] = {}
_lock = threading.Lock()


def sellable_condition(channel, now) -> Exists:
    """An EXISTS on the drop's product passing every catalogue filter of the channel."""
    products = extensions.apply_catalogue_filters(
        Product.objects.filter(pk=OuterRef("drop__product_id")), channel, now
    )
    return Exists(products)


def load_hot(drop_id: int, now: datetime | None = None) -> HotDrop | None:
    """The snapshot, read from the database (two statements; None when no such drop)."""
    now = now or timezone.now()
    drop = Drop.objects.select_related("channel", "product").filter(pk=drop_id).first()
    if drop is None:
        return None
    rows = list(
        DropVariant.objects.filter(drop_id=drop.pk)
        .annotate(sellable=sellable_condition(drop.channel, now))
        .values_list("variant_id", "sellable")
    )
    return HotDrop(
        pk=drop.pk,
        slug=drop.slug,
        name=drop.name,
        channel_id=drop.channel_id,
        channel_slug=drop.channel.slug,
        channel_active=drop.channel.is_active,
        currency=drop.channel.currency_code,
        product_id=drop.product_id,
        film_id=drop.product.film_id,
        starts_at=drop.starts_at,
        ends_at=drop.ends_at,
        early_access_starts_at=drop.early_access_starts_at,
        per_customer_limit=drop.per_customer_limit,
        reservation_minutes=drop.reservation_minutes,
        admission_rate=drop.admission_rate,
        admission_burst=drop.admission_burst,
        created_at=drop.created_at,
        variant_ids=frozenset(variant_id for variant_id, _ in rows),
        sellable=bool(rows) and all(sellable for _, sellable in rows),
    )


def hot(drop_id: int) -> HotDrop | None:
    """The snapshot, from this process's copy when it is under `CACHE_SECONDS` old."""
    clock = time.monotonic()
    cached = _cache.get(drop_id)
    if cached is not None and clock - cached[0] < CACHE_SECONDS:
        return cached[1]
    snapshot = load_hot(drop_id)
    with _lock:
        _cache[drop_id] = (clock, snapshot)
    return snapshot


def forget(drop_id: int | None = None) -> None:
    """Drop this process's copy (after scheduling changes a drop, and between tests)."""
    with _lock:
        if drop_id is None:
            _cache.clear()
        else:
            _cache.pop(drop_id, None)


_REMAINING = """
SELECT dv.drop_id,
       COALESCE(SUM(GREATEST(
           s.quantity - s.quantity_allocated - s.quantity_reserved
           + COALESCE((SELECT SUM(r.quantity_reserved) FROM merch_reservation AS r
                        WHERE r.stock_id = s.id AND r.reserved_until <= %(now)s), 0),
           0)), 0)::integer
  FROM merch_dropvariant AS dv
  JOIN merch_drop AS d ON d.id = dv.drop_id
  JOIN merch_stock AS s ON s.product_variant_id = dv.variant_id
  JOIN merch_warehouse_channels AS wc
    ON wc.warehouse_id = s.warehouse_id AND wc.channel_id = d.channel_id
 WHERE dv.drop_id = ANY(%(drops)s)
 GROUP BY dv.drop_id
"""


def remaining_many(drop_ids, now: datetime | None = None) -> dict[int, int]:
    """Free units per drop (one statement); a drop without stock rows has 0."""
    drop_ids = sorted({int(pk) for pk in drop_ids})
    if not drop_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_REMAINING, {"drops": drop_ids, "now": now or timezone.now()})
        found = dict(cursor.fetchall())
    return {pk: found.get(pk, 0) for pk in drop_ids}


def not_ended(now: datetime, through: str = "") -> Q:
    """Drops with no end, or an end still ahead of `now`; `through` reaches the drop
    from another model (`"drop__"` from a DropVariant)."""
    return Q(**{f"{through}ends_at__isnull": True}) | Q(**{f"{through}ends_at__gt": now})


def current_and_upcoming(channel_id: int | None = None, now: datetime | None = None):
    """Drops not ended yet, soonest first (a queryset, for the API's connection)."""
    now = now or timezone.now()
    drops = Drop.objects.filter(not_ended(now))
    if channel_id is not None:
        drops = drops.filter(channel_id=channel_id)
    return drops.order_by("starts_at", "pk")
