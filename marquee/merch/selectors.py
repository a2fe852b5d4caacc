"""Reads of the catalogue as a buyer in one channel sees it.

A product is visible in a channel when its listing there is published (and
the publication date has passed), at least one of its variants has a price
in that channel, and every registered catalogue filter (`extensions.py`,
e.g. the licence gate) lets it through. Listings (`products`, category and collection pages)
further require `visible_in_listings`; a product page does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from marquee.core.exceptions import DomainError

from . import search
from .extensions import apply_catalogue_filters, visible_variant_condition
from .models import (
    AssignedProductAttributeValue,
    AssignedVariantAttributeValue,
    Category,
    Channel,
    Collection,
    CollectionChannelListing,
    CollectionProduct,
    Page,
    Product,
    ProductChannelListing,
    ProductVariant,
    ProductVariantChannelListing,
    Stock,
)
from .pricing.taxes import with_default_tax_rate
from .reservations.selectors import counted_back, has_expired_holds


def active_channels() -> QuerySet[Channel]:
    # Each channel carries its default country's tax rate, so the catalogue
    # prices without a statement of its own (`pricing.taxes`).
    return with_default_tax_rate(Channel.objects.filter(is_active=True))


def channel_by_slug(slug: str) -> Channel | None:
    return with_default_tax_rate(Channel.objects.filter(slug=slug)).first()


def active_channel(pk: int) -> Channel | None:
    """A channel a buyer may shop in; an inactive channel is as good as absent."""
    return active_channels().filter(pk=pk).first()


MAX_SLUG_LENGTH = 255


def storefront_channel(slug: str | None) -> Channel:
    """The channel a buyer asks for by slug, or a DomainError saying why it cannot be used.

    With a single active channel the slug may be left out, as in Saleor.
    Codes: REQUIRED (no slug, several channels), NOT_FOUND, CHANNEL_INACTIVE.
    """
    if slug is None:
        channels = list(active_channels()[:2])
        if len(channels) != 1:
            raise DomainError.single(
                "REQUIRED",
                "Argument `channel` is required: this shop sells through several channels.",
                "channel",
            )
        return channels[0]
    channel = (
        channel_by_slug(slug) if isinstance(slug, str) and len(slug) <= MAX_SLUG_LENGTH else None
    )
    if channel is None:
        raise DomainError.single(
            "NOT_FOUND", f"Channel {str(slug)[:MAX_SLUG_LENGTH]!r} does not exist.", "channel"
        )
    if not channel.is_active:
        raise DomainError.single("CHANNEL_INACTIVE", f"Channel {slug!r} is not active.", "channel")
    return channel


def shown_variants(viewer=None, now=None) -> QuerySet[ProductVariant] | None:
    """Variants the registered variant filters let `viewer` see; None when none restricts."""
    condition = visible_variant_condition(viewer, now or timezone.now())
    return None if condition is None else ProductVariant.objects.filter(condition)


def visible_products(
    channel: Channel, *, listed_only: bool, now=None, viewer=None, for_anyone=False
) -> QuerySet[Product]:
    """Products `viewer` (the signed-in user, or None) may see in `channel`.

    `for_anyone`: products at least one viewer may see (variant filters are
    not applied), for what is fetched without a viewer, such as media files.
    """
    now = now or timezone.now()
    published = ProductChannelListing.objects.filter(
        product_id=OuterRef("pk"), channel=channel, is_published=True
    ).filter(Q(published_at__isnull=True) | Q(published_at__lte=now))
    if listed_only:
        published = published.filter(visible_in_listings=True)
    priced = ProductVariantChannelListing.objects.filter(
        variant__product_id=OuterRef("pk"), channel=channel
    )
    shown = None if for_anyone else shown_variants(viewer, now)
    if shown is not None:
        priced = priced.filter(variant__in=shown)
    queryset = Product.objects.filter(Exists(published), Exists(priced))
    return apply_catalogue_filters(queryset, channel, now)


def visible_variants(channel: Channel, now=None, viewer=None) -> QuerySet[ProductVariant]:
    """Variants a buyer may open in a channel: priced there, of a product visible there.

    A product page need not be listed (`listed_only=False`), so neither need its variants.
    """
    variants = ProductVariant.objects.filter(
        product__in=visible_products(channel, listed_only=False, now=now, viewer=viewer),
        channel_listings__channel=channel,
    )
    condition = visible_variant_condition(viewer, now or timezone.now())
    return variants if condition is None else variants.filter(condition)


def visible_pages(now=None) -> QuerySet[Page]:
    """Content pages a visitor may read: published, and the publication date has passed."""
    now = now or timezone.now()
    return Page.objects.filter(is_published=True).filter(
        Q(published_at__isnull=True) | Q(published_at__lte=now)
    )


def visible_collections(channel: Channel, now=None) -> QuerySet[Collection]:
    now = now or timezone.now()
    published = CollectionChannelListing.objects.filter(
        collection_id=OuterRef("pk"), channel=channel, is_published=True
    ).filter(Q(published_at__isnull=True) | Q(published_at__lte=now))
    return Collection.objects.filter(Exists(published))


def category_products(category: Category, queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Products of a category and of every category below it, as Saleor lists them."""
    tree = category.get_descendants(include_self=True)
    return queryset.filter(category__in=tree)


