"""Catalogue extension points: rules other apps add to what may be shown or published.

The commerce core knows nothing of licences. An app that restricts the
catalogue (the licence register does) registers, from its AppConfig.ready(),
with an explicit order (`marquee.core.registry`):

- a *catalogue filter*: `fn(queryset, channel, now) -> queryset`, applied
  to every product a buyer can see in a channel (listings and product pages);
- a *publication check*: `fn(listing) -> iterable of messages`, consulted
  before a product's channel listing is saved as published (admin and
  services), so nothing goes live that could not be sold.

- a *variant filter*: `fn(viewer, now) -> Q | None`, a condition on
  `ProductVariant` a variant must meet for this viewer (the signed-in user,
  or None) to see it (a members-only limited edition, for instance). A
  hidden variant is left out of product pages, price ranges and variant
  lookups, and a product none of whose priced variants the viewer may see
  is hidden with them.

A filter must stay a single queryset expression (Exists/Subquery), so the
catalogue keeps its constant number of SQL statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Q

from marquee.core.registry import Registry

CatalogueFilter = Callable[..., object]
PublicationCheck = Callable[[object], Iterable[str] | None]

# Order bands (lower runs first): merch's own rules, then rights, then eligibility.
MERCH = 100
RIGHTS = 300
ELIGIBILITY = 400

catalogue_filters = Registry("catalogue filter")
publication_checks = Registry("publication check")
variant_filters = Registry("variant filter")


def register_catalogue_filter(fn: CatalogueFilter | None = None, *, order: int):
    return catalogue_filters.register(fn, order=order)


def unregister_catalogue_filter(fn: CatalogueFilter) -> None:
    catalogue_filters.unregister(fn)


def apply_catalogue_filters(queryset, channel, now):
    for entry in catalogue_filters:
        queryset = entry.fn(queryset, channel, now)
    return queryset


def register_publication_check(fn: PublicationCheck | None = None, *, order: int):
    return publication_checks.register(fn, order=order)


def unregister_publication_check(fn: PublicationCheck) -> None:
    publication_checks.unregister(fn)


def publication_errors(listing) -> list[str]:
    """Why this listing may not be published (empty: it may), in check order."""
    errors: list[str] = []
    for entry in publication_checks:
        errors.extend(entry.fn(listing) or [])
    return errors


VariantFilter = Callable[[object | None, object], Q | None]


def register_variant_filter(fn: VariantFilter | None = None, *, order: int):
    return variant_filters.register(fn, order=order)


def unregister_variant_filter(fn: VariantFilter) -> None:
    variant_filters.unregister(fn)


def visible_variant_condition(viewer, now) -> Q | None:
    """What a ProductVariant must meet for `viewer` to see it; None when nothing is asked."""
    if viewer is not None and not getattr(viewer, "is_authenticated", False):
        viewer = None
    conditions = [c for entry in variant_filters if (c := entry.fn(viewer, now))]
    if not conditions:
        return None
    combined = Q()
    for condition in conditions:
        combined &= condition
    return combined


# --- Pricing segments --------------------------------------------------------
#
# A cached catalogue answer is shared by every viewer of the same pricing
# segment: what the viewer's prices and visible variants depend on. Apps that
# make prices or variant filters depend on the viewer contribute a part,
# `fn(viewer) -> str | None` (None: nothing for this viewer), registered in the
# same way as the filters. A part must never be the user's id: two viewers
# who see the same thing must share a segment, or the cache serves nobody.

PUBLIC_SEGMENT = "public"

pricing_segments = Registry("pricing segment")


def register_pricing_segment(fn: Callable | None = None, *, order: int, name: str):
    return pricing_segments.register(fn, order=order, name=name)


def unregister_pricing_segment(fn: Callable) -> None:
    pricing_segments.unregister(fn)


def pricing_segment(viewer) -> str:
    """The viewer's segment: "public" when nobody is signed in or nothing is contributed."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return PUBLIC_SEGMENT
    parts = []
    for entry in pricing_segments:
        part = entry.fn(viewer)
        if part:
            parts.append(f"{entry.name}={part}")
    return ";".join(parts) or PUBLIC_SEGMENT
