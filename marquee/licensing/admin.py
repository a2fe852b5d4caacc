"""Staff screens for the licence register, with each licence's history shown read-only.

Edits made here go through the same validation as the API (term, scope,
exclusivity) and are written to the licence history with the staff member's
name, so the history is complete whichever way a licence was changed.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from marquee.core.admin import ReadOnlyInline

from .models import (
    ApprovalEvent,
    ExchangeRate,
    Licence,
    LicenceChange,
    Licensor,
    LicensorUser,
    ProductApproval,
    Property,
    RoyaltyTerms,
    RoyaltyTier,
)
from .services import licences


class LicensorUserInline(admin.TabularInline):
    model = LicensorUser
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Licensor)
class LicensorAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "statement_currency", "withholding_tax_rate")
    search_fields = ("name", "slug", "legal_name")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (LicensorUserInline,)


@admin.register(Property)
class PropertyAdmin(admin.ModelAdmin):
    list_display = ("name", "licensor", "kind")
    list_filter = ("kind", "licensor")
    search_fields = ("name", "slug")
    filter_horizontal = ("films",)


class LicenceChangeInline(ReadOnlyInline):
    model = LicenceChange
    fields = ("changed_at", "changed_by", "field", "old_value", "new_value")
    readonly_fields = fields
    ordering = ("-changed_at", "-pk")
    verbose_name_plural = "history"


class RoyaltyTermsInline(ReadOnlyInline):
    model = RoyaltyTerms
    fields = ("effective_from", "rate_percent", "base", "tier_basis", "currency")
    readonly_fields = fields
    show_change_link = True


class LicenceForm(forms.ModelForm):
    class Meta:
        model = Licence
        fields = (
            "licensor",
            "reference",
            "name",
            "properties",
            "territories",
            "channels",
            "categories",
            "term_start",
            "term_end",
            "sell_off_days",
            "exclusive",
            "status",
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        data = licences.LicenceData(
            licensor=cleaned["licensor"],
            reference=cleaned.get("reference", ""),
            name=cleaned.get("name", ""),
            term_start=cleaned.get("term_start"),
            term_end=cleaned.get("term_end"),
            territories=[c.upper() for c in cleaned.get("territories") or []],
            properties=list(cleaned.get("properties") or []),
            channels=list(cleaned.get("channels") or []),
            categories=list(cleaned.get("categories") or []),
            sell_off_days=cleaned.get("sell_off_days"),
            exclusive=cleaned.get("exclusive", False),
            status=cleaned.get("status"),
        )
        errors = licences.licence_errors(data, self.instance.pk)
        if errors:
            raise ValidationError([f"{e.message}" for e in errors])
        return cleaned


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    form = LicenceForm
    list_display = (
        "reference",
        "licensor",
        "status",
        "exclusive",
        "term_start",
        "term_end",
        "sell_off_until",
    )
    list_filter = ("status", "exclusive", "licensor")
    search_fields = ("reference", "name")
    filter_horizontal = ("properties", "channels", "categories")
    readonly_fields = ("sell_off_until",)
    inlines = (RoyaltyTermsInline, LicenceChangeInline)

    def save_model(self, request, obj, form, change):
        # The licence and its relations are saved in two steps; remember the
        # state before both, and record the difference once both are written.
        before = {}
        if change:
            before = licences.snapshot(Licence.objects.get(pk=obj.pk))
        request._licence_before = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        licences.record_admin_change(form.instance, request._licence_before, request.user)


class RoyaltyTierInline(ReadOnlyInline):
    model = RoyaltyTier
    fields = ("lower_bound", "upper_bound", "rate_percent")
    readonly_fields = fields


@admin.register(RoyaltyTerms)
class RoyaltyTermsAdmin(admin.ModelAdmin):
    """Read-only: terms are versioned, so a change is a new version made through the API."""

    list_display = ("licence", "effective_from", "rate_percent", "base", "currency")
    list_filter = ("base", "tier_basis", "currency")
    inlines = (RoyaltyTierInline,)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("source", "base_currency", "quote_currency", "date", "rate")
    list_filter = ("source", "base_currency", "quote_currency")
    date_hierarchy = "date"


class ApprovalEventInline(ReadOnlyInline):
    model = ApprovalEvent
    fields = ("created_at", "stage", "actor", "comment")
    readonly_fields = fields


@admin.register(ProductApproval)
class ProductApprovalAdmin(admin.ModelAdmin):
    """Read-only here: approving is the licensor's act, through the API."""

    list_display = ("product", "licence", "share_percent", "stage", "updated_at")
    list_filter = ("stage", "licence__licensor")
    search_fields = ("product__name", "licence__reference")
    inlines = (ApprovalEventInline,)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
