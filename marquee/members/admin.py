"""Staff screens for backer programmes, memberships, member prices and perks.

Staff set up what is offered (programmes with their tiers, member price
rules with their fixed prices, perks) and read what members did. Every
counter is read-only here: units committed and paid, units held, a perk's
redemptions, lottery entries and draws change only through the backing,
import and redemption services, which keep them in step with the rows they
count. The forms check the rules of `marquee.members.rules` so a bad value
is a message on its field, never a failed constraint.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from marquee.core.admin import ReadOnlyInline
from marquee.core.exceptions import DomainError

from . import rules
from .models import (
    BackerProgramme,
    BackerSubscription,
    BackerTier,
    LotteryDraw,
    LotteryEntry,
    MemberPriceRule,
    Membership,
    MemberVariantPrice,
    Perk,
    PerkRedemption,
)
from .services import imports, tiers

# How many error rows of an uploaded list the admin lists on the page.
REPORT_ROWS_SHOWN = 50


def _raise_on(form: forms.BaseForm, errors) -> None:
    """Put each reason on its field (or the form, for a field the form does not show)."""
    for error in errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, ValidationError(error.message, code=error.code))


class TierChoiceField(forms.ModelChoiceField):
    """Tiers of every programme in one list: each named with its programme."""

    def label_from_instance(self, tier):
        return f"{tier.programme.name}: {tier.name} ({tier.min_units}+)"


def _tier_field() -> TierChoiceField:
    return TierChoiceField(
        queryset=BackerTier.objects.select_related("programme").order_by(
            "programme__name", "min_units"
        ),
        help_text="The lowest tier it is for; higher tiers of the programme get it too.",
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the members services: staff read them, never add or edit them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Programmes and tiers ---------------------------------------------------------


class TierFormSet(forms.BaseInlineFormSet):
    def clean(self):
        # The rules first: they say what is wrong in words a generic
        # "duplicate values" message does not.
        kept = [
            form.cleaned_data
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        errors = rules.tier_errors((data.get("slug"), data.get("min_units")) for data in kept)
        if errors:
            raise ValidationError([ValidationError(e.message, code=e.code) for e in errors])
        super().clean()


class BackerTierInline(admin.TabularInline):
    model = BackerTier
    formset = TierFormSet
    fields = ("name", "slug", "min_units")
    prepopulated_fields = {"slug": ("name",)}
    extra = 0
    min_num = 1


class BackerProgrammeForm(forms.ModelForm):
    class Meta:
        model = BackerProgramme
        fields = (
            "film",
            "channel",
            "slug",
            "name",
            "description",
            "expected_return_text",
            "unit_price",
            "currency",
            "total_units",
            "per_member_cap",
            "opens_at",
            "closes_at",
            "payment_minutes",
            "status",
        )
        help_texts = {
            "expected_return_text": "Shown as written; Marquee never computes or promises it.",
            "currency": "The channel's currency.",
        }

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").upper()

    def clean(self):
        cleaned = super().clean()
        _raise_on(
            self,
            rules.programme_errors(
                channel=cleaned.get("channel"),
                currency=cleaned.get("currency", ""),
                unit_price=cleaned.get("unit_price"),
                total_units=cleaned.get("total_units"),
                per_member_cap=cleaned.get("per_member_cap"),
                opens_at=cleaned.get("opens_at"),
                closes_at=cleaned.get("closes_at"),
                units_committed=self.instance.units_committed if self.instance.pk else 0,
            ),
        )
        if self.instance.pk:
            # Until the form is saved, the instance holds the stored values.
            _raise_on(self, rules.programme_change_errors(self.instance, cleaned))
        return cleaned


@admin.register(BackerProgramme)
class BackerProgrammeAdmin(admin.ModelAdmin):
    form = BackerProgrammeForm
    list_display = (
        "name",
        "film",
        "status",
        "unit_price",
        "currency",
        "units_paid",
        "units_committed",
        "total_units",
        "per_member_cap",
        "opens_at",
        "closes_at",
    )
    list_filter = ("status", "channel", "film")
    list_select_related = ("film",)
    search_fields = ("name", "slug", "film__title", "film__slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("film", "channel")
    readonly_fields = ("units_committed", "units_paid", "created_at")
    date_hierarchy = "opens_at"
    inlines = (BackerTierInline,)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            # Thresholds may have moved: members follow them at once.
            tiers.reassign_tiers(form.instance)


# --- Memberships and subscriptions --------------------------------------------------


class BackerSubscriptionInline(ReadOnlyInline):
    model = BackerSubscription
    fields = ("created_at", "units", "amount", "currency", "status", "source", "paid_at")
    readonly_fields = fields
    ordering = ("-created_at", "-pk")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Read-only: units and tier follow from paid subscriptions."""

    list_display = ("user", "programme", "tier", "units_held", "units_committed", "created_at")
    list_filter = ("programme", "tier")
    list_select_related = ("user", "programme", "tier")
    search_fields = ("user__email", "programme__slug", "programme__name")
    fields = ("programme", "user", "tier", "units_held", "units_committed", "created_at")
    readonly_fields = fields
    inlines = (BackerSubscriptionInline,)


