"""Admin pieces shared by the domains."""

from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """Records staff may read but never edit from the parent (history, events, money)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
