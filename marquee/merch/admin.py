"""Django admin for the catalogue, for staff.

Changelists select their related rows up front and inline selects share one
evaluated list of choices per formset, so a page costs a bounded number of
queries however many rows it shows. The admin edits rows directly; what it
denormalises (the product search document) it refreshes after saving.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, RelatedFieldWidgetWrapper
from django.db import models
from django.db.models import Count
from mptt.admin import DraggableMPTTAdmin, TreeRelatedFieldListFilter

from marquee.core.exceptions import DomainError

from . import stock_levels
from .models import (
    AssignedPageAttributeValue,
    AssignedProductAttributeValue,
    AssignedVariantAttributeValue,
    Attribute,
    AttributeValue,
    Category,
    Channel,
    Collection,
    CollectionChannelListing,
    CollectionProduct,
    Menu,
    MenuItem,
    Page,
    PageType,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductType,
    ProductTypeAttribute,
    ProductVariant,
    ProductVariantChannelListing,
    Stock,
    Warehouse,
)
from .search import refresh_search_documents

# Django 6 makes https the default scheme of URLs typed without one; opt in now.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class BatchedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete select that can take its current value's label from a batch.

    Django's widget looks up the selected object with one query per widget,
    which in an inline is one query per row.
    """

    labels: dict[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if self.labels is None or any(pk not in self.labels for pk in selected):
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for pk in selected:
            options.append(self.create_option(name, pk, self.labels[pk], True, len(options)))
        return [(None, options, 0)]


class BoundedQueriesFormSetMixin:
    """Evaluates shared choices and batched labels once, when the formset is built.

    Not in `get_formset`: the admin also calls that just to list an inline's
    fields, and the work would be done twice.
    """

    shared: tuple[str, ...] = ()
    batched: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.form.base_fields
        for name in self.shared:
            # iter(): list() would ask the choices for their length, a COUNT query.
            fields[name].choices = list(iter(fields[name].choices))
        for name in self.batched:
            field = fields[name]
            attname = self.model._meta.get_field(name).attname
            ids = {getattr(row, attname) for row in self.get_queryset()} - {None}
            field.widget.widget.labels = {
                str(pk): field.label_from_instance(related)
                for pk, related in field.queryset.in_bulk(ids).items()
            }


class BoundedQueriesInlineMixin:
    """Keep an inline's queries independent of its number of rows.

    Each form of an inline formset renders its own widgets: a select runs a
    query for its choices and an autocomplete one for its current value. The
    choices of small selects (`shared_choice_fields`) are evaluated once per
    formset, and the current values of autocomplete fields are labelled with
    one query per field.
    """

    shared_choice_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = BatchedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        self.limit_choices(fields, obj)
        shared = tuple(name for name in self.shared_choice_fields if name in fields)
        batched = tuple(
            name
            for name in self.get_autocomplete_fields(request)
            if isinstance(getattr(fields.get(name), "widget", None), RelatedFieldWidgetWrapper)
            and isinstance(fields[name].widget.widget, BatchedAutocompleteSelect)
        )
        if not shared and not batched:
            return formset
        return type(
            formset.__name__,
            (BoundedQueriesFormSetMixin, formset),
            {"shared": shared, "batched": batched},
        )

    def limit_choices(self, fields, obj) -> None:
        """Narrow a field's queryset to the parent object."""


# --- Channels, warehouses, stock ----------------------------------------------------


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "currency_code",
        "default_country",
        "is_active",
        "reservation_minutes_anonymous",
        "reservation_minutes_authenticated",
    )
    list_filter = ("is_active", "currency_code")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "city", "country")
    list_filter = ("country", "channels")
    search_fields = ("name", "slug", "city")
    filter_horizontal = ("channels",)
    prepopulated_fields = {"slug": ("name",)}


class StockForm(forms.ModelForm):
    """Staff set the quantity they counted; the allocation counter is not theirs to edit.

    `quantity_seen` carries the on-hand quantity the page showed, so saving
    applies the difference (`stock_levels.set_counted_quantity`) instead of
    writing back counters that buyers have moved since the page was opened.
    """

    quantity_seen = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Stock
        fields = ("warehouse", "product_variant", "quantity")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity_seen"].initial = self.instance.quantity if self.instance.pk else 0

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or "quantity" not in cleaned:
            return cleaned
        fresh = Stock.objects.get(pk=self.instance.pk)
        seen = cleaned.get("quantity_seen")
        seen = fresh.quantity if seen is None else seen
        cleaned["quantity_seen"] = seen
        committed = fresh.quantity_allocated + fresh.quantity_reserved
        if fresh.quantity + cleaned["quantity"] - seen < committed:
            self.add_error(
                "quantity",
                f"{fresh.quantity_allocated} units are allocated to orders and "
                f"{fresh.quantity_reserved} reserved by checkouts; "
                f"on hand cannot go below that (now {fresh.quantity}).",
            )
        return cleaned


