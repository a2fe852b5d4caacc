"""Categories, product types, products, variants, collections and media."""

from django.db import models
from django.utils import timezone
from mptt.models import MPTTModel, TreeForeignKey

from marquee.core.models import Publishable, SeoFields, Translatable

from .rows import LoadedRow


class Category(MPTTModel, Translatable, SeoFields):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    # Rich text in Editor.js JSON, the format Saleor's storefront renders.
    description = models.JSONField(null=True, blank=True)
    parent = TreeForeignKey(
        "self", null=True, blank=True, related_name="children", on_delete=models.CASCADE
    )
    background_image = models.ImageField(upload_to="category-backgrounds", blank=True)
    background_image_alt = models.CharField(max_length=128, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "categories"

    class MPTTMeta:
        order_insertion_by = ["name"]

    def __str__(self):
        return self.name


class ProductType(models.Model):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    has_variants = models.BooleanField(default=True)
    is_shipping_required = models.BooleanField(default=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.name


class Product(LoadedRow, Translatable, SeoFields):
    product_type = models.ForeignKey(ProductType, related_name="products", on_delete=models.PROTECT)
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.JSONField(null=True, blank=True)
    category = models.ForeignKey(
        Category, related_name="products", null=True, blank=True, on_delete=models.SET_NULL
    )
    # The film the merchandise derives from; licences (a later layer) say
    # whether it may be sold.
    film = models.ForeignKey(
        "films.Film", related_name="products", null=True, blank=True, on_delete=models.PROTECT
    )
    rating = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    # Lower-cased text of names, translations, SKUs and film titles. Searched
    # by substring (ILIKE) so Chinese text, which has no word breaks for
    # PostgreSQL's text search, matches as well as English. The embedded
    # server ships no pg_trgm; a large catalogue on a full PostgreSQL would
    # add a trigram index here.
    search_document = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.name


class ProductVariant(LoadedRow, Translatable):
    product = models.ForeignKey(Product, related_name="variants", on_delete=models.CASCADE)
    sku = models.CharField(max_length=255, unique=True, null=True, blank=True)
    name = models.CharField(max_length=255, blank=True)
    track_inventory = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0, db_index=True)
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    media = models.ManyToManyField("ProductMedia", related_name="variants", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("sort_order", "sku", "pk")

    def __str__(self):
        return self.name or self.sku or f"variant {self.pk}"


class ProductChannelListing(LoadedRow, Publishable):
    """Whether and from when a product is shown and sold in one channel."""

    product = models.ForeignKey(Product, related_name="channel_listings", on_delete=models.CASCADE)
    channel = models.ForeignKey(
        "merch.Channel", related_name="product_listings", on_delete=models.CASCADE
    )
    visible_in_listings = models.BooleanField(default=True)
    available_for_purchase_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["product", "channel"], name="product_listing_unique")
        ]

    def clean(self):
        from django.core.exceptions import ValidationError

        from ..extensions import publication_errors

        if self.is_published:
            errors = publication_errors(self)
            if errors:
                raise ValidationError({"is_published": errors})

    def is_available_for_purchase(self, now=None) -> bool:
        now = now or timezone.now()
        return self.available_for_purchase_at is not None and self.available_for_purchase_at <= now


class ProductVariantChannelListing(LoadedRow, models.Model):
    """A variant's price in one channel, in that channel's currency."""

    variant = models.ForeignKey(
        ProductVariant, related_name="channel_listings", on_delete=models.CASCADE
    )
    channel = models.ForeignKey(
        "merch.Channel", related_name="variant_listings", on_delete=models.CASCADE
    )
    currency = models.CharField(max_length=3)
    price_amount = models.DecimalField(max_digits=20, decimal_places=4)
    cost_price_amount = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["variant", "channel"], name="variant_listing_unique"),
            models.CheckConstraint(
                condition=models.Q(price_amount__gte=0), name="variant_price_non_negative"
            ),
        ]


class ProductMediaType(models.TextChoices):
    IMAGE = "IMAGE", "An uploaded image"
    VIDEO = "VIDEO", "A URL to an external video"


class ProductMedia(LoadedRow, models.Model):
    product = models.ForeignKey(Product, related_name="media", on_delete=models.CASCADE)
    image = models.ImageField(upload_to="products", blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    alt = models.CharField(max_length=250, blank=True)
    type = models.CharField(
        max_length=32, choices=ProductMediaType.choices, default=ProductMediaType.IMAGE
    )
    sort_order = models.IntegerField(default=0, db_index=True)

    class Meta:
        ordering = ("sort_order", "pk")
        verbose_name_plural = "product media"


class Collection(Translatable, SeoFields):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.JSONField(null=True, blank=True)
    background_image = models.ImageField(upload_to="collection-backgrounds", blank=True)
    background_image_alt = models.CharField(max_length=128, blank=True)
    products = models.ManyToManyField(
        Product, through="CollectionProduct", related_name="collections", blank=True
    )

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.name


class CollectionProduct(models.Model):
    collection = models.ForeignKey(Collection, related_name="+", on_delete=models.CASCADE)
    product = models.ForeignKey(Product, related_name="+", on_delete=models.CASCADE)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "product"], name="collection_product_unique"
            )
        ]


class CollectionChannelListing(Publishable):
    collection = models.ForeignKey(
        Collection, related_name="channel_listings", on_delete=models.CASCADE
    )
    channel = models.ForeignKey(
        "merch.Channel", related_name="collection_listings", on_delete=models.CASCADE
    )

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "channel"], name="collection_listing_unique"
            )
        ]
