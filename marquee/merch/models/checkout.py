"""A buyer's cart on its way to becoming an order."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Checkout(models.Model):
    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_change = models.DateTimeField(auto_now=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="checkouts",
        on_delete=models.CASCADE,
    )
    email = models.EmailField(blank=True)
    channel = models.ForeignKey("merch.Channel", related_name="checkouts", on_delete=models.PROTECT)
    currency = models.CharField(max_length=3)
    language_code = models.CharField(max_length=35, default="en")
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
        related_name="checkouts",
        on_delete=models.SET_NULL,
    )
    voucher_code = models.CharField(max_length=255, blank=True)
    customer_note = models.TextField(blank=True)
    # Public key-value data a storefront keeps on the checkout (Saleor's
    # metadata); copied to the order.
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-last_change", "pk")

    def __str__(self):
        return str(self.token)


class CheckoutLine(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    checkout = models.ForeignKey(Checkout, related_name="lines", on_delete=models.CASCADE)
    variant = models.ForeignKey("merch.ProductVariant", related_name="+", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["checkout", "variant"], name="checkout_line_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="checkout_line_quantity_positive"
            ),
        ]
