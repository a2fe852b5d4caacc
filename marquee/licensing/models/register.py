"""Licensors, the properties they own, the licences they grant and what each product uses.

Amounts are `DecimalField(20, 4)` in the contract currency; percentages are
`DecimalField(7, 4)` (0–100). Exchange rates keep 8 decimal places, since a
rate such as JPY→USD (0.0067…) would lose most of its precision at 4.
Writes go through `services.py`, which validates them and keeps the licence
history; the models only hold the data and the database-level guarantees.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

PERCENT = {"max_digits": 7, "decimal_places": 4}
AMOUNT = {"max_digits": 20, "decimal_places": 4}
DEFAULT_SELL_OFF_DAYS = 180


class Licensor(models.Model):
    """A rights holder (studio, producer) that grants licences and is paid royalties."""

    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    legal_name = models.CharField(max_length=255, blank=True)
    country = models.CharField(max_length=2, blank=True)
    contact_name = models.CharField(max_length=255, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=64, blank=True)
    payee_name = models.CharField(max_length=255, blank=True)
    payee_bank = models.CharField(max_length=255, blank=True)
    payee_account = models.CharField(max_length=64, blank=True)
    statement_currency = models.CharField(max_length=3, default="CNY")
    # Withheld from royalties paid across borders, after any treaty reduction.
    withholding_tax_rate = models.DecimalField(default=0, **PERCENT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(withholding_tax_rate__gte=0, withholding_tax_rate__lte=100),
                name="licensor_withholding_rate_range",
            )
        ]

    def __str__(self):
        return self.name


class LicensorUser(models.Model):
    """An account acting for a licensor; one account serves at most one licensor."""

    licensor = models.ForeignKey(Licensor, related_name="users", on_delete=models.CASCADE)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, related_name="licensor_membership", on_delete=models.CASCADE
    )

    class Meta:
        ordering = ("pk",)

    def __str__(self):
        return f"{self.user} for {self.licensor}"


class PropertyKind(models.TextChoices):
    FILM = "film", "Film"
    CHARACTER = "character", "Character"
    LOGO = "logo", "Logo"


class Property(models.Model):
    """Intellectual property a licensor owns: a film, its characters, its logo."""

    licensor = models.ForeignKey(Licensor, related_name="properties", on_delete=models.PROTECT)
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    kind = models.CharField(max_length=16, choices=PropertyKind.choices, default=PropertyKind.FILM)
    films = models.ManyToManyField("films.Film", related_name="properties", blank=True)

    class Meta:
        ordering = ("name", "pk")
        verbose_name_plural = "properties"

    def __str__(self):
        return self.name


class LicenceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


# Statuses under which a licence can still cover a sale: an expired licence
# keeps covering stock during its sell-off period; a terminated one does not.
SELLING_STATUSES = (LicenceStatus.ACTIVE, LicenceStatus.EXPIRED)


class Licence(models.Model):
    """A licence agreement: which properties may be used, where, through which channels,
    on which product categories, and for how long."""

    licensor = models.ForeignKey(Licensor, related_name="licences", on_delete=models.PROTECT)
    reference = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255, blank=True)
    properties = models.ManyToManyField(Property, related_name="licences")
    # ISO 3166-1 alpha-2 codes.
    territories = ArrayField(models.CharField(max_length=2), default=list)
    channels = models.ManyToManyField("merch.Channel", related_name="licences")
    # A category covers its subcategories too.
    categories = models.ManyToManyField("merch.Category", related_name="licences")
    term_start = models.DateField()
    term_end = models.DateField()
    sell_off_days = models.PositiveIntegerField(default=DEFAULT_SELL_OFF_DAYS)
    # term_end + sell_off_days, kept by save() so the gate can filter on it in SQL.
    sell_off_until = models.DateField(editable=False)
    exclusive = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.DRAFT
    )
    # Royalty statements cover calendar periods of this many months (3: quarters).
    statement_period_months = models.PositiveSmallIntegerField(
        default=3, choices=[(1, "Monthly"), (3, "Quarterly"), (6, "Half-yearly"), (12, "Yearly")]
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("reference", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gte=F("term_start")), name="licence_term_ordered"
            )
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        self.sell_off_until = self.term_end + timedelta(days=self.sell_off_days)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "sell_off_until" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "sell_off_until"]
        super().save(*args, **kwargs)


class LicenceChange(models.Model):
    """One changed field of a licence: who, when, old and new value (append-only)."""

    licence = models.ForeignKey(Licence, related_name="changes", on_delete=models.CASCADE)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    changed_at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=64)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    class Meta:
        ordering = ("changed_at", "pk")

    def __str__(self):
        return f"{self.licence} {self.field}: {self.old_value!r} → {self.new_value!r}"


class RoyaltyBase(models.TextChoices):
    # Actual selling price after discounts (member prices lower the royalty).
    NET = "net", "Net selling price"
    # Regular list price, whatever discount the buyer got.
    LIST = "list", "List price"


class TierBasis(models.TextChoices):
    NONE = "none", "No tiers"
    UNITS = "units", "Cumulative units in the contract year"
    REVENUE = "revenue", "Cumulative revenue in the contract year"


class TierMode(models.TextChoices):
    # Each unit (or amount) earns the rate of the tier it falls in.
    MARGINAL = "marginal", "Marginal: each tier's rate on the volume inside it"
    # Crossing into a tier lifts the whole contract year's sales to its rate.
    RETROACTIVE = "retroactive", "Retroactive: the reached tier's rate on the whole year"


class ExchangeRateDate(models.TextChoices):
    TRANSACTION = "transaction", "Rate on the sale's date"
    PERIOD_END = "period_end", "Rate on the last day of the statement period"


class RoyaltyTerms(models.Model):
    """How royalties are computed under a licence from `effective_from` on.

    A new version is a new row; earlier sales keep the terms in force when
    they were made.
    """

    licence = models.ForeignKey(Licence, related_name="royalty_terms", on_delete=models.CASCADE)
    effective_from = models.DateField()
    rate_percent = models.DecimalField(**PERCENT)
    per_unit_amount = models.DecimalField(default=0, **AMOUNT)
    per_unit_minimum = models.DecimalField(null=True, blank=True, **AMOUNT)
    base = models.CharField(max_length=8, choices=RoyaltyBase.choices, default=RoyaltyBase.NET)
    tier_basis = models.CharField(max_length=8, choices=TierBasis.choices, default=TierBasis.NONE)
    tier_mode = models.CharField(max_length=16, choices=TierMode.choices, default=TierMode.MARGINAL)
    advance_amount = models.DecimalField(default=0, **AMOUNT)
    advance_recoupable = models.BooleanField(default=True)
    minimum_guarantee = models.DecimalField(default=0, **AMOUNT)  # per contract year
    currency = models.CharField(max_length=3)
    exchange_rate_source = models.CharField(max_length=128, blank=True)
    exchange_rate_date = models.CharField(
        max_length=16, choices=ExchangeRateDate.choices, default=ExchangeRateDate.TRANSACTION
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ("licence", "effective_from", "pk")
        verbose_name_plural = "royalty terms"
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "effective_from"], name="royalty_terms_one_per_date"
            ),
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0, rate_percent__lte=100),
                name="royalty_terms_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    per_unit_amount__gte=0, advance_amount__gte=0, minimum_guarantee__gte=0
                ),
                name="royalty_terms_amounts_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.licence} from {self.effective_from}"


class RoyaltyTier(models.Model):
    """A rate step: from `lower_bound` (inclusive) to `upper_bound` (exclusive, open if null)."""

    terms = models.ForeignKey(RoyaltyTerms, related_name="tiers", on_delete=models.CASCADE)
    lower_bound = models.DecimalField(**AMOUNT)
    upper_bound = models.DecimalField(null=True, blank=True, **AMOUNT)
    rate_percent = models.DecimalField(**PERCENT)

    class Meta:
        ordering = ("terms", "lower_bound")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0, rate_percent__lte=100),
                name="royalty_tier_rate_range",
            )
        ]


class RoyaltyCategoryRate(models.Model):
    """A rate for one product category (and its subcategories) under a terms version.

    Replaces `RoyaltyTerms.rate_percent` for sales in that category; the most
    specific category wins. Tiers, when the terms have them, replace both.
    """

    terms = models.ForeignKey(RoyaltyTerms, related_name="category_rates", on_delete=models.CASCADE)
    category = models.ForeignKey("merch.Category", related_name="+", on_delete=models.PROTECT)
    rate_percent = models.DecimalField(**PERCENT)

    class Meta:
        ordering = ("terms", "category")
        constraints = [
            models.UniqueConstraint(
                fields=["terms", "category"], name="royalty_category_rate_unique"
            ),
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0, rate_percent__lte=100),
                name="royalty_category_rate_range",
            ),
        ]


class ExchangeRate(models.Model):
    """One published rate: 1 unit of `base_currency` = `rate` units of `quote_currency`."""

    source = models.CharField(max_length=128)
    base_currency = models.CharField(max_length=3)
    quote_currency = models.CharField(max_length=3)
    date = models.DateField()
    rate = models.DecimalField(max_digits=20, decimal_places=8)

    class Meta:
        ordering = ("source", "base_currency", "quote_currency", "-date")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "base_currency", "quote_currency", "date"],
                name="exchange_rate_unique",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self):
        return (
            f"{self.base_currency}/{self.quote_currency} {self.rate} ({self.source}, {self.date})"
        )


class ApprovalStage(models.TextChoices):
    CONCEPT = "concept", "Concept"
    PRE_PRODUCTION = "pre_production", "Pre-production"
    PRODUCTION_SAMPLE = "production_sample", "Production sample"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


STAGE_ORDER = (
    ApprovalStage.CONCEPT,
    ApprovalStage.PRE_PRODUCTION,
    ApprovalStage.PRODUCTION_SAMPLE,
    ApprovalStage.APPROVED,
)


class ProductApproval(models.Model):
    """A product's use of one licence: the licensor's share of its royalties and
    how far the licensor has approved the design."""

    product = models.ForeignKey(
        "merch.Product", related_name="licence_approvals", on_delete=models.CASCADE
    )
    licence = models.ForeignKey(Licence, related_name="approvals", on_delete=models.PROTECT)
    share_percent = models.DecimalField(**PERCENT)
    stage = models.CharField(
        max_length=32, choices=ApprovalStage.choices, default=ApprovalStage.CONCEPT
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("product", "licence", "pk")
        constraints = [
            models.UniqueConstraint(fields=["product", "licence"], name="product_approval_unique"),
            models.CheckConstraint(
                condition=Q(share_percent__gt=0, share_percent__lte=100),
                name="product_approval_share_range",
            ),
        ]

    def __str__(self):
        return f"{self.product} under {self.licence}: {self.get_stage_display()}"


class ApprovalEvent(models.Model):
    """A step of an approval: submitted, moved to a stage, or rejected, with the comment.

    The approval history outlives the declaration: each event names the
    product, licence and share it was about, so when a resubmission drops a
    licence (its `ProductApproval` row goes) its events stay, ending with a
    `withdrawn` one, and every share a product was ever declared with is on
    record.
    """

    approval = models.ForeignKey(
        ProductApproval, null=True, blank=True, related_name="events", on_delete=models.SET_NULL
    )
    product = models.ForeignKey(
        "merch.Product", null=True, blank=True, related_name="+", on_delete=models.CASCADE
    )
    licence = models.ForeignKey(
        Licence, null=True, blank=True, related_name="approval_events", on_delete=models.PROTECT
    )
    share_percent = models.DecimalField(null=True, blank=True, **PERCENT)
    withdrawn = models.BooleanField(default=False)
    stage = models.CharField(max_length=32, choices=ApprovalStage.choices)
    comment = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "pk")
