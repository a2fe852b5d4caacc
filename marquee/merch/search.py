"""The text the storefront's `search` filter matches products against.

Searching is a substring match (ILIKE) on `Product.search_document`, so the
document holds everything a shopper might type — names in every language,
SKUs, the film's titles — lower-cased once here rather than on every query.
It is denormalised: whatever changes one of its sources (a product, its
variants, its category, its film) must call `refresh_search_documents`.

`matching` is the filter and `ranked` the relevance order (an exact name
first, then names that start with the term, then names that contain it,
then matches found only elsewhere in the document); the API and any web
view call these two and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from .models import Product, ProductVariant

REFRESH_BATCH_SIZE = 500


RANK_FIELD = "sort_rank"


def normalise(term: str) -> str:
    return term.strip().lower()


def matching(queryset: QuerySet[Product], term: str) -> QuerySet[Product]:
    """Products whose search document contains the term (case-insensitively)."""
    return queryset.filter(search_document__contains=normalise(term))


def ranked(queryset: QuerySet[Product], term: str) -> QuerySet[Product]:
    """Annotate `sort_rank` (3 best .. 0): sort by it descending, then by name."""
    term = term.strip()
    return queryset.annotate(
        **{
            RANK_FIELD: Case(
                When(name__iexact=term, then=Value(3)),
                When(name__istartswith=term, then=Value(2)),
                When(name__icontains=term, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        }
    )


def build_search_document(product: Product) -> str:
    """Return the lower-cased search text of one product.

    Reads `product.variants`, `product.film` and `product.category`; load
    them with `select_related`/`prefetch_related` when building many.
    """
    terms: list[str] = [product.name, product.slug]
    terms.extend(_translated(product.translations, "name", "slug"))
    for variant in product.variants.all():
        terms.extend([variant.sku or "", variant.name])
        terms.extend(_translated(variant.translations, "name"))
    film = product.film
    if film is not None:
        terms.extend([film.title, film.title_zh, film.title_en])
    category = product.category
    if category is not None:
        terms.append(category.name)
        terms.extend(_translated(category.translations, "name"))
    return "\n".join(_unique(term.strip().lower() for term in terms if term and term.strip()))


def refresh_search_documents(product_ids: Iterable[int]) -> int:
    """Recompute and store the search documents of the given products.

    Three queries per batch whatever its size (products with film and
    category, their variants, one UPDATE), so a bulk import stays cheap.
    Returns how many documents changed.
    """
    ids = sorted({int(pk) for pk in product_ids})
    changed = 0
    for start in range(0, len(ids), REFRESH_BATCH_SIZE):
        batch = ids[start : start + REFRESH_BATCH_SIZE]
        products = (
            Product.objects.filter(pk__in=batch)
            .select_related("film", "category")
            .prefetch_related(
                Prefetch(
                    "variants",
                    queryset=ProductVariant.objects.only(
                        "id", "product_id", "sku", "name", "translations", "sort_order"
                    ),
                )
            )
            .only(
                "id",
                "name",
                "slug",
                "translations",
                "search_document",
                "film__title",
                "film__title_zh",
                "film__title_en",
                "category__name",
                "category__translations",
            )
        )
        stale = []
        for product in products:
            document = build_search_document(product)
            if document != product.search_document:
                product.search_document = document
                stale.append(product)
        if stale:
            Product.objects.bulk_update(stale, ["search_document"])
            changed += len(stale)
    return changed


def _translated(translations: dict | None, *fields: str) -> list[str]:
    values = []
    for fields_by_name in (translations or {}).values():
        if isinstance(fields_by_name, dict):
            values.extend(
                str(fields_by_name[field]) for field in fields if fields_by_name.get(field)
            )
    return values


def _unique(terms: Iterable[str]) -> list[str]:
    """Drop repeats (an English translation usually equals the name) in order."""
    return list(dict.fromkeys(terms))
