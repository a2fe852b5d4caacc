"""How long a checkout line holds its units: the channel's setting, or a registered policy.

The channel says it for everyone (Saleor's `reserveStockDurationAnonymousUser`
and `reserveStockDurationAuthenticatedUser`: minutes, null = no reservation,
stock is claimed only at completion). A registered policy may demand a
reservation, and its length, for its own variants whatever the channel
says — drops register one so that a drop item is always held:

    from marquee.merch.reservations.policy import register_reservation_policy

    @register_reservation_policy(order=100)
    def drop_items(channel, variant_ids, user):
        return {variant_id: minutes for the variants that are in a live drop}

Policies run after the channel's setting, in their declared order; a later
answer for a variant replaces an earlier one, and 0 turns the hold off for
that variant. No statement is run when the channel reserves nothing and no
registered policy may hold stock in it (`active`), so such a channel behaves
exactly as before reservations existed. A policy says in which channels it
may hold stock with `active=fn(channel) -> bool` (decided without SQL, e.g.
from a cached flag); without it, it is taken to be active everywhere, which
costs every checkout in every channel the release, refresh and conversion
statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from marquee.core.registry import Registry

ReservationPolicy = Callable[[object, list[int], object], dict[int, int] | None]

reservation_policies = Registry("reservation policy")
_active_in: dict[Callable, Callable[[object], bool]] = {}


def register_reservation_policy(
    fn: ReservationPolicy | None = None,
    *,
    order: int,
    active: Callable[[object], bool] | None = None,
):
    """Add a policy `fn(channel, variant_ids, user) -> {variant_id: minutes}`; a decorator too.

    `active(channel)`: whether the policy may hold stock in the channel at all.
    """

    def add(target):
        if active is not None:
            _active_in[target] = active
        return reservation_policies.register(target, order=order)

    return add(fn) if fn is not None else add


def unregister_reservation_policy(fn: ReservationPolicy) -> None:
    reservation_policies.unregister(fn)
    _active_in.pop(fn, None)


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def channel_minutes(channel, user) -> int | None:
    if _signed_in(user):
        return channel.reservation_minutes_authenticated
    return channel.reservation_minutes_anonymous


def active(channel) -> bool:
    """Whether anything in this channel may be reserved (decided without SQL)."""
    if channel.reservation_minutes_anonymous or channel.reservation_minutes_authenticated:
        return True
    return any(_active_in.get(entry.fn, _everywhere)(channel) for entry in reservation_policies)


def _everywhere(_channel) -> bool:
    return True


def reservation_minutes(channel, variant_ids: Iterable[int], user) -> dict[int, int]:
    """Minutes each variant's units are held for `user` in `channel` (absent: not held)."""
    variant_ids = list(variant_ids)
    base = channel_minutes(channel, user)
    minutes = dict.fromkeys(variant_ids, base) if base else {}
    for entry in reservation_policies:
        if _active_in.get(entry.fn, _everywhere)(channel):
            minutes.update(entry.fn(channel, variant_ids, user) or {})
    return {variant_id: value for variant_id, value in minutes.items() if value}
