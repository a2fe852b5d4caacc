"""Placement hooks: other apps record what they need about a sale, in the sale's transaction.

A hook runs inside `complete_checkout`'s transaction after the order and
its lines are written and stock is claimed, before the checkout is
deleted. What it writes commits with the order or not at all; a hook that
raises `DomainError` (with a code it declared) refuses the order and rolls
everything back. The licence register records here, per order line, the
licences, shares and royalty-terms version the sale was made under, so a
later edit of a licence never changes what a past sale owes:

    from marquee.merch.orders.hooks import register_placement_hook

    @register_placement_hook(order=300, codes=["LICENCE_NOT_VALID"])
    def snapshot_licences(placement):   # a Placement
        ...                             # one bulk INSERT for all lines

A hook must cost a constant number of statements whatever the number of
lines (checkoutComplete's SQL count is pinned).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from marquee.core.exceptions import DomainError
from marquee.core.registry import Registry

placement_hooks = Registry("placement hook")


@dataclass(frozen=True)
class Placement:
    """What a hook sees: the order, its lines (saved, with ids) and the checkout they came from."""

    order: object
    lines: list  # OrderLine, in checkout line order
    info: object  # CheckoutInfo: channel, delivery country, requester, line infos
    totals: object  # CheckoutTotals the order was priced with

    @property
    def country(self) -> str:
        return self.info.delivery_country


def register_placement_hook(fn: Callable | None = None, *, order: int, codes: Iterable[str] = ()):
    return placement_hooks.register(fn, order=order, codes=codes)


def unregister_placement_hook(fn: Callable) -> None:
    placement_hooks.unregister(fn)


def run_placement_hooks(placement: Placement) -> None:
    for entry in placement_hooks:
        try:
            entry.fn(placement)
        except DomainError as error:
            entry.check(error.details, placement_hooks.name)
            raise
