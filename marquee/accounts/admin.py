from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Address, User, UserAddress


class UserAddressInline(admin.TabularInline):
    """The address book on the user's page: which addresses, and a link to edit each."""

    model = UserAddress
    extra = 0
    fields = ("address", "is_default_shipping", "is_default_billing")
    readonly_fields = ("is_default_shipping", "is_default_billing")
    raw_id_fields = ("address",)
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("address", "user")

    @admin.display(boolean=True, description="Default shipping")
    def is_default_shipping(self, entry):
        return entry.user.default_shipping_address_id == entry.address_id

    @admin.display(boolean=True, description="Default billing")
    def is_default_billing(self, entry):
        return entry.user.default_billing_address_id == entry.address_id


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "language_code")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("date_joined", "last_login")
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = (UserAddressInline,)

    def get_inlines(self, request, obj):
        # The add form has no user yet to hang an address book on.
        return self.inlines if obj is not None else ()


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("__str__", "country", "city", "postal_code", "phone")
    list_filter = ("country",)
    search_fields = (
        "first_name",
        "last_name",
        "company_name",
        "street_address_1",
        "city",
        "postal_code",
        "phone",
    )
