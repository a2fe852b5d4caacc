"""Perks: what a programme's members may redeem, each with a total, a quota and an expiry.

- MEMBER_VARIANT: a member-only variant (a limited edition), hidden from
  everyone else in the catalogue and refused in their checkouts;
  redeeming reserves one for the member's checkout;
- SCREENING_PASS: a pass to a point screening, redeemed as a single-use code;
- MEET_AND_GREET: places allocated by a lottery (`LotteryDraw`); a winner's
  place is a single-use code;
- DISCOUNT_CODE: a single-use voucher code for the shop.

``redeemed`` counts redemptions that hold a unit (issued or consumed) and
never passes ``total_quantity`` (check constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class PerkKind(models.TextChoices):
    MEMBER_VARIANT = "member_variant", "Member-only item"
    SCREENING_PASS = "screening_pass", "Screening pass"
    MEET_AND_GREET = "meet_and_greet", "Meet-and-greet (lottery)"
    DISCOUNT_CODE = "discount_code", "Discount code"


class Perk(models.Model):
    programme = models.ForeignKey(
        "members.BackerProgramme", related_name="perks", on_delete=models.CASCADE
    )
    # The lowest tier that may redeem it (higher tiers may too).
    tier = models.ForeignKey("members.BackerTier", related_name="perks", on_delete=models.PROTECT)
    kind = models.CharField(max_length=32, choices=PerkKind.choices)
    slug = models.SlugField(max_length=255, unique=True)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    total_quantity = models.PositiveIntegerField()
    per_member_quota = models.PositiveIntegerField(default=1)
    redeemed = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()
    # MEMBER_VARIANT: the variant only members may see and buy.
    variant = models.ForeignKey(
        "merch.ProductVariant",
        null=True,
        blank=True,
        related_name="member_perks",
        on_delete=models.PROTECT,
    )
    # DISCOUNT_CODE: the voucher whose single-use codes are handed out.
    voucher = models.ForeignKey(
        "merch.Voucher",
        null=True,
        blank=True,
        related_name="member_perks",
        on_delete=models.PROTECT,
    )
    # SCREENING_PASS / MEET_AND_GREET: where and when.
    venue = models.CharField(max_length=255, blank=True)
    event_at = models.DateTimeField(null=True, blank=True)
    # MEET_AND_GREET: entries close here; the draw follows.
    entries_close_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("programme", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(redeemed__lte=F("total_quantity")), name="members_perk_within_total"
            ),
            models.CheckConstraint(
                condition=Q(per_member_quota__gt=0), name="members_perk_quota_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind="member_variant") | Q(variant__isnull=False),
                name="members_perk_variant",
            ),
            models.CheckConstraint(
                condition=~Q(kind="discount_code") | Q(voucher__isnull=False),
                name="members_perk_voucher",
            ),
            models.CheckConstraint(
                condition=~Q(kind="meet_and_greet") | Q(entries_close_at__isnull=False),
                name="members_perk_lottery_close",
            ),
        ]

    def __str__(self):
        return self.name


class RedemptionStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    CONSUMED = "consumed", "Used"
    VOID = "void", "Void"


class PerkRedemption(models.Model):
    """One unit of a perk held by a member: a single-use code, or an item reserved for checkout."""

    perk = models.ForeignKey(Perk, related_name="redemptions", on_delete=models.PROTECT)
    membership = models.ForeignKey(
        "members.Membership", related_name="redemptions", on_delete=models.PROTECT
    )
    status = models.CharField(
        max_length=16, choices=RedemptionStatus.choices, default=RedemptionStatus.ISSUED
    )
    # The member's idempotency key: the same request twice is one redemption.
    idempotency_key = models.CharField(max_length=255)
    # Random part of the signed code; the code itself is never stored.
    nonce = models.CharField(max_length=64, unique=True)
    # DISCOUNT_CODE: the voucher code issued.
    voucher_code = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    consumed_at = models.DateTimeField(null=True, blank=True)
    consumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="perk_codes_consumed",
        on_delete=models.PROTECT,
    )
    consumed_at_venue = models.CharField(max_length=255, blank=True)
    # MEMBER_VARIANT: the order that bought the unit this redemption reserved.
    order = models.ForeignKey(
        "merch.Order", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "idempotency_key"], name="members_redemption_idempotent"
            ),
        ]


class LotteryEntry(models.Model):
    perk = models.ForeignKey(Perk, related_name="lottery_entries", on_delete=models.PROTECT)
    membership = models.ForeignKey(
        "members.Membership", related_name="lottery_entries", on_delete=models.PROTECT
    )
    # Public, stable, free of personal data: what the published entry list shows.
    ticket = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("ticket",)
        constraints = [
            models.UniqueConstraint(fields=["perk", "membership"], name="members_one_entry"),
        ]


class LotteryDraw(models.Model):
    """The recorded draw: seed, the entry list's digest and the winning tickets."""

    perk = models.OneToOneField(Perk, related_name="draw", on_delete=models.PROTECT)
    seed = models.CharField(max_length=128)
    entries_digest = models.CharField(max_length=64)
    entries = models.JSONField()
    winners = models.JSONField()
    algorithm = models.CharField(max_length=64)
    drawn_at = models.DateTimeField(default=timezone.now)
