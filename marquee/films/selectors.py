"""Reads of film data for the API, storefront and admin.

Relations are prefetched in a fixed number of queries whatever the number of
films, so callers that list films never fall into an N+1 on credits.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Credit, Film


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
