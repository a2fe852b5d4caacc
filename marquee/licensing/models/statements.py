"""Royalty statements: what a licensor is told it is owed for a period, immutable once issued.

A `RoyaltyPeriodClose` is one run of closing a period (all licensors at
once), with progress, started by staff and carried out by a Celery task;
closing a period already closed is a no-op that says so. A `Statement` is
one licensor's statement for the period; an issued statement never changes:
a correction is a new `version` with a `reason`, superseding the one before.
`StatementLine` rows aggregate the ledger's accruals and reversals per
licence, product, SKU, country and channel; the drill-down from a line to
the order lines behind it reads the ledger (`JournalEntry.snapshot`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .register import AMOUNT, PERCENT, Licence, Licensor


class PeriodCloseStatus(models.TextChoices):
    PENDING = "pending", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Closed"
    FAILED = "failed", "Failed"


class RoyaltyPeriodClose(models.Model):
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    status = models.CharField(
        max_length=16, choices=PeriodCloseStatus.choices, default=PeriodCloseStatus.PENDING
    )
    licensors_total = models.PositiveIntegerField(default=0)
    licensors_done = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-period_start", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end"], name="royalty_period_close_once"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="royalty_period_order"
            ),
        ]

    def __str__(self):
        return f"{self.period_start}–{self.period_end} ({self.status})"


class Statement(models.Model):
    licensor = models.ForeignKey(Licensor, related_name="statements", on_delete=models.PROTECT)
    period_close = models.ForeignKey(
        RoyaltyPeriodClose, related_name="statements", on_delete=models.PROTECT
    )
    period_start = models.DateField()
    period_end = models.DateField()
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, related_name="superseded_by", on_delete=models.PROTECT
    )
    reason = models.TextField(blank=True)  # why this version corrects the one before
    currency = models.CharField(max_length=3)  # the statement currency
    issued_at = models.DateTimeField(default=timezone.now)
    due_date = models.DateField()
    # Totals, in the statement currency.
    units = models.IntegerField(default=0)
    gross = models.DecimalField(default=0, **AMOUNT)
    discounts = models.DecimalField(default=0, **AMOUNT)
    returns = models.DecimalField(default=0, **AMOUNT)
    royalty_base = models.DecimalField(default=0, **AMOUNT)
    royalty = models.DecimalField(default=0, **AMOUNT)
    opening_balance = models.DecimalField(default=0, **AMOUNT)
    advances_recouped = models.DecimalField(default=0, **AMOUNT)
    guarantee_true_up = models.DecimalField(default=0, **AMOUNT)
    withholding = models.DecimalField(default=0, **AMOUNT)
    fx_adjustment = models.DecimalField(default=0, **AMOUNT)
    amount_payable = models.DecimalField(default=0, **AMOUNT)
    # Rendered files, through the default storage (local folder, or S3).
    csv_file = models.FileField(upload_to="statements/", blank=True)
    xlsx_file = models.FileField(upload_to="statements/", blank=True)
    pdf_file = models.FileField(upload_to="statements/", blank=True)

    class Meta:
        ordering = ("licensor", "-period_start", "-version")
        constraints = [
            models.UniqueConstraint(
                fields=["licensor", "period_start", "period_end", "version"],
                name="statement_version_unique",
            )
        ]

    def __str__(self):
        return f"{self.licensor} {self.period_start}–{self.period_end} v{self.version}"


class StatementLine(models.Model):
    statement = models.ForeignKey(Statement, related_name="lines", on_delete=models.PROTECT)
    licence = models.ForeignKey(Licence, related_name="+", on_delete=models.PROTECT)
    product = models.ForeignKey(
        "merch.Product", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    product_name = models.CharField(max_length=250)
    sku = models.CharField(max_length=255)
    country = models.CharField(max_length=2)
    channel = models.CharField(max_length=100)  # the channel's slug
    currency = models.CharField(max_length=3)  # the sale currency
    units = models.IntegerField(default=0)
    gross = models.DecimalField(default=0, **AMOUNT)
    discounts = models.DecimalField(default=0, **AMOUNT)
    returns = models.DecimalField(default=0, **AMOUNT)
    royalty_base = models.DecimalField(default=0, **AMOUNT)
    rate_percent = models.DecimalField(null=True, blank=True, **PERCENT)
    royalty = models.DecimalField(default=0, **AMOUNT)
    # The same royalty in the statement currency (FX at the contract's rate date).
    royalty_in_statement_currency = models.DecimalField(default=0, **AMOUNT)

    class Meta:
        ordering = ("statement", "licence", "sku", "country", "channel")


class WithholdingRate(models.Model):
    """Withholding tax on a licensor's royalties from `effective_from` on (treaty rates change).

    The rate in force on a statement period's last day applies to that
    period's statement; with no dated rate, the licensor's
    `withholding_tax_rate` applies.
    """

    licensor = models.ForeignKey(
        Licensor, related_name="withholding_rates", on_delete=models.PROTECT
    )
    rate_percent = models.DecimalField(**PERCENT)
    effective_from = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("licensor", "-effective_from")
        constraints = [
            models.UniqueConstraint(
                fields=["licensor", "effective_from"], name="withholding_rate_one_per_date"
            ),
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0, rate_percent__lte=100),
                name="withholding_rate_range",
            ),
        ]

    def __str__(self):
        return f"{self.licensor} {self.rate_percent}% from {self.effective_from}"
