"""Where a drop stands at a moment, and how many units are left.

    ENDED          now >= ends_at
    SCHEDULED      now < early_access_starts_at (or starts_at without a window)
    EARLY_ACCESS   early_access_starts_at <= now < starts_at (eligible buyers only)
    LIVE           starts_at <= now, units left
    SOLD_OUT       open (early or live), no unit left

Sold out is read from the admission store's flag first (`drop:<id>`, no
SQL, cached per process for at most a second), so the storefront's hot
reads after a sell-out cost nothing; without the flag the free units are
counted (one statement) and the flag is set when none is left. Units that
come back (expiry, a released line, a cancelled order) clear it through
`refresh_sold_out()`, which the reservation sweep's beat task runs and
`services.release` calls.

Whoever sets the flag passes the idempotency keys of the drop's committed
reservations (`mark_sold_out`, one statement): the room answers SOLD_OUT
without SQL only to keys it never saw, so a retry whose first attempt holds
a unit is still answered with that unit, even after the store lost its keys.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from marquee.core import admission
from marquee.core.models import IdempotencyKey

from ..models import Drop
from .selectors import remaining_many

SCHEDULED = "SCHEDULED"
EARLY_ACCESS = "EARLY_ACCESS"
LIVE = "LIVE"
SOLD_OUT = "SOLD_OUT"
ENDED = "ENDED"
STATES = (SCHEDULED, EARLY_ACCESS, LIVE, SOLD_OUT, ENDED)


def timed_state(drop, now: datetime) -> str:
    """The state the clock gives, before stock is looked at (never SOLD_OUT)."""
    if drop.ends_at is not None and now >= drop.ends_at:
        return ENDED
    if now >= drop.starts_at:
        return LIVE
    if drop.early_access_starts_at is not None and now >= drop.early_access_starts_at:
        return EARLY_ACCESS
    return SCHEDULED


def state(drop, now: datetime | None = None, *, left: int | None = None) -> str:
    """The drop's state at `now`; pass `left` when the free units are already known."""
    now = now or timezone.now()
    timed = timed_state(drop, now)
    if timed not in (LIVE, EARLY_ACCESS):
        return timed
    if left is None:
        if admission.is_sold_out(drop.room):
            return SOLD_OUT
        left = remaining(drop, now)
    if left <= 0:
        mark_sold_out(drop.pk)
        return SOLD_OUT
    return timed


def reserve_scope(drop_id) -> str:
    """The idempotency scope of one drop's reservations (so its keys can be listed)."""
    return f"drop.reserve:{drop_id}"


def mark_sold_out(drop_id) -> None:
    """Set the drop's sold-out flag, with the keys its committed reservations were made under."""
    keys = IdempotencyKey.objects.filter(scope=reserve_scope(drop_id)).values_list("owner", "key")
    admission.mark_sold_out(
        Drop.room_of(drop_id), [admission.key_member(owner, key) for owner, key in keys]
    )


def remaining(drop, now: datetime | None = None) -> int:
    """Units of the drop's variants still free to reserve (reservations counted)."""
    return remaining_many([drop.pk], now)[drop.pk]


def refresh_sold_out(drops) -> None:
    """Set or clear each open drop's sold-out flag from its stock (one statement, and one per
    drop found sold out for its keys)."""
    now = timezone.now()
    drops = [d for d in drops if timed_state(d, now) in (LIVE, EARLY_ACCESS)]
    left = remaining_many([d.pk for d in drops], now)
    for drop in drops:
        if left.get(drop.pk, 0) > 0:
            admission.clear_sold_out(drop.room)
        else:
            mark_sold_out(drop.pk)