def collection_products(collection: Collection, queryset: QuerySet[Product]) -> QuerySet[Product]:
    sort_order = CollectionProduct.objects.filter(
        collection=collection, product_id=OuterRef("pk")
    ).values("sort_order")[:1]
    return queryset.filter(
        Exists(CollectionProduct.objects.filter(collection=collection, product_id=OuterRef("pk")))
    ).annotate(collection_sort_order=Coalesce(Subquery(sort_order), 0))


def _min_price(channel: Channel, viewer=None):
    listings = ProductVariantChannelListing.objects.filter(
        variant__product_id=OuterRef("pk"), channel=channel
    )
    shown = shown_variants(viewer)
    if shown is not None:
        listings = listings.filter(variant__in=shown)
    return Subquery(
        listings.values("variant__product_id")
        .annotate(lowest=Min("price_amount"))
        .values("lowest")[:1]
    )


def with_price(queryset: QuerySet[Product], channel: Channel, viewer=None) -> QuerySet[Product]:
    """Annotate `min_price_amount`: the lowest price in the channel of a variant `viewer` sees."""
    return queryset.annotate(min_price_amount=Coalesce(_min_price(channel, viewer), Decimal(0)))


def in_stock(channel: Channel, now=None):
    """Has any variant with free stock in a warehouse serving the channel.

    Free: neither allocated nor reserved, or held by a reservation that has
    expired (its units are counted back before the sweep runs).
    """
    free = Q(quantity__gt=F("quantity_allocated") + F("quantity_reserved")) | Q(
        has_expired_holds(now or timezone.now())
    )
    return Exists(
        Stock.objects.filter(
            free, product_variant__product_id=OuterRef("pk"), warehouse__channels=channel
        )
    )


@dataclass
class ProductFilter:
    """A buyer's filter, in domain terms; the API translates its inputs into this."""

    search: str | None = None
    ids: list[int] | None = None
    slugs: list[str] | None = None
    names: list[str] | None = None
    category_ids: list[int] | None = None
    collection_ids: list[int] | None = None
    product_type_ids: list[int] | None = None
    film_ids: list[int] | None = None
    has_category: bool | None = None
    price_gte: Decimal | None = None
    price_lte: Decimal | None = None
    in_stock: bool | None = None
    is_available: bool | None = None
    # [(attribute slug, [value slugs])]: a product matches every attribute given.
    attribute_values: list[tuple[str, list[str]]] | None = None
    # [(attribute slug, boolean)] for boolean attributes such as `bestseller`.
    attribute_booleans: list[tuple[str, bool]] | None = None


