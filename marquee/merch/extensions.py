"""Catalogue extension points: rules other apps add to what may be shown or published.

The commerce core knows nothing of licences. An app that restricts the
catalogue (the licence register does) registers, from its AppConfig.ready():

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

CatalogueFilter = Callable[..., object]
PublicationCheck = Callable[[object], Iterable[str] | None]

_catalogue_filters: list[CatalogueFilter] = []
_publication_checks: list[PublicationCheck] = []


def register_catalogue_filter(fn: CatalogueFilter) -> CatalogueFilter:
    if fn not in _catalogue_filters:
        _catalogue_filters.append(fn)
    return fn


def unregister_catalogue_filter(fn: CatalogueFilter) -> None:
    if fn in _catalogue_filters:
        _catalogue_filters.remove(fn)


def apply_catalogue_filters(queryset, channel, now):
    for fn in _catalogue_filters:
        queryset = fn(queryset, channel, now)
    return queryset


def register_publication_check(fn: PublicationCheck) -> PublicationCheck:
    if fn not in _publication_checks:
        _publication_checks.append(fn)
    return fn


def unregister_publication_check(fn: PublicationCheck) -> None:
    if fn in _publication_checks:
        _publication_checks.remove(fn)


def publication_errors(listing) -> list[str]:
    """Why this listing may not be published (empty: it may)."""
    errors: list[str] = []
    for fn in _publication_checks:
        errors.extend(fn(listing) or [])
    return errors
