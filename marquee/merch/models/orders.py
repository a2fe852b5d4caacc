"""Orders: what was bought, at which prices, frozen at the moment of purchase.

Order lines copy name, SKU and prices from the catalogue, so later edits to
products never change a past order (or a royalty computed from it).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class OrderStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    UNFULFILLED = "unfulfilled", "Unfulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled", "Partially fulfilled"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELED = "canceled", "Canceled"


class ChargeStatus(models.TextChoices):
    NONE = "none", "Not charged"
    PARTIAL = "partial", "Partially charged"
    FULL = "full", "Fully charged"
    OVERCHARGED = "overcharged", "Overcharged"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Human-facing order number from a PostgreSQL sequence: unique and gap-
    # tolerant under concurrency, with no lock on a counter row.
    number = models.BigIntegerField(
        unique=True,
        editable=False,
        db_default=models.Func(
            models.Value("merch_order_number_seq"),
            function="nextval",
            output_field=models.BigIntegerField(),
        ),
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The checkout this order came from: unique, so completing twice can
    # never create two orders.
    checkout_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status = models.CharField(
        max_length=32, choices=OrderStatus.choices, default=OrderStatus.UNFULFILLED
    )
    charge_status = models.CharField(
        max_length=32, choices=ChargeStatus.choices, default=ChargeStatus.NONE
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="orders",
        on_delete=models.SET_NULL,
    )
    user_email = models.EmailField(blank=True)
    language_code = models.CharField(max_length=35, default="en")
    channel = models.ForeignKey("merch.Channel", related_name="orders", on_delete=models.PROTECT)
    currency = models.CharField(max_length=3)
    shipping_address = models.ForeignKey(
        "accounts.Address", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    billing_address = models.ForeignKey(
        "accounts.Address", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    shipping_method = models.ForeignKey(
        "merch.ShippingMethod",
        null=True,
        blank=True,
        related_name="orders",
        on_delete=models.SET_NULL,
    )
    shipping_method_name = models.CharField(max_length=255, blank=True)
    shipping_price_net_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    shipping_price_gross_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    subtotal_net_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    subtotal_gross_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    undiscounted_total_net_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    undiscounted_total_gross_amount = models.DecimalField(
        max_digits=20, decimal_places=4, default=0
    )
    total_net_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    total_gross_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    total_charged_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    total_refunded_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    voucher = models.ForeignKey(
        "merch.Voucher", null=True, blank=True, related_name="orders", on_delete=models.SET_NULL
    )
    voucher_code = models.CharField(max_length=255, blank=True)
    discount_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    discount_name = models.CharField(max_length=255, blank=True)
    customer_note = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-number",)
        constraints = [
            models.CheckConstraint(
                condition=Q(total_gross_amount__gte=0), name="order_total_non_negative"
            )
        ]

    def __str__(self):
        return f"#{self.number}"


class OrderLine(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    variant = models.ForeignKey(
        "merch.ProductVariant",
        null=True,
        blank=True,
        related_name="order_lines",
        on_delete=models.SET_NULL,
    )
    product_name = models.CharField(max_length=386)
    variant_name = models.CharField(max_length=255, blank=True)
    translated_product_name = models.CharField(max_length=386, blank=True)
    product_sku = models.CharField(max_length=255, blank=True)
    product_id = models.BigIntegerField(null=True, blank=True)
    is_shipping_required = models.BooleanField(default=True)
    quantity = models.PositiveIntegerField()
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    quantity_refunded = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    undiscounted_unit_price_net_amount = models.DecimalField(max_digits=20, decimal_places=4)
    undiscounted_unit_price_gross_amount = models.DecimalField(max_digits=20, decimal_places=4)
    unit_price_net_amount = models.DecimalField(max_digits=20, decimal_places=4)
    unit_price_gross_amount = models.DecimalField(max_digits=20, decimal_places=4)
    total_price_net_amount = models.DecimalField(max_digits=20, decimal_places=4)
    total_price_gross_amount = models.DecimalField(max_digits=20, decimal_places=4)
    # The exact undiscounted line total (list price x quantity, taxed once),
    # not a rounded unit price times the quantity.
    undiscounted_total_price_net_amount = models.DecimalField(
        max_digits=20, decimal_places=4, default=0
    )
    undiscounted_total_price_gross_amount = models.DecimalField(
        max_digits=20, decimal_places=4, default=0
    )
    # Per unit, gross: price rules plus the line's share of the voucher. The
    # discounts themselves, one row each, are `discounts` (OrderLineDiscount).
    unit_discount_amount = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    unit_discount_reason = models.TextField(blank=True)
    unit_discount_type = models.CharField(max_length=16, blank=True)  # "fixed" or ""
    unit_discount_value = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity_fulfilled__lte=F("quantity"))
                & Q(quantity_refunded__lte=F("quantity")),
                name="order_line_quantities_within_quantity",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.product_name} ({self.product_sku})"


class OrderLineDiscountType(models.TextChoices):
    RULE = "rule", "Price rule"
    VOUCHER = "voucher", "Voucher"
    MANUAL = "manual", "Manual"


class OrderLineDiscount(models.Model):
    """One discount that priced an order line, frozen at placement.

    A price rule (`marquee.merch.pricing.rules`) records its key, a voucher
    its code; `amount_value` is what it took off the whole line, gross, so
    the line's undiscounted total less its discounts is its total. Royalty
    bases and licensor statements read these rows to tell a list-price sale
    from a discounted one.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    line = models.ForeignKey(OrderLine, related_name="discounts", on_delete=models.CASCADE)
    type = models.CharField(max_length=16, choices=OrderLineDiscountType.choices)
    name = models.CharField(max_length=255, blank=True)
    reason = models.TextField(blank=True)
    rule_key = models.CharField(max_length=255, blank=True)
    voucher_code = models.CharField(max_length=255, blank=True)
    # What was asked: "fixed" (an amount per unit), "percentage" or "target" (a unit price).
    value_type = models.CharField(max_length=16, default="fixed")
    value = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    currency = models.CharField(max_length=3)
    amount_value = models.DecimalField(max_digits=20, decimal_places=4)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_value__gte=0), name="order_line_discount_non_negative"
            )
        ]

    def __str__(self):
        return f"{self.get_type_display()} {self.name}: -{self.amount_value} {self.currency}"


