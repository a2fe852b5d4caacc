"""Backer programmes, their tiers, the subscriptions fans buy, and the memberships they make.

Two counters carry every limit, each guarded by a check constraint so that
no code path, however concurrent, can break it:

- ``BackerProgramme.units_committed`` - units of pending and paid
  subscriptions; never above ``total_units``;
- ``Membership.units_committed`` - the same per member; the per-member
  cap is enforced when units are committed (the cap may be raised for a
  later round, so it is not a constraint on the row).

A member's tier follows from ``Membership.units_held`` (paid units only):
the tier with the highest ``min_units`` at or below it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


class BackerProgramme(models.Model):
    """A round in which fans back a film with units of a fixed price.

    Whether it is open is the window (``opens_at`` to ``closes_at``) and a
    PUBLISHED status; ``expected_return_text`` is display-only: Marquee
    never computes or promises a return.
    """

    film = models.ForeignKey(
        "films.Film", related_name="backer_programmes", on_delete=models.PROTECT
    )
    channel = models.ForeignKey(
        "merch.Channel", related_name="backer_programmes", on_delete=models.PROTECT
    )
    slug = models.SlugField(max_length=255, unique=True)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    expected_return_text = models.CharField(max_length=500, blank=True)
    unit_price = models.DecimalField(max_digits=20, decimal_places=4)
    currency = models.CharField(max_length=3)
    total_units = models.PositiveIntegerField()
    per_member_cap = models.PositiveIntegerField()
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    # Minutes an unpaid subscription holds its units before they return.
    payment_minutes = models.PositiveIntegerField(default=15)
    status = models.CharField(
        max_length=16, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    units_committed = models.PositiveIntegerField(default=0)
    units_paid = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("opens_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(units_committed__lte=F("total_units")),
                name="members_programme_not_oversold",
            ),
            models.CheckConstraint(
                condition=Q(units_paid__lte=F("units_committed")),
                name="members_programme_paid_within_committed",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gt=0), name="members_programme_unit_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(per_member_cap__gt=0), name="members_programme_cap_positive"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="members_programme_window"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def units_left(self) -> int:
        return self.total_units - self.units_committed


class BackerTier(models.Model):
    """A rank of members by units held (1+ Supporter, 10+ Producer...)."""

    programme = models.ForeignKey(BackerProgramme, related_name="tiers", on_delete=models.CASCADE)
    slug = models.SlugField(max_length=64)
    name = models.CharField(max_length=128)
    min_units = models.PositiveIntegerField()

    class Meta:
        ordering = ("programme", "min_units")
        constraints = [
            models.UniqueConstraint(fields=["programme", "slug"], name="members_tier_slug"),
            models.UniqueConstraint(
                fields=["programme", "min_units"], name="members_tier_min_units"
            ),
            models.CheckConstraint(condition=Q(min_units__gt=0), name="members_tier_min_positive"),
        ]

    def __str__(self):
        return f"{self.name} ({self.min_units}+)"


class Membership(models.Model):
    """One fan's standing in one programme."""

    programme = models.ForeignKey(
        BackerProgramme, related_name="memberships", on_delete=models.PROTECT
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="memberships", on_delete=models.PROTECT
    )
    units_committed = models.PositiveIntegerField(default=0)
    units_held = models.PositiveIntegerField(default=0)
    tier = models.ForeignKey(
        BackerTier, null=True, blank=True, related_name="members", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="members_one_membership"),
            models.CheckConstraint(
                condition=Q(units_held__lte=F("units_committed")),
                name="members_held_within_committed",
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.programme}"


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", "Awaiting payment"
    PAID = "paid", "Paid"
    EXPIRED = "expired", "Expired unpaid"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Cancelled and refunded"


class SubscriptionSource(models.TextChoices):
    WEB = "web", "Subscribed in the shop"
    IMPORT = "import", "Imported from a backer list"


class BackerSubscription(models.Model):
    """One purchase of units: committed at once, paid within ``payment_minutes``."""

    programme = models.ForeignKey(
        BackerProgramme, related_name="subscriptions", on_delete=models.PROTECT
    )
    membership = models.ForeignKey(
        Membership, related_name="subscriptions", on_delete=models.PROTECT
    )
    units = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=20, decimal_places=4)
    amount = models.DecimalField(max_digits=20, decimal_places=4)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    source = models.CharField(
        max_length=16, choices=SubscriptionSource.choices, default=SubscriptionSource.WEB
    )
    # The client's key (web) or "<list>:<row key>" (import): the same request twice is one.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="members_subscription_pending",
                condition=Q(status="pending"),
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(units__gt=0), name="members_subscription_units"),
        ]

    def __str__(self):
        return f"{self.units} × {self.programme} ({self.status})"
