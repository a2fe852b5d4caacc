"""Order admin: list, detail with lines, events and transactions; actions call services."""

from django.contrib import admin, messages
from django.db import transaction

from marquee.core.admin import ReadOnlyInline
from marquee.core.exceptions import DomainError

from .models import Order, OrderEvent, OrderLine, TransactionItem
from .orders import services


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "product_name",
        "variant_name",
        "product_sku",
        "quantity",
        "quantity_fulfilled",
        "quantity_refunded",
        "unit_price_gross_amount",
        "total_price_gross_amount",
    )
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("date", "type", "user", "parameters")
    readonly_fields = fields


class TransactionInline(ReadOnlyInline):
    model = TransactionItem
    fk_name = "order"
    fields = (
        "name",
        "psp_reference",
        "currency",
        "authorized_value",
        "charged_value",
        "refunded_value",
    )
    readonly_fields = fields


def _run(modeladmin, request, queryset, action, done: str):
    """Each order in its own transaction: one refusal does not undo the others."""
    count = 0
    for order in queryset:
        try:
            with transaction.atomic():
                action(order, user=request.user)
            count += 1
        except DomainError as error:
            modeladmin.message_user(request, f"#{order.number}: {error}", messages.ERROR)
    if count:
        modeladmin.message_user(request, f"{count} order(s) {done}.", messages.SUCCESS)


@admin.action(description="Confirm (unconfirmed orders)")
def confirm_orders(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.confirm_order, "confirmed")


@admin.action(description="Cancel (release stock)")
def cancel_orders(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.cancel_order, "cancelled")


@admin.action(description="Mark fulfilled (ship everything allocated)")
def fulfil_orders(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.fulfil_order, "fulfilled")


@admin.action(description="Refund in full and restock")
def refund_orders(modeladmin, request, queryset):
    def refund(order, user):
        services.request_refund(order, lines=None, restock=True, user=user)

    _run(modeladmin, request, queryset, refund, "refund requested")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "created_at",
        "user_email",
        "channel",
        "status",
        "charge_status",
        "total_gross_amount",
        "currency",
    )
    list_filter = ("status", "charge_status", "channel")
    search_fields = ("=number", "user_email", "=checkout_token", "=token")
    date_hierarchy = "created_at"
    list_select_related = ("channel",)
    inlines = (OrderLineInline, OrderEventInline, TransactionInline)
    actions = (confirm_orders, cancel_orders, fulfil_orders, refund_orders)
    readonly_fields = [f.name for f in Order._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