class Allocation(models.Model):
    """Units of one stock row held for one order line until shipped or released."""

    order_line = models.ForeignKey(OrderLine, related_name="allocations", on_delete=models.CASCADE)
    stock = models.ForeignKey("merch.Stock", related_name="allocations", on_delete=models.CASCADE)
    quantity_allocated = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["order_line", "stock"], name="allocation_unique")
        ]


class Fulfillment(models.Model):
    order = models.ForeignKey(Order, related_name="fulfillments", on_delete=models.CASCADE)
    fulfillment_order = models.PositiveIntegerField()
    tracking_number = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("pk",)


class FulfillmentLine(models.Model):
    fulfillment = models.ForeignKey(Fulfillment, related_name="lines", on_delete=models.CASCADE)
    order_line = models.ForeignKey(OrderLine, related_name="+", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()
    stock = models.ForeignKey(
        "merch.Stock", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ("pk",)


class OrderEventType(models.TextChoices):
    PLACED = "placed", "Placed from checkout"
    CONFIRMED = "confirmed", "Confirmed"
    PAYMENT_CHARGED = "payment_charged", "Payment charged"
    PAYMENT_REFUNDED = "payment_refunded", "Payment refunded"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELED = "canceled", "Canceled"
    REFUNDED = "refunded", "Refunded"
    EMAIL_SENT = "email_sent", "Email sent"
    NOTE_ADDED = "note_added", "Note added"


class OrderEvent(models.Model):
    """Every status change of an order: what, when, by whom (null: the system)."""

    order = models.ForeignKey(Order, related_name="events", on_delete=models.CASCADE)
    date = models.DateTimeField(default=timezone.now, db_index=True)
    type = models.CharField(max_length=64, choices=OrderEventType.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    parameters = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("date", "pk")


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending at the provider"
    SUCCESS = "success", "Refunded"
    FAILURE = "failure", "Refused by the provider"


class OrderRefund(models.Model):
    """A refund asked of the payment provider, final only once the provider confirms.

    It keeps which lines (and how many units) it covers and whether they go
    back to stock, so that confirmation - which for Stripe arrives later, by
    webhook - can apply exactly what was asked.
    """

    order = models.ForeignKey(Order, related_name="refunds", on_delete=models.CASCADE)
    transaction = models.ForeignKey(
        "merch.TransactionItem",
        null=True,
        blank=True,
        related_name="refunds",
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=20, decimal_places=4)
    # [{"line": "<order line uuid>", "quantity": 2}, ...]; empty for a whole-order refund.
    lines = models.JSONField(default=list, blank=True)
    restock = models.BooleanField(default=False)
    psp_reference = models.CharField(max_length=512, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=512, null=True, blank=True, unique=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_refund_amount_positive")
        ]
