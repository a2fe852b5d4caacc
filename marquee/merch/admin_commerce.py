"""Django admin for shipping, taxes, vouchers and checkouts.

Changelists select related rows up front so a page costs a bounded number
of queries. Checkouts are shown read-only: they are the buyers' carts, and
staff look at them to answer questions, not to edit them.
"""

from django.contrib import admin

from .models import (
    Checkout,
    CheckoutLine,
    ShippingMethod,
    ShippingMethodChannelListing,
    ShippingZone,
    TaxRate,
    Voucher,
    VoucherChannelListing,
)


class ShippingMethodInline(admin.TabularInline):
    model = ShippingMethod
    fields = ("name", "minimum_delivery_days", "maximum_delivery_days")
    extra = 0
    show_change_link = True


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    list_display = ("name", "country_list")
    search_fields = ("name",)
    filter_horizontal = ("channels", "warehouses")
    inlines = (ShippingMethodInline,)

    @admin.display(description="Countries")
    def country_list(self, obj):
        return ", ".join(country.code for country in obj.countries)


class ShippingMethodChannelListingInline(admin.TabularInline):
    model = ShippingMethodChannelListing
    fields = (
        "channel",
        "currency",
        "price_amount",
        "minimum_order_price_amount",
        "maximum_order_price_amount",
    )
    extra = 0


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "minimum_delivery_days", "maximum_delivery_days")
    list_filter = ("zone",)
    list_select_related = ("zone",)
    search_fields = ("name", "zone__name")
    inlines = (ShippingMethodChannelListingInline,)


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("country", "rate", "name")
    search_fields = ("country", "name")


class VoucherChannelListingInline(admin.TabularInline):
    model = VoucherChannelListing
    fields = ("channel", "currency", "discount_value", "min_spent_amount")
    extra = 0


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "discount_type",
        "used",
        "usage_limit",
        "start_date",
        "end_date",
    )
    list_filter = ("discount_type",)
    search_fields = ("code", "name")
    inlines = (VoucherChannelListingInline,)


class CheckoutLineInline(admin.TabularInline):
    model = CheckoutLine
    fields = ("variant", "quantity", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant__product")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Checkout)
class CheckoutAdmin(admin.ModelAdmin):
    list_display = ("token", "email", "user", "channel", "voucher_code", "last_change")
    list_filter = ("channel",)
    list_select_related = ("user", "channel")
    search_fields = ("token", "email", "user__email", "voucher_code")
    date_hierarchy = "last_change"
    readonly_fields = (
        "token",
        "created_at",
        "last_change",
        "user",
        "email",
        "channel",
        "currency",
        "language_code",
        "shipping_address",
        "billing_address",
        "shipping_method",
        "voucher_code",
        "customer_note",
    )
    inlines = (CheckoutLineInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
