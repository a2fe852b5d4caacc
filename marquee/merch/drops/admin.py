"""Staff schedule drops in the admin; saving calls `services.schedule_drop`, nothing else.

The admin never saves a Drop or DropVariant row itself: the service sets the
variants' stock and the listing's start in the same transaction, and
refuses what it refuses anywhere (times out of order, a variant of another
product, stock below what is held, an unlicensed product). A refusal rolls
the whole save back and is shown to the staff member.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction

from marquee.core.exceptions import DomainError

from ..models import Drop, DropVariant
from . import services
from .states import state


class DropVariantInline(admin.TabularInline):
    model = DropVariant
    fields = ("variant", "quantity")
    autocomplete_fields = ("variant",)
    extra = 1


@admin.register(Drop)
class DropAdmin(admin.ModelAdmin):
    list_display = ("name", "channel", "product", "starts_at", "ends_at", "drop_state")
    list_select_related = ("channel", "product")
    list_filter = ("channel",)
    search_fields = ("name", "slug", "product__name")
    autocomplete_fields = ("product",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (DropVariantInline,)
    fields = (
        "name",
        "slug",
        "channel",
        "product",
        "starts_at",
        "ends_at",
        "early_access_starts_at",
        "per_customer_limit",
        "reservation_minutes",
        "admission_rate",
        "admission_burst",
    )

    @admin.display(description="state")
    def drop_state(self, drop):
        return state(drop)

    def save_model(self, request, obj, form, change):
        """Saved by `save_related`, through the service, once the variants are known."""

    def save_related(self, request, form, formsets, change):
        variants = []
        for formset in formsets:
            # The variants are the service's to write; the change message lists none.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is not DropVariant:
                continue
            for variant_form in formset.forms:
                cleaned = getattr(variant_form, "cleaned_data", None) or {}
                if not cleaned or cleaned.get("DELETE") or cleaned.get("variant") is None:
                    continue
                variants.append((cleaned["variant"].pk, cleaned["quantity"]))
        data = form.cleaned_data
        try:
            services.schedule_drop(
                services.DropInput(
                    slug=data["slug"],
                    name=data["name"],
                    channel_id=data["channel"].pk,
                    product_id=data["product"].pk,
                    variants=variants,
                    starts_at=data["starts_at"],
                    ends_at=data.get("ends_at"),
                    early_access_starts_at=data.get("early_access_starts_at"),
                    per_customer_limit=data.get("per_customer_limit"),
                    reservation_minutes=data["reservation_minutes"],
                    admission_rate=data.get("admission_rate"),
                    admission_burst=data["admission_burst"],
                ),
                drop=form.instance,
            )
        except DomainError as error:
            transaction.set_rollback(True)
            self.message_user(request, f"Not saved: {error}", level=messages.ERROR)
