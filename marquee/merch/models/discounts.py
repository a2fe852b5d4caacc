"""Vouchers: promo codes a buyer enters at checkout."""

from django.db import models
from django.db.models import F, Q


class VoucherType(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage"
    FIXED = "fixed", "Fixed amount"


class Voucher(models.Model):
    code = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=255, blank=True)
    discount_type = models.CharField(
        max_length=10, choices=VoucherType.choices, default=VoucherType.PERCENTAGE
    )
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    used = models.PositiveIntegerField(default=0)
    start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    apply_once_per_customer = models.BooleanField(default=False)

    class Meta:
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(used__lte=F("usage_limit")),
                name="voucher_used_within_limit",
            )
        ]

    def __str__(self):
        return self.code


class VoucherChannelListing(models.Model):
    """The voucher's value in one channel: a percentage, or an amount in its currency."""

    voucher = models.ForeignKey(Voucher, related_name="channel_listings", on_delete=models.CASCADE)
    channel = models.ForeignKey(
        "merch.Channel", related_name="voucher_listings", on_delete=models.CASCADE
    )
    currency = models.CharField(max_length=3)
    discount_value = models.DecimalField(max_digits=20, decimal_places=4)
    min_spent_amount = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["voucher", "channel"], name="voucher_listing_unique"),
            models.CheckConstraint(
                condition=Q(discount_value__gt=0), name="voucher_value_positive"
            ),
        ]
