"""Where drops plug into checkout: a drop's rules hold for lines added the ordinary way too.

A drop variant can reach a checkout without `dropReserve` (checkoutCreate,
checkoutLinesAdd, checkoutLinesUpdate). A line validator at ELIGIBILITY
order judges such lines, and every line again at checkoutComplete:

- DROP_NOT_STARTED: the drop has not opened;
- DROP_EARLY_ACCESS_ONLY: inside the member-only window, for a buyer the
  eligibility rules do not admit;
- DROP_LIMIT_EXCEEDED: the line's quantity plus what the customer holds of
  the drop elsewhere (live reservations in other checkouts, orders not
  cancelled) is over the per-customer limit.

Drop variants are always reserved when they enter a checkout (a reservation
policy, active only in channels where a drop was scheduled: `Channel.has_drops`,
no SQL to decide), for the drop's `reservation_minutes`.

The drops of a checkout's lines are loaded in one statement for all lines
(cached on the CheckoutInfo), and only in channels where a drop was
scheduled (`Channel.has_drops`): elsewhere checkouts run no extra
statement. The limit costs two statements per drop line (the customer's
counter locked, then set from the books: `limits.count_line`), so a
`dropReserve` of the same customer waits for this checkout's commit and
counts its units.
"""

from __future__ import annotations

from django.utils import timezone

from marquee.core.exceptions import ErrorDetail

from ..checkout import validators
from ..models import DropVariant
from ..reservations import policy
from . import eligibility, limits, selectors
from .states import EARLY_ACCESS, ENDED, SCHEDULED, timed_state

NOT_STARTED = "DROP_NOT_STARTED"
EARLY_ACCESS_ONLY = "DROP_EARLY_ACCESS_ONLY"
LIMIT_EXCEEDED = "DROP_LIMIT_EXCEEDED"
CODES = [NOT_STARTED, EARLY_ACCESS_ONLY, LIMIT_EXCEEDED]

_CACHE_KEY = "drops.by_variant"


def _drops_for(info) -> dict:
    cached = info.extra.get(_CACHE_KEY)
    if cached is None:
        variant_ids = {line.variant.pk for line in info.lines}
        now = timezone.now()
        rows = (
            DropVariant.objects.filter(variant_id__in=variant_ids)
            .filter(selectors.not_ended(now, "drop__"))
            .select_related("drop__product")
        )
        cached = {row.variant_id: row.drop for row in rows}
        info.extra[_CACHE_KEY] = cached
    return cached


def drop_line(check: validators.LineCheck):
    if not channel_has_drops(check.channel):
        return  # no drop was ever scheduled here: no statement
    drop = _drops_for(check.info).get(check.variant.pk)
    if drop is None:
        return
    where = {"field": "lines", "extra": {"variants": [check.variant.pk]}}
    timed = timed_state(drop, timezone.now())
    if timed == ENDED:
        return  # the channel-availability rules speak for an ended drop's listing
    if timed == SCHEDULED:
        yield ErrorDetail(NOT_STARTED, f"{drop.name} has not started yet.", **where)
        return
    buyer = check.user or check.requester
    if timed == EARLY_ACCESS and not eligibility.is_eligible(drop, buyer):
        yield ErrorDetail(
            EARLY_ACCESS_ONLY, "Only members may buy before the drop starts.", **where
        )
        return
    if drop.per_customer_limit is None:
        return
    checkout = check.info.checkout
    key = limits.customer_key(user=check.user, email=checkout.email, checkout_token=checkout.pk)
    total = limits.count_line(drop, key, check.quantity, checkout_token=checkout.pk)
    if total > drop.per_customer_limit:
        yield ErrorDetail(
            LIMIT_EXCEEDED,
            f"{drop.name} allows {drop.per_customer_limit} per customer.",
            **where,
        )


def drop_minutes(channel, variant_ids, user) -> dict[int, int]:
    """Reservation policy: a drop variant is held for its drop's minutes (one statement)."""
    if not variant_ids:
        return {}
    rows = (
        DropVariant.objects.filter(variant_id__in=list(variant_ids), drop__channel_id=channel.pk)
        .filter(selectors.not_ended(timezone.now(), "drop__"))
        .values_list("variant_id", "drop__reservation_minutes")
    )
    return dict(rows)


def channel_has_drops(channel) -> bool:
    return bool(getattr(channel, "has_drops", False))


def register() -> None:
    validators.register_line_validator(drop_line, order=validators.ELIGIBILITY, codes=CODES)
    # Drop items are always held, whatever the channel says; only channels where a drop
    # was scheduled run the policy's statement (and the release, refresh and conversion).
    policy.register_reservation_policy(drop_minutes, order=100, active=channel_has_drops)