def filter_products(
    queryset: QuerySet[Product], flt: ProductFilter, channel: Channel
) -> QuerySet[Product]:
    if flt.search:
        queryset = search.matching(queryset, flt.search)
    if flt.ids is not None:
        queryset = queryset.filter(pk__in=flt.ids)
    if flt.slugs is not None:
        queryset = queryset.filter(slug__in=flt.slugs)
    if flt.names is not None:
        queryset = queryset.filter(name__in=flt.names)
    if flt.category_ids is not None:
        tree = Category.objects.none()
        for category in Category.objects.filter(pk__in=flt.category_ids):
            tree = tree | category.get_descendants(include_self=True)
        queryset = queryset.filter(category__in=tree)
    if flt.collection_ids is not None:
        queryset = queryset.filter(
            Exists(
                CollectionProduct.objects.filter(
                    collection_id__in=flt.collection_ids, product_id=OuterRef("pk")
                )
            )
        )
    if flt.product_type_ids is not None:
        queryset = queryset.filter(product_type_id__in=flt.product_type_ids)
    if flt.film_ids is not None:
        queryset = queryset.filter(film_id__in=flt.film_ids)
    if flt.has_category is not None:
        queryset = queryset.filter(category__isnull=not flt.has_category)
    if flt.price_gte is not None or flt.price_lte is not None:
        priced = ProductVariantChannelListing.objects.filter(
            variant__product_id=OuterRef("pk"), channel=channel
        )
        if flt.price_gte is not None:
            priced = priced.filter(price_amount__gte=flt.price_gte)
        if flt.price_lte is not None:
            priced = priced.filter(price_amount__lte=flt.price_lte)
        queryset = queryset.filter(Exists(priced))
    if flt.in_stock is not None:
        queryset = queryset.filter(in_stock(channel) if flt.in_stock else ~in_stock(channel))
    if flt.is_available is not None:
        available = ProductChannelListing.objects.filter(
            product_id=OuterRef("pk"),
            channel=channel,
            available_for_purchase_at__lte=timezone.now(),
        )
        queryset = queryset.filter(Exists(available) if flt.is_available else ~Exists(available))
    for attribute_slug, value_slugs in flt.attribute_values or []:
        queryset = queryset.filter(
            _has_attribute_values(attribute_slug, Q(value__slug__in=value_slugs))
        )
    for attribute_slug, boolean in flt.attribute_booleans or []:
        queryset = queryset.filter(_has_attribute_values(attribute_slug, Q(value__boolean=boolean)))
    return queryset


def _has_attribute_values(attribute_slug: str, value_condition: Q):
    """The product, or one of its variants, carries a value of the attribute matching."""
    on_product = AssignedProductAttributeValue.objects.filter(
        value_condition, product_id=OuterRef("pk"), value__attribute__slug=attribute_slug
    )
    on_variant = AssignedVariantAttributeValue.objects.filter(
        value_condition, variant__product_id=OuterRef("pk"), value__attribute__slug=attribute_slug
    )
    return Exists(on_product) | Exists(on_variant)


def quantity_available(
    variant_ids: list[int], channel_id: int, *, checkout_id=None, now=None
) -> dict[int, int]:
    """Free stock per variant across the warehouses serving a channel (one statement).

    Free = quantity - allocated - reserved, plus the units of expired holds
    not swept yet and, given `checkout_id`, the units that checkout holds
    itself (it may use them). See `reservations.selectors.counted_back`.
    """
    back = counted_back(now or timezone.now(), checkout_id)
    rows = (
        Stock.objects.filter(product_variant_id__in=variant_ids, warehouse__channels=channel_id)
        .annotate(free=F("quantity") - F("quantity_allocated") - F("quantity_reserved") + back)
        .values("product_variant_id")
        .annotate(available=Sum("free"))
    )
    return {row["product_variant_id"]: max(row["available"] or 0, 0) for row in rows}


def priced_listings(channel: Channel) -> QuerySet[ProductVariantChannelListing]:
    return ProductVariantChannelListing.objects.filter(channel=channel)
