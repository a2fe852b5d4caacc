"""Member prices: what a programme's members pay for the film's merchandise.

A rule belongs to a programme and a tier and applies to members of that
tier or a higher one, on every product of the programme's film: either a
percentage off, or a fixed price per variant per channel
(`MemberVariantPrice`; variants without one keep their public price).
When several rules apply, the member gets the lowest price.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class MemberPriceKind(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage off"
    FIXED_PRICE = "fixed_price", "Fixed price per variant"


class MemberPriceRule(models.Model):
    programme = models.ForeignKey(
        "members.BackerProgramme", related_name="price_rules", on_delete=models.CASCADE
    )
    tier = models.ForeignKey(
        "members.BackerTier", related_name="price_rules", on_delete=models.CASCADE
    )
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=MemberPriceKind.choices)
    percentage = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("programme", "tier__min_units", "pk")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="percentage", percentage__gt=0, percentage__lte=100)
                    | Q(kind="fixed_price", percentage__isnull=True)
                ),
                name="members_price_rule_kind",
            ),
        ]

    def __str__(self):
        return self.name


class MemberVariantPrice(models.Model):
    rule = models.ForeignKey(
        MemberPriceRule, related_name="variant_prices", on_delete=models.CASCADE
    )
    variant = models.ForeignKey(
        "merch.ProductVariant", related_name="member_prices", on_delete=models.CASCADE
    )
    channel = models.ForeignKey(
        "merch.Channel", related_name="member_prices", on_delete=models.CASCADE
    )
    price = models.DecimalField(max_digits=20, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "variant", "channel"], name="members_one_variant_price"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="members_variant_price_sign"),
        ]
