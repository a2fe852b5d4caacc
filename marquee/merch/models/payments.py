"""Payments in Saleor's transaction model, and the provider events behind them."""

import uuid

from django.db import models
from django.utils import timezone


class TransactionItem(models.Model):
    """Money a payment provider holds or moved for one checkout or order.

    Amounts change only through provider events (a verified Stripe webhook,
    or the offline test gateway), never from what a client says.
    """

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    name = models.CharField(max_length=512, blank=True)
    gateway = models.CharField(max_length=64)
    psp_reference = models.CharField(max_length=512, blank=True, db_index=True)
    currency = models.CharField(max_length=3)
    amount_requested = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    authorized_value = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    charged_value = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    refunded_value = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    canceled_value = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    checkout = models.ForeignKey(
        "merch.Checkout",
        null=True,
        blank=True,
        related_name="payment_transactions",
        on_delete=models.SET_NULL,
    )
    order = models.ForeignKey(
        "merch.Order",
        null=True,
        blank=True,
        related_name="payment_transactions",
        on_delete=models.PROTECT,
    )
    # A client's idempotency key for the mutation that created it.
    idempotency_key = models.CharField(max_length=512, null=True, blank=True, unique=True)
    # Or a registered payable source (payments.sources): its kind and key.
    source_kind = models.CharField(max_length=64, blank=True, default="")
    source_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ("pk",)
        indexes = [
            models.Index(
                fields=["source_kind", "source_key"],
                name="merch_transaction_source",
                condition=~models.Q(source_kind=""),
            )
        ]


class TransactionEvent(models.Model):
    transaction = models.ForeignKey(
        TransactionItem, related_name="events", on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(default=timezone.now)
    type = models.CharField(max_length=128)
    amount_value = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    currency = models.CharField(max_length=3)
    psp_reference = models.CharField(max_length=512, blank=True)
    message = models.CharField(max_length=512, blank=True)

    class Meta:
        ordering = ("pk",)


class ProviderEvent(models.Model):
    """A provider webhook already processed: its id makes replays no-ops."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=128)
    received_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_unique")
        ]