class ImportBackersForm(forms.Form):
    list_name = forms.CharField(
        max_length=imports.LIST_NAME_MAX,
        help_text="Names the list: importing the same list again changes nothing.",
    )
    file = forms.FileField(help_text="CSV with the columns email, film, units (and programme).")


@admin.register(BackerSubscription)
class BackerSubscriptionAdmin(ReadOnlyAdmin):
    """Read-only: a subscription's units and money are the backing service's to change."""

    list_display = (
        "pk",
        "programme",
        "membership",
        "units",
        "amount",
        "currency",
        "status",
        "source",
        "created_at",
        "paid_at",
    )
    list_filter = ("status", "source", "programme")
    list_select_related = ("programme", "membership__user", "membership__programme")
    search_fields = ("membership__user__email", "=idempotency_key")
    date_hierarchy = "created_at"
    change_list_template = "admin/members/backersubscription/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [
            path("import/", view, name="members_backersubscription_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a backer list; the same service and report as `manage.py import_backers`."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportBackersForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                report = imports.import_backers(
                    form.cleaned_data["file"], form.cleaned_data["list_name"]
                )
            except DomainError as error:
                for detail in error.details:
                    form.add_error(None, detail.message)
            else:
                level = messages.WARNING if report.errors else messages.SUCCESS
                self.message_user(request, report.summary(), level)
                if not report.errors:
                    return redirect(reverse("admin:members_backersubscription_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a backer list",
            "form": form,
            "report": report,
            "error_rows": report.errors[:REPORT_ROWS_SHOWN] if report else [],
        }
        return TemplateResponse(request, "admin/members/import_backers.html", context)

    def has_import_permission(self, request):
        return request.user.has_perm("members.add_backersubscription") or (
            request.user.is_active and request.user.is_superuser
        )


# --- Member prices ------------------------------------------------------------------


class MemberVariantPriceForm(forms.ModelForm):
    class Meta:
        model = MemberVariantPrice
        fields = ("variant", "channel", "price")

    def clean(self):
        cleaned = super().clean()
        # In the rule's page the rule is the one being saved, with the values just entered.
        rule = getattr(self, "parent_rule", None)
        if rule is None and self.instance.rule_id:
            rule = self.instance.rule
        _raise_on(
            self,
            rules.variant_price_errors(
                rule=rule, variant=cleaned.get("variant"), price=cleaned.get("price")
            ),
        )
        return cleaned


class VariantPriceFormSet(forms.BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.parent_rule = self.instance
        return form


class MemberVariantPriceInline(admin.TabularInline):
    model = MemberVariantPrice
    form = MemberVariantPriceForm
    formset = VariantPriceFormSet
    autocomplete_fields = ("variant", "channel")
    extra = 0


class MemberPriceRuleForm(forms.ModelForm):
    tier = _tier_field()

    class Meta:
        model = MemberPriceRule
        fields = (
            "programme",
            "tier",
            "name",
            "kind",
            "percentage",
            "is_active",
            "starts_at",
            "ends_at",
        )

    def clean(self):
        cleaned = super().clean()
        _raise_on(
            self,
            rules.price_rule_errors(
                programme=cleaned.get("programme"),
                tier=cleaned.get("tier"),
                kind=cleaned.get("kind"),
                percentage=cleaned.get("percentage"),
                starts_at=cleaned.get("starts_at"),
                ends_at=cleaned.get("ends_at"),
            ),
        )
        return cleaned


@admin.register(MemberPriceRule)
class MemberPriceRuleAdmin(admin.ModelAdmin):
    form = MemberPriceRuleForm
    list_display = ("name", "programme", "tier", "kind", "percentage", "is_active", "prices")
    list_filter = ("kind", "is_active", "programme")
    list_select_related = ("programme", "tier")
    search_fields = ("name", "programme__name", "programme__slug")
    inlines = (MemberVariantPriceInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(price_count=Count("variant_prices"))

    @admin.display(description="fixed prices", ordering="price_count")
    def prices(self, obj):
        return obj.price_count


# --- Perks --------------------------------------------------------------------------


class PerkForm(forms.ModelForm):
    tier = _tier_field()

    class Meta:
        model = Perk
        fields = (
            "programme",
            "tier",
            "kind",
            "slug",
            "name",
            "description",
            "total_quantity",
            "per_member_quota",
            "expires_at",
            "variant",
            "voucher",
            "venue",
            "event_at",
            "entries_close_at",
        )

    def clean(self):
        cleaned = super().clean()
        _raise_on(
            self,
            rules.perk_errors(
                programme=cleaned.get("programme"),
                tier=cleaned.get("tier"),
                kind=cleaned.get("kind"),
                values=cleaned,
                total_quantity=cleaned.get("total_quantity"),
                redeemed=self.instance.redeemed if self.instance.pk else 0,
            ),
        )
        return cleaned


class PerkRedemptionInline(ReadOnlyInline):
    model = PerkRedemption
    fields = ("created_at", "membership", "status", "consumed_at", "consumed_at_venue")
    readonly_fields = fields
    ordering = ("-created_at", "-pk")
    show_change_link = True


@admin.register(Perk)
class PerkAdmin(admin.ModelAdmin):
    form = PerkForm
    list_display = (
        "name",
        "programme",
        "tier",
        "kind",
        "redeemed",
        "total_quantity",
        "per_member_quota",
        "expires_at",
    )
    list_filter = ("kind", "programme")
    list_select_related = ("programme", "tier")
    search_fields = ("name", "slug", "programme__name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("variant", "voucher")
    readonly_fields = ("redeemed",)

    def get_inlines(self, request, obj):
        # A perk's redemptions are listed once there are some to list.
        return (PerkRedemptionInline,) if obj is not None else ()


@admin.register(PerkRedemption)
class PerkRedemptionAdmin(ReadOnlyAdmin):
    """Read-only: codes are issued and consumed only through the perk services."""

    list_display = ("pk", "perk", "membership", "status", "created_at", "consumed_at")
    list_filter = ("status", "perk__kind", "perk")
    list_select_related = ("perk", "membership__user", "membership__programme")
    search_fields = ("membership__user__email", "perk__name", "voucher_code")
    # The nonce is half of a member's code: it is never shown.
    exclude = ("nonce",)


@admin.register(LotteryEntry)
class LotteryEntryAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "perk", "membership", "created_at")
    list_filter = ("perk",)
    list_select_related = ("perk", "membership__user", "membership__programme")
    search_fields = ("=ticket", "membership__user__email")


@admin.register(LotteryDraw)
class LotteryDrawAdmin(ReadOnlyAdmin):
    list_display = ("perk", "drawn_at", "algorithm", "seed", "entries_digest")
    list_select_related = ("perk",)
