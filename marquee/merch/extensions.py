"""Catalogue extension points: rules other apps add to what may be shown or published.

The commerce core knows nothing of licences. An app that restricts the
catalogue (the licence register does) registers, from its AppConfig.ready(),
with an explicit order (`marquee.core.registry`):

- a *catalogue filter*: `fn(queryset, channel, now) -> queryset`, applied
  to every product a buyer can see in a channel (listings and product pages);
- a *publication check*: `fn(listing) -> iterable of messages`, consulted
  before a product's channel listing is saved as published (admin and
  services), so nothing goes live that could not be sold.

A filter must stay a single queryset expression (Exists/Subquery), so the
catalogue keeps its constant number of SQL statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from marquee.core.registry import Registry

CatalogueFilter = Callable[..., object]
PublicationCheck = Callable[[object], Iterable[str] | None]

# Order bands (lower runs first): merch's own rules, then rights, then eligibility.
MERCH = 100
RIGHTS = 300
ELIGIBILITY = 400

catalogue_filters = Registry("catalogue filter")
publication_checks = Registry("publication check")


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
