"""Staff screens for film data; all rules live in services, none here."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import BoxOfficeFigure, Credit, Film, Genre, Person


class ReleaseYearFilter(admin.SimpleListFilter):
    """Year buckets: DateFieldListFilter only offers "past 7 days"-style ranges."""

    title = _("release year")
    parameter_name = "release_year"

    def lookups(self, request, model_admin):
        years = Film.objects.dates("release_date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(release_date__year=int(value))
        return queryset


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0
    autocomplete_fields = ("person",)
    fields = ("role", "person", "character", "sort_order")
    ordering = ("role", "sort_order")


class BoxOfficeFigureInline(admin.TabularInline):
    model = BoxOfficeFigure
    extra = 0
    fields = ("market", "gross_amount", "currency", "as_of", "source")


@admin.register(Film)
class FilmAdmin(admin.ModelAdmin):
    list_display = ("title", "title_en", "release_date", "original_language", "runtime_minutes")
    list_filter = ("genres", ReleaseYearFilter, "original_language")
    search_fields = ("slug", "title", "title_zh", "title_en")
    date_hierarchy = "release_date"
    filter_horizontal = ("genres",)
    readonly_fields = ("created_at", "updated_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = (CreditInline, BoxOfficeFigureInline)
    fieldsets = (
        (None, {"fields": ("slug", "title", "title_zh", "title_en", "original_language")}),
        (_("Release"), {"fields": ("release_date", "runtime_minutes", "genres", "synopsis")}),
        (_("Poster"), {"fields": ("poster", "poster_url")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "name_en", "slug")
    search_fields = ("name", "name_zh", "name_en", "slug")


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "name_zh")
    search_fields = ("slug", "name", "name_zh")


@admin.register(BoxOfficeFigure)
class BoxOfficeFigureAdmin(admin.ModelAdmin):
    list_display = ("film", "market", "gross_amount", "currency", "as_of", "source")
    list_filter = ("market", "currency")
    list_select_related = ("film",)
    search_fields = ("film__title", "film__title_en", "film__slug")
    autocomplete_fields = ("film",)
    date_hierarchy = "as_of"
