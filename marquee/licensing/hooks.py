"""Where the licence gate plugs into merch: catalogue, publication and checkout.

Checkout country: the shipping address's country when the buyer has given
one, else the channel's default country (`CheckoutInfo.delivery_country`) —
the goods are sold where they are delivered, and a licence's territory is
where they may be sold.

A refused line is explained to the person who made the request (the
checkout's requester, not its owner): staff and the licensor whose licence
blocks the sale read the full reason, anyone else the public one
(`gate.may_read_contract`).

`LICENCE_GATE_ENABLED` (the environment variable, on by default) switches every
hook off at once, for test suites of other domains that build products
without licences. It is read on each call, so tests may override it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from marquee.core.exceptions import ErrorDetail
from marquee.merch import extensions
from marquee.merch.checkout import validators
from marquee.merch.checkout.validators import LineCheck
from marquee.merch.orders.hooks import register_placement_hook

from . import gate, selectors

_CACHE_KEY = "licensing.verdicts"


def enabled() -> bool:
    return settings.LICENCE_GATE_ENABLED


def catalogue_filter(queryset, channel, now):
    if not enabled():
        return queryset
    return gate.catalogue_filter(queryset, channel, now)


def publication_check(listing) -> list[str]:
    if not enabled():
        return []
    result = gate.verdict(listing.product, listing.channel)
    if result.allowed:
        return []
    return [f"Cannot publish {listing.product.name} in {listing.channel.slug!r}: {result.reason}."]


def _verdicts_for(info) -> dict:
    """Every product of the checkout judged at once, cached on the CheckoutInfo.

    The line validator runs once per line; the first call loads all lines'
    products in one statement, so a checkout costs the same whatever its size.
    """
    cached = info.extra.get(_CACHE_KEY)
    if cached is None:
        product_ids = {line.product.pk for line in info.lines}
        cached = gate.verdicts(
            product_ids, info.channel, info.delivery_country, timezone.localdate()
        )
        info.extra[_CACHE_KEY] = cached
    return cached


def licensed_line(check: LineCheck):
    if not enabled():
        return
    cached = _verdicts_for(check.info)
    result = cached.get(check.product.pk)
    if result is None:  # a line not among info.lines: judge it alone
        result = gate.verdicts(
            [check.product.pk], check.channel, check.info.delivery_country, timezone.localdate()
        )[check.product.pk]
        cached[check.product.pk] = result
    if result.allowed:
        return
    extra = {"variants": [check.variant.pk]}
    if check.line.line.pk is not None:
        extra["lines"] = [check.line.line.pk]
    label = check.product.name + (f" ({check.variant.name})" if check.variant.name else "")
    viewer = selectors.viewer_for(check.requester)
    if gate.may_read_contract(viewer, result.why.licensor_id):
        country = check.info.delivery_country
        message = (
            f"{label} cannot be sold in {country} through {check.channel.slug!r}: "
            f"{result.why.full}."
        )
    else:
        message = f"{label}: {result.why.public}"
    yield ErrorDetail(gate.CODE, message, "lines", extra)


def register() -> None:
    extensions.register_catalogue_filter(catalogue_filter, order=extensions.RIGHTS)
    extensions.register_publication_check(publication_check, order=extensions.RIGHTS)
    # Licence before stock: an unlicensed, sold-out line hears about the licence.
    validators.register_line_validator(licensed_line, order=validators.RIGHTS, codes=[gate.CODE])
    # What each sold line owes under, frozen with the order (royalties/snapshots.py).
    from .royalties import snapshots

    validators.register_completion_validator(
        snapshots.terms_in_force, order=500, codes=snapshots.CODES
    )
    register_placement_hook(snapshots.snapshot_licences, order=300, codes=snapshots.CODES)