def save_stock(request, modeladmin, form) -> None:
    """Save a stock form: other fields as edited, the quantity by difference."""
    stock = form.instance
    if stock.pk is None:
        stock.quantity_allocated = 0
        stock.quantity_reserved = 0
        stock.save()
        return
    other = [f for f in form.changed_data if f not in ("quantity", "quantity_seen")]
    if other:
        stock.save(update_fields=other)
    try:
        stock_levels.set_counted_quantity(
            stock.pk, form.cleaned_data["quantity"], as_seen=form.cleaned_data["quantity_seen"]
        )
    except DomainError as error:  # allocations moved between clean() and save
        modeladmin.message_user(request, str(error), level=messages.ERROR)


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    form = StockForm
    readonly_fields = ("quantity_allocated", "quantity_reserved")
    list_display = (
        "sku",
        "product_name",
        "warehouse",
        "quantity",
        "quantity_allocated",
        "quantity_reserved",
        "available",
    )
    list_select_related = ("warehouse", "product_variant__product")
    list_filter = ("warehouse",)
    search_fields = ("product_variant__sku", "product_variant__product__name")
    autocomplete_fields = ("product_variant",)
    ordering = ("product_variant__sku", "warehouse__slug")

    @admin.display(description="SKU", ordering="product_variant__sku")
    def sku(self, stock):
        return stock.product_variant.sku

    @admin.display(description="product", ordering="product_variant__product__name")
    def product_name(self, stock):
        return stock.product_variant.product.name

    @admin.display(description="available")
    def available(self, stock):
        return stock.quantity_available

    def save_model(self, request, obj, form, change):
        save_stock(request, self, form)


# --- Categories, attributes, product types -----------------------------------------


@admin.register(Category)
class CategoryAdmin(DraggableMPTTAdmin):
    list_display = ("tree_actions", "indented_title", "slug")
    list_display_links = ("indented_title",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class AttributeValueInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = AttributeValue
    formfield_overrides = HTTPS_URLS
    fields = (
        "name",
        "slug",
        "value",
        "plain_text",
        "boolean",
        "numeric",
        "file_url",
        "reference_collection",
        "sort_order",
    )
    autocomplete_fields = ("reference_collection",)
    extra = 0


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "input_type",
        "type",
        "visible_in_storefront",
        "filterable_in_storefront",
    )
    list_filter = ("input_type", "type")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (AttributeValueInline,)


@admin.register(AttributeValue)
class AttributeValueAdmin(admin.ModelAdmin):
    """Mostly here so that assigned values can be picked by autocomplete."""

    formfield_overrides = HTTPS_URLS

    list_display = ("name", "slug", "attribute", "value", "sort_order")
    list_select_related = ("attribute",)
    list_filter = ("attribute",)
    search_fields = ("name", "slug", "attribute__name", "attribute__slug")
    autocomplete_fields = ("attribute", "reference_collection")


class ProductTypeAttributeInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = ProductTypeAttribute
    fields = ("attribute", "on_variant", "variant_selection", "sort_order")
    shared_choice_fields = ("attribute",)
    extra = 0


@admin.register(ProductType)
class ProductTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "has_variants", "is_shipping_required")
    list_filter = ("has_variants", "is_shipping_required")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (ProductTypeAttributeInline,)


# --- Products and variants ------------------------------------------------------------


class ProductVariantInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = ProductVariant
    fields = ("sku", "name", "track_inventory", "weight_grams", "sort_order")
    show_change_link = True
    extra = 0


class ProductChannelListingInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = ProductChannelListing
    fields = (
        "channel",
        "is_published",
        "published_at",
        "visible_in_listings",
        "available_for_purchase_at",
    )
    shared_choice_fields = ("channel",)
    extra = 0


class ProductMediaInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = ProductMedia
    formfield_overrides = HTTPS_URLS
    fields = ("image", "alt", "type", "external_url", "sort_order")
    extra = 0


class AssignedProductAttributeValueInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = AssignedProductAttributeValue
    fields = ("value", "sort_order")
    autocomplete_fields = ("value",)
    extra = 0
    verbose_name = "attribute value"


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "product_type", "category", "film", "created_at")
    list_select_related = ("product_type", "category", "film")
    list_filter = (
        ("category", TreeRelatedFieldListFilter),
        "product_type",
        "film",
        "channel_listings__channel",
    )
    search_fields = (
        "name",
        "slug",
        "variants__sku",
        "film__title",
        "film__title_zh",
        "film__title_en",
    )
    autocomplete_fields = ("product_type", "category")
    # Films are administered by their own app; a raw id needs no admin there.
    raw_id_fields = ("film",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("search_document", "created_at", "updated_at")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("name", "slug", "product_type", "category", "film", "rating")}),
        ("Description", {"fields": ("description",)}),
        ("SEO", {"fields": ("seo_title", "seo_description"), "classes": ("collapse",)}),
        ("Translations", {"fields": ("translations",), "classes": ("collapse",)}),
        ("Search", {"fields": ("search_document", "created_at", "updated_at")}),
    )
    inlines = (
        ProductVariantInline,
        ProductChannelListingInline,
        AssignedProductAttributeValueInline,
        ProductMediaInline,
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the inlines: the document includes the variants' SKUs and names.
        refresh_search_documents([form.instance.pk])


class VariantChannelListingForm(forms.ModelForm):
    """A price is always in its channel's currency: fill it in, refuse another."""

    class Meta:
        model = ProductVariantChannelListing
        fields = ("channel", "currency", "price_amount", "cost_price_amount")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False
        self.fields["currency"].help_text = "Filled in from the channel."

    def clean(self):
        cleaned = super().clean()
        channel = cleaned.get("channel")
        if channel is not None:
            currency = (cleaned.get("currency") or "").upper()
            if currency and currency != channel.currency_code:
                self.add_error(
                    "currency",
                    f"Channel {channel} sells in {channel.currency_code}, not {currency}.",
                )
            cleaned["currency"] = channel.currency_code
        return cleaned


class VariantChannelListingInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = ProductVariantChannelListing
    form = VariantChannelListingForm
    shared_choice_fields = ("channel",)
    extra = 0


class StockInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = Stock
    form = StockForm
    fields = ("warehouse", "quantity", "quantity_seen", "quantity_allocated", "quantity_reserved")
    readonly_fields = ("quantity_allocated", "quantity_reserved")
    shared_choice_fields = ("warehouse",)
    extra = 0


class AssignedVariantAttributeValueInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = AssignedVariantAttributeValue
    fields = ("value", "sort_order")
    autocomplete_fields = ("value",)
    extra = 0
    verbose_name = "attribute value"


@admin.register(ProductVariant)
class ProductVariantAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "product", "track_inventory", "weight_grams")
    list_select_related = ("product",)
    list_filter = ("product__product_type", "track_inventory")
    search_fields = ("sku", "name", "product__name")
    autocomplete_fields = ("product",)
    inlines = (
        VariantChannelListingInline,
        StockInline,
        AssignedVariantAttributeValueInline,
    )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Stock:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for stock in formset.deleted_objects:
            stock.delete()
        for stock_form in formset.forms:
            if stock_form in formset.deleted_forms or not stock_form.has_changed():
                continue
            stock_form.instance.product_variant = form.instance
            save_stock(request, self, stock_form)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        media = form.base_fields.get("media")
        if media is not None:
            # Only the product's own images can illustrate one of its variants.
            product_id = obj.product_id if obj is not None else None
            media.queryset = ProductMedia.objects.filter(product_id=product_id)
            media.label_from_instance = lambda item: item.alt or item.image.name
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh_search_documents([form.instance.product_id])


# --- Collections ------------------------------------------------------------------------


class CollectionProductInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = CollectionProduct
    fields = ("product", "sort_order")
    autocomplete_fields = ("product",)
    extra = 0
    verbose_name = "product"


class CollectionChannelListingInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = CollectionChannelListing
    fields = ("channel", "is_published", "published_at")
    shared_choice_fields = ("channel",)
    extra = 0


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "product_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (CollectionProductInline, CollectionChannelListingInline)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, collection):
        return collection.product_count


# --- Pages and menus --------------------------------------------------------------------


@admin.register(PageType)
class PageTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class AssignedPageAttributeValueInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = AssignedPageAttributeValue
    fields = ("value", "sort_order")
    autocomplete_fields = ("value",)
    extra = 0
    verbose_name = "attribute value"


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "page_type", "is_published", "published_at")
    list_select_related = ("page_type",)
    list_filter = ("page_type", "is_published")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (AssignedPageAttributeValueInline,)


class MenuItemInline(BoundedQueriesInlineMixin, admin.TabularInline):
    model = MenuItem
    formfield_overrides = HTTPS_URLS
    fields = ("name", "parent", "sort_order", "category", "collection", "page", "url")
    shared_choice_fields = ("parent", "category", "collection", "page")
    extra = 0

    def limit_choices(self, fields, obj) -> None:
        if "parent" in fields:
            fields["parent"].queryset = (
                MenuItem.objects.filter(menu=obj) if obj else MenuItem.objects.none()
            )


@admin.register(Menu)
class MenuAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MenuItemInline,)


# Admin screens of the commerce flow live in their own modules; importing
# them registers them.
from . import admin_commerce, admin_orders  # noqa: E402, F401
