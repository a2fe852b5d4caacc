"""Attributes (size, colour, edition...) shared by products, variants and pages."""

from django.db import models

from marquee.core.models import Translatable

from .rows import LoadedRow


class AttributeInputType(models.TextChoices):
    DROPDOWN = "dropdown", "Dropdown"
    MULTISELECT = "multiselect", "Multi select"
    SWATCH = "swatch", "Swatch"
    PLAIN_TEXT = "plain-text", "Plain text"
    BOOLEAN = "boolean", "Boolean"
    NUMERIC = "numeric", "Numeric"
    DATE = "date", "Date"
    FILE = "file", "File"
    REFERENCE = "reference", "Reference"


class AttributeType(models.TextChoices):
    PRODUCT_TYPE = "product-type", "Product type"
    PAGE_TYPE = "page-type", "Page type"


class Attribute(LoadedRow, Translatable):
    slug = models.SlugField(max_length=250, unique=True)
    name = models.CharField(max_length=255)
    type = models.CharField(
        max_length=50, choices=AttributeType.choices, default=AttributeType.PRODUCT_TYPE
    )
    input_type = models.CharField(
        max_length=50, choices=AttributeInputType.choices, default=AttributeInputType.DROPDOWN
    )
    unit = models.CharField(max_length=100, blank=True)
    visible_in_storefront = models.BooleanField(default=True)
    filterable_in_storefront = models.BooleanField(default=True)
    storefront_search_position = models.IntegerField(default=0)

    class Meta:
        ordering = ("storefront_search_position", "slug")

    def __str__(self):
        return self.name


class AttributeValue(LoadedRow, Translatable):
    """One value of an attribute.

    Choice values carry `name`/`slug`; a boolean, numeric, plain-text, file or
    collection-reference value lives in its own column so it keeps its type.
    """

    attribute = models.ForeignKey(Attribute, related_name="values", on_delete=models.CASCADE)
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255)
    value = models.CharField(max_length=255, blank=True)  # e.g. a swatch's hex colour
    plain_text = models.TextField(blank=True)
    boolean = models.BooleanField(null=True, blank=True)
    numeric = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    file_url = models.URLField(max_length=500, blank=True)
    reference_collection = models.ForeignKey(
        "merch.Collection", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sort_order = models.IntegerField(default=0, db_index=True)

    class Meta:
        ordering = ("sort_order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["attribute", "slug"], name="attribute_value_slug_unique"
            )
        ]

    def __str__(self):
        return self.name


class ProductTypeAttribute(LoadedRow, models.Model):
    """An attribute used by a product type, on products or on their variants.

    `variant_selection` marks the variant attributes a buyer chooses between
    (size, colour), Saleor's VARIANT_SELECTION scope.
    """

    product_type = models.ForeignKey(
        "merch.ProductType", related_name="type_attributes", on_delete=models.CASCADE
    )
    attribute = models.ForeignKey(Attribute, related_name="+", on_delete=models.CASCADE)
    on_variant = models.BooleanField(default=False)
    variant_selection = models.BooleanField(default=False)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["product_type", "attribute", "on_variant"],
                name="product_type_attribute_unique",
            )
        ]


class AssignedProductAttributeValue(LoadedRow, models.Model):
    product = models.ForeignKey(
        "merch.Product", related_name="attribute_values", on_delete=models.CASCADE
    )
    value = models.ForeignKey(AttributeValue, related_name="+", on_delete=models.CASCADE)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "value"], name="assigned_product_value_unique"
            )
        ]


class AssignedVariantAttributeValue(LoadedRow, models.Model):
    variant = models.ForeignKey(
        "merch.ProductVariant", related_name="attribute_values", on_delete=models.CASCADE
    )
    value = models.ForeignKey(AttributeValue, related_name="+", on_delete=models.CASCADE)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "value"], name="assigned_variant_value_unique"
            )
        ]


class AssignedPageAttributeValue(models.Model):
    page = models.ForeignKey(
        "merch.Page", related_name="attribute_values", on_delete=models.CASCADE
    )
    value = models.ForeignKey(AttributeValue, related_name="+", on_delete=models.CASCADE)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "pk")
        constraints = [
            models.UniqueConstraint(fields=["page", "value"], name="assigned_page_value_unique")
        ]
