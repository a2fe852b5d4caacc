"""Limited drops: a product's variants put on sale in one channel at one moment.

A drop variant's `quantity` is its stock in the channel's first warehouse
(scheduling writes it there through `merch.stock_levels`), so a drop sells
through the same reservations and allocations as any product; the drop
adds a start (and an optional member-only window before it), a
per-customer limit and, optionally, a waiting room (`admission_rate`).
Writes go through `merch.drops.services`; the admin calls them too.

`DropPurchase` counts the units a customer (user id, else lower-cased
email, else checkout token) has taken of a drop. It is moved by one
conditional upsert on the hot path and is an upper bound: units given back
(expiry, release, cancellation) are not subtracted there, but the counter
is recomputed from the books when it would refuse (`drops.limits`).
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Drop(models.Model):
    slug = models.SlugField(max_length=255, unique=True)
    name = models.CharField(max_length=250)
    channel = models.ForeignKey("merch.Channel", related_name="drops", on_delete=models.PROTECT)
    product = models.ForeignKey("merch.Product", related_name="drops", on_delete=models.PROTECT)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # Before `starts_at` and from this moment, only eligible buyers (members) may reserve.
    early_access_starts_at = models.DateTimeField(null=True, blank=True)
    per_customer_limit = models.PositiveIntegerField(null=True, blank=True)
    # How long a drop reservation holds its units, whatever the channel says.
    reservation_minutes = models.PositiveIntegerField(default=10)
    # Buyers admitted per second by the waiting room; null: no waiting room.
    admission_rate = models.FloatField(null=True, blank=True)
    admission_burst = models.PositiveIntegerField(default=50)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("starts_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="drop_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(early_access_starts_at__isnull=True)
                | Q(early_access_starts_at__lt=F("starts_at")),
                name="drop_early_access_before_start",
            ),
            models.CheckConstraint(
                condition=Q(per_customer_limit__isnull=True) | Q(per_customer_limit__gt=0),
                name="drop_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(reservation_minutes__gt=0), name="drop_reservation_minutes_positive"
            ),
            models.CheckConstraint(
                condition=Q(admission_rate__isnull=True) | Q(admission_rate__gt=0),
                name="drop_admission_rate_positive",
            ),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def room_of(pk) -> str:
        """The waiting room's (and the sold-out flag's) name in `marquee.core.admission`."""
        return f"drop:{pk}"

    @property
    def room(self) -> str:
        return Drop.room_of(self.pk)

    @property
    def opens_at(self):
        """When the first buyers (eligible ones, with an early window) may reserve."""
        return self.early_access_starts_at or self.starts_at


class DropVariant(models.Model):
    drop = models.ForeignKey(Drop, related_name="drop_variants", on_delete=models.CASCADE)
    variant = models.ForeignKey(
        "merch.ProductVariant", related_name="drop_variants", on_delete=models.PROTECT
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ("drop", "variant__sort_order", "pk")
        constraints = [
            models.UniqueConstraint(fields=["drop", "variant"], name="drop_variant_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="drop_variant_quantity"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant}"


class DropPurchase(models.Model):
    """Units one customer took of one drop (an upper bound, see the module docstring)."""

    drop = models.ForeignKey(Drop, related_name="purchases", on_delete=models.CASCADE)
    customer_key = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=["drop", "customer_key"], name="drop_purchase_customer_unique"
            )
        ]
