"""What a sale owes, frozen at the sale, and the royalty ledger it posts to.

`SaleSnapshot` - one row per (order line, licence) written by the placement
hook inside the sale's transaction: the licence, the royalty-terms version
in force on the sale date, the licensor's share, the category, channel and
ship-to country, and the prices the royalty base is taken from. Later
edits to a licence, a share or the terms never change what a past sale
owes; everything downstream reads the snapshot, never the live register.

The ledger is double-entry and append-only:

- `LedgerAccount` - one per (licensor, licence or none, kind, currency);
- `JournalEntry` - one posting (an accrual, its reversal, an advance, a
  recoupment, a guarantee true-up, withholding, an FX conversion, a payment
  to the licensor, an adjustment), linked to its source and unique by
  `key`, so posting the same source twice posts nothing;
- `LedgerLine` - the legs of an entry: signed amounts (debit positive,
  credit negative) whose sum per entry and currency is zero.

PostgreSQL enforces both rules (migration `0002_ledger`): triggers refuse
UPDATE and DELETE on entries and lines (a correction is a reversing entry),
and a deferred constraint trigger refuses to commit an entry whose lines do
not balance.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .register import AMOUNT, PERCENT, Licence, Licensor, RoyaltyTerms


class SaleSnapshot(models.Model):
    order_line = models.ForeignKey(
        "merch.OrderLine", related_name="licence_snapshots", on_delete=models.PROTECT
    )
    licence = models.ForeignKey(Licence, related_name="sale_snapshots", on_delete=models.PROTECT)
    licensor = models.ForeignKey(Licensor, related_name="sale_snapshots", on_delete=models.PROTECT)
    terms = models.ForeignKey(RoyaltyTerms, related_name="sale_snapshots", on_delete=models.PROTECT)
    share_percent = models.DecimalField(**PERCENT)
    category = models.ForeignKey(
        "merch.Category", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    channel = models.ForeignKey("merch.Channel", related_name="+", on_delete=models.PROTECT)
    country = models.CharField(max_length=2)
    sold_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    quantity = models.PositiveIntegerField()
    # Net (before tax) line totals: at list price, and as actually paid after
    # price rules and the line's voucher share. The base is one of them.
    list_total_net = models.DecimalField(**AMOUNT)
    net_total = models.DecimalField(**AMOUNT)

    class Meta:
        ordering = ("order_line", "licence")
        constraints = [
            models.UniqueConstraint(
                fields=["order_line", "licence"], name="sale_snapshot_once_per_licence"
            ),
            models.CheckConstraint(
                condition=Q(share_percent__gt=0, share_percent__lte=100),
                name="sale_snapshot_share_range",
            ),
        ]


class AccountKind(models.TextChoices):
    # Marquee's side
    ROYALTY_EXPENSE = "royalty_expense", "Royalty expense"
    ADVANCE_PREPAID = "advance_prepaid", "Advances paid, not yet recouped"
    CASH = "cash", "Cash paid out"
    WITHHOLDING_PAYABLE = "withholding_payable", "Withholding tax owed to the tax office"
    FX = "fx", "Currency conversion"
    # The licensor's side
    ROYALTY_PAYABLE = "royalty_payable", "Royalties owed to the licensor"


class LedgerAccount(models.Model):
    licensor = models.ForeignKey(Licensor, related_name="ledger_accounts", on_delete=models.PROTECT)
    licence = models.ForeignKey(
        Licence, null=True, blank=True, related_name="ledger_accounts", on_delete=models.PROTECT
    )
    kind = models.CharField(max_length=32, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ("licensor", "licence", "kind", "currency")
        constraints = [
            models.UniqueConstraint(
                fields=["licensor", "licence", "kind", "currency"],
                name="ledger_account_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.licensor} {self.licence or ''} {self.kind} {self.currency}"


class EntryKind(models.TextChoices):
    ACCRUAL = "accrual", "Royalty accrued on a paid sale"
    REVERSAL = "reversal", "Royalty reversed on a refund or return"
    ADVANCE = "advance", "Advance paid"
    RECOUPMENT = "recoupment", "Advance recouped from royalties"
    GUARANTEE_TRUE_UP = "guarantee_true_up", "Minimum guarantee true-up"
    WITHHOLDING = "withholding", "Withholding tax"
    FX = "fx", "Currency conversion"
    PAYMENT = "payment", "Payment to the licensor"
    ADJUSTMENT = "adjustment", "Adjustment"


class PaymentKind(models.TextChoices):
    ADVANCE = "advance", "Advance paid under a licence"
    ROYALTY = "royalty", "Royalties paid to the licensor"


class RoyaltyPayment(models.Model):
    """Money staff paid out: the source document of an ADVANCE or PAYMENT entry.

    It is recorded before its entry, in the same transaction, so the
    rebuild replays payments from these rows and not from the journal it
    checks. Unique per (kind, licensor, licence, reference): the same bank
    transfer recorded twice is one payment.
    """

    kind = models.CharField(max_length=16, choices=PaymentKind.choices)
    licensor = models.ForeignKey(Licensor, related_name="payments", on_delete=models.PROTECT)
    licence = models.ForeignKey(
        Licence, null=True, blank=True, related_name="advances", on_delete=models.PROTECT
    )
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    paid_on = models.DateField()
    reference = models.CharField(max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("recorded_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "licensor", "licence", "reference"],
                name="royalty_payment_once",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="royalty_payment_positive"),
            models.CheckConstraint(
                condition=Q(kind="royalty") | Q(licence__isnull=False),
                name="royalty_advance_has_licence",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference} {self.amount} {self.currency}"


class JournalEntry(models.Model):
    kind = models.CharField(max_length=32, choices=EntryKind.choices)
    licensor = models.ForeignKey(Licensor, related_name="journal_entries", on_delete=models.PROTECT)
    licence = models.ForeignKey(
        Licence, null=True, blank=True, related_name="journal_entries", on_delete=models.PROTECT
    )
    # The business date (sale, refund, payment date): periods and contract years use it.
    effective_date = models.DateField()
    posted_at = models.DateTimeField(default=timezone.now)
    # Idempotency: e.g. "accrual:<order line>:<licence>", "reversal:<refund>:<line>:<licence>".
    key = models.CharField(max_length=200, unique=True)
    memo = models.CharField(max_length=500, blank=True)
    # Sources (whichever apply).
    order_line = models.ForeignKey(
        "merch.OrderLine", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    snapshot = models.ForeignKey(
        SaleSnapshot, null=True, blank=True, related_name="entries", on_delete=models.PROTECT
    )
    refund = models.ForeignKey(
        "merch.OrderRefund", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    outbox_event = models.ForeignKey(
        "merch.OutboxEvent", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    payment = models.ForeignKey(
        RoyaltyPayment, null=True, blank=True, related_name="entries", on_delete=models.PROTECT
    )
    reverses = models.ForeignKey(
        "self", null=True, blank=True, related_name="reversed_by", on_delete=models.PROTECT
    )
    # The royalty arithmetic, for statements and audits (accruals and reversals).
    units = models.IntegerField(default=0)  # negative on a reversal
    base_amount = models.DecimalField(default=0, **AMOUNT)
    rate_percent = models.DecimalField(null=True, blank=True, **PERCENT)
    per_unit_amount = models.DecimalField(null=True, blank=True, **AMOUNT)
    tier_lower_bound = models.DecimalField(null=True, blank=True, **AMOUNT)

    class Meta:
        ordering = ("pk",)
        verbose_name_plural = "journal entries"
        indexes = [models.Index(fields=["licensor", "effective_date"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key}"


class LedgerLine(models.Model):
    entry = models.ForeignKey(JournalEntry, related_name="lines", on_delete=models.PROTECT)
    account = models.ForeignKey(LedgerAccount, related_name="lines", on_delete=models.PROTECT)
    amount = models.DecimalField(**AMOUNT)  # debit positive, credit negative
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ("entry", "pk")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_line_not_zero")]
