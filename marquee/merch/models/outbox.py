"""The order-event outbox: what happened to an order, for consumers outside merch.

An `OutboxEvent` is written in the same transaction as the change it
describes (placed, paid, refunded, cancelled, fulfilled), so the event
exists exactly when the change does. Consumers (the royalty ledger, later
others) get each event at least once; an `OutboxDelivery` row per (event,
consumer) records a delivery that succeeded, in the consumer's own
transaction, so a redelivery is skipped and a crash mid-delivery is retried.
"""

from django.db import models
from django.utils import timezone


class OutboxEventType(models.TextChoices):
    PLACED = "order.placed", "Order placed"
    PAID = "order.paid", "Order paid"
    REFUNDED = "order.refunded", "Order refunded"
    CANCELLED = "order.cancelled", "Order cancelled"
    FULFILLED = "order.fulfilled", "Order fulfilled"


class OutboxEvent(models.Model):
    type = models.CharField(max_length=32, choices=OutboxEventType.choices)
    order = models.ForeignKey("merch.Order", related_name="outbox_events", on_delete=models.PROTECT)
    # What consumers need, frozen when the event happened (see marquee/merch/outbox/events.py).
    payload = models.JSONField(default=dict)
    # Unique per change, so writing the same change twice (a webhook retried) records one event.
    key = models.CharField(max_length=200, unique=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    # Set once every registered consumer has taken the event; the sweep skips these.
    completed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # After a failed delivery, the sweep leaves the event alone until then (backoff).
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(completed_at__isnull=True),
                name="outbox_event_pending",
            )
        ]

    def __str__(self):
        return f"{self.type} #{self.pk} ({self.key})"


class OutboxDelivery(models.Model):
    event = models.ForeignKey(OutboxEvent, related_name="deliveries", on_delete=models.PROTECT)
    consumer = models.CharField(max_length=100)
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "consumer"], name="outbox_delivery_once_per_consumer"
            )
        ]
