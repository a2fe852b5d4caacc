"""Reads of film data for the API, storefront and admin.

Relations are prefetched in a fixed number of queries whatever the number of
films, so callers that list films never fall into an N+1 on credits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from .models import Credit, Film

RELEASE_SORT_FIELD = "sort_release"


@dataclass
class FilmFilter:
    """What a visitor narrows the film list by, in domain terms."""

    search: str | None = None  # any of the Chinese, English or original titles
    genres: list[str] | None = None  # genre slugs
    released_from: date | None = None
    released_to: date | None = None
    slugs: list[str] | None = None


def filter_films(queryset: QuerySet[Film], flt: FilmFilter) -> QuerySet[Film]:
    if flt.search and flt.search.strip():
        term = flt.search.strip()
        queryset = queryset.filter(
            Q(title__icontains=term) | Q(title_zh__icontains=term) | Q(title_en__icontains=term)
        )
    if flt.genres is not None:
        queryset = queryset.filter(genres__slug__in=flt.genres).distinct()
    if flt.released_from:
        queryset = queryset.filter(release_date__gte=flt.released_from)
    if flt.released_to:
        queryset = queryset.filter(release_date__lte=flt.released_to)
    if flt.slugs is not None:
        queryset = queryset.filter(slug__in=flt.slugs)
    return queryset


def with_release_sort(queryset: QuerySet[Film]) -> QuerySet[Film]:
    """Annotate the release-date sort key: films without a known date sort as the oldest."""
    return queryset.annotate(**{RELEASE_SORT_FIELD: Coalesce("release_date", date(1, 1, 1))})


def films_queryset() -> QuerySet[Film]:
    """All films in catalogue order (newest release first), relations not loaded.

    Kept bare so that API resolvers can add the prefetches their selection
    set needs (see `with_details`) instead of paying for all of them.
    """
    return Film.objects.all()


def with_details(queryset: QuerySet[Film]) -> QuerySet[Film]:
    """Prefetch genres, credits with their people, and box-office figures."""
    credits = Credit.objects.select_related("person").order_by("role", "sort_order", "pk")
    return queryset.prefetch_related("genres", Prefetch("credits", queryset=credits), "box_office")


def film_by_slug(slug: str) -> Film | None:
    """One film with its details, or None when the slug is unknown."""
    return with_details(films_queryset()).filter(slug=slug).first()
