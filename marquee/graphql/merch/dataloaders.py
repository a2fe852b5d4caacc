"""Loaders for the catalogue: each runs one statement for all keys of a request."""

from collections import defaultdict

from django.db.models import F

from marquee.merch import models, selectors
from marquee.merch.models.attributes import ProductTypeAttribute
from marquee.merch.pricing.taxes import with_default_tax_rate

from ..core.dataloaders import ByIdLoader, DataLoader, ManyByFieldLoader, group_by


class ChannelBySlugLoader(DataLoader):
    def batch_load(self, keys):
        channels = with_default_tax_rate(models.Channel.objects.filter(slug__in=set(keys)))
        by_slug = {c.slug: c for c in channels}
        return [by_slug.get(key) for key in keys]


class ChannelByIdLoader(DataLoader):
    """Channels carry their default country's tax rate: prices cost no extra statement."""

    def batch_load(self, keys):
        channels = with_default_tax_rate(models.Channel.objects.filter(pk__in=set(keys)))
        by_id = {c.pk: c for c in channels}
        return [by_id.get(key) for key in keys]


class CategoryByIdLoader(ByIdLoader):
    model = models.Category


class CollectionByIdLoader(ByIdLoader):
    model = models.Collection


class ProductByIdLoader(ByIdLoader):
    model = models.Product


class ProductTypeByIdLoader(ByIdLoader):
    model = models.ProductType


class PageByIdLoader(ByIdLoader):
    model = models.Page


class PageTypeByIdLoader(ByIdLoader):
    model = models.PageType


class VariantsByProductIdLoader(ManyByFieldLoader):
    model = models.ProductVariant
    field = "product_id"


class MediaByProductIdLoader(ManyByFieldLoader):
    model = models.ProductMedia
    field = "product_id"


class MediaByVariantIdLoader(DataLoader):
    def batch_load(self, keys):
        through = models.ProductVariant.media.through.objects.filter(
            productvariant_id__in=set(keys)
        ).select_related("productmedia")
        grouped = group_by(through, lambda row: row.productvariant_id)
        return [
            sorted(
                (row.productmedia for row in grouped.get(key, [])),
                key=lambda m: (m.sort_order, m.pk),
            )
            for key in keys
        ]


class CollectionsByProductIdLoader(DataLoader):
    def batch_load(self, keys):
        rows = models.CollectionProduct.objects.filter(product_id__in=set(keys)).select_related(
            "collection"
        )
        grouped = group_by(rows, lambda row: row.product_id)
        return [[row.collection for row in grouped.get(key, [])] for key in keys]


class ProductListingByProductChannelLoader(DataLoader):
    """Key: (product_id, channel_id)."""

    def batch_load(self, keys):
        product_ids = {p for p, _ in keys}
        channel_ids = {c for _, c in keys}
        rows = models.ProductChannelListing.objects.filter(
            product_id__in=product_ids, channel_id__in=channel_ids
        )
        by_key = {(r.product_id, r.channel_id): r for r in rows}
        return [by_key.get(key) for key in keys]


class VariantListingsByProductChannelLoader(DataLoader):
    """Key: (product_id, channel_id) -> the priced variant listings the viewer may see.

    Variants a variant filter hides from the viewer (`merch.extensions`) are
    left out here, so they vanish from the product's variants and price range.
    """

    def batch_load(self, keys):
        rows = models.ProductVariantChannelListing.objects.filter(
            variant__product_id__in={p for p, _ in keys}, channel_id__in={c for _, c in keys}
        ).annotate(product_id=F("variant__product_id"))
        user = getattr(self.context, "user", None)
        viewer = user if getattr(user, "is_authenticated", False) else None
        shown = selectors.shown_variants(viewer)
        if shown is not None:
            rows = rows.filter(variant__in=shown)
        grouped = group_by(rows, lambda row: (row.product_id, row.channel_id))
        return [grouped.get(key, []) for key in keys]


class VariantListingByVariantChannelLoader(DataLoader):
    """Key: (variant_id, channel_id)."""

    def batch_load(self, keys):
        rows = models.ProductVariantChannelListing.objects.filter(
            variant_id__in={v for v, _ in keys}, channel_id__in={c for _, c in keys}
        )
        by_key = {(r.variant_id, r.channel_id): r for r in rows}
        return [by_key.get(key) for key in keys]


class QuantityAvailableByVariantChannelLoader(DataLoader):
    """Key: (variant_id, channel_id) -> unallocated units in the channel's warehouses."""

    def batch_load(self, keys):
        by_channel = defaultdict(set)
        for variant_id, channel_id in keys:
            by_channel[channel_id].add(variant_id)
        available = {}
        for channel_id, variant_ids in by_channel.items():
            for variant_id, qty in selectors.quantity_available(
                list(variant_ids), channel_id
            ).items():
                available[(variant_id, channel_id)] = qty
        return [available.get(key, 0) for key in keys]


class TypeAttributesByProductTypeIdLoader(ManyByFieldLoader):
    model = ProductTypeAttribute
    field = "product_type_id"
    select_related = ("attribute",)


class AssignedValuesLoader(DataLoader):
    """Key: owner id -> the AttributeValues assigned to it (with their attribute), in order."""

    through_model = None
    owner_field = ""

    def batch_load(self, keys):
        rows = self.through_model.objects.filter(
            **{f"{self.owner_field}__in": set(keys)}
        ).select_related("value__attribute", "value__reference_collection")
        grouped = group_by(rows, lambda row: getattr(row, self.owner_field))
        return [[row.value for row in grouped.get(key, [])] for key in keys]


class ValuesByProductIdLoader(AssignedValuesLoader):
    through_model = models.AssignedProductAttributeValue
    owner_field = "product_id"


class ValuesByVariantIdLoader(AssignedValuesLoader):
    through_model = models.AssignedVariantAttributeValue
    owner_field = "variant_id"


class ValuesByPageIdLoader(AssignedValuesLoader):
    through_model = models.AssignedPageAttributeValue
    owner_field = "page_id"


class MenuItemsByMenuIdLoader(ManyByFieldLoader):
    model = models.MenuItem
    field = "menu_id"


class PublishedCollectionIdsByChannelLoader(DataLoader):
    def batch_load(self, keys):
        return [
            set(selectors.visible_collections(key).values_list("pk", flat=True)) for key in keys
        ]
