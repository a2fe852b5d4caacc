"""Royalty data for the portal's tests: real orders, their sale snapshots, balanced ledger
entries and statements, written directly (the posting and the close are tested elsewhere).

`Royalties(register)` sells through the real checkout (`complete_checkout`),
then writes what the placement hook and the ledger consumer would: one
`SaleSnapshot` per order line and licence, and an accrual (royalty expense
debited, royalty payable credited) or a reversal per call.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from marquee.licensing.models import (
    AccountKind,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    LedgerLine,
    RoyaltyPeriodClose,
    RoyaltyTerms,
    SaleSnapshot,
    Statement,
    StatementLine,
)
from marquee.merch.models import OrderLineDiscount
from marquee.merch.orders.placement import complete_checkout

PERIOD = (date(2026, 7, 1), date(2026, 9, 30))


class Royalties:
    def __init__(self, register):
        self.register = register
        self.shop = register.shop
        self._terms = {}
        self._keys = 0

    def terms(self, licence, rate=Decimal(10)):
        if licence.pk not in self._terms:
            self._terms[licence.pk] = RoyaltyTerms.objects.create(
                licence=licence,
                effective_from=date(2026, 1, 1),
                rate_percent=rate,
                currency="CNY",
            )
        return self._terms[licence.pk]

    def sell(self, variant, quantity=1, *, licence=None, share=Decimal(100), sold=None):
        """Place a paid order for one variant; returns its sale snapshot."""
        licence = licence or self.register.licence_a
        self.register.approve(variant.product, licence, share)
        checkout = self.shop.checkout([(variant, quantity)])
        self.shop.pay(checkout)
        order = complete_checkout(checkout.token).order
        line = order.lines.get()
        sold_at = timezone.make_aware(datetime.combine(sold or PERIOD[0], time(12)))
        snapshot, created = SaleSnapshot.objects.get_or_create(
            order_line=line,
            licence=licence,
            defaults={
                "licensor": licence.licensor,
                "terms": self.terms(licence),
                "share_percent": share,
                "category": variant.product.category,
                "channel": order.channel,
                "country": "CN",
                "sold_at": sold_at,
                "currency": order.currency,
                "quantity": quantity,
                "list_total_net": line.undiscounted_total_price_net_amount,
                "net_total": line.total_price_net_amount,
            },
        )
        if not created:  # the placement hook wrote it: move the sale to the wanted day
            SaleSnapshot.objects.filter(pk=snapshot.pk).update(sold_at=sold_at)
            snapshot.refresh_from_db()
        return snapshot

    def discount(self, snapshot, *, voucher="", rule="", amount=Decimal("5.00")):
        return OrderLineDiscount.objects.create(
            line=snapshot.order_line,
            type="voucher" if voucher else "rule",
            name="Backer price" if rule else "Voucher",
            voucher_code=voucher,
            rule_key=rule,
            currency=snapshot.currency,
            amount_value=amount,
        )

    def account(self, licensor, licence, kind, currency="CNY"):
        return LedgerAccount.objects.get_or_create(
            licensor=licensor, licence=licence, kind=kind, currency=currency
        )[0]

    def post(self, snapshot, royalty, *, on=None, units=None, kind=EntryKind.ACCRUAL):
        """One balanced accrual (or, with a negative royalty, a reversal) for a snapshot."""
        self._keys += 1
        on = on or snapshot.sold_at.date()
        licence = snapshot.licence
        entry = JournalEntry.objects.create(
            kind=kind if royalty > 0 else EntryKind.REVERSAL,
            licensor_id=snapshot.licensor_id,
            licence=licence,
            effective_date=on,
            key=f"test:{self._keys}:{snapshot.pk}",
            order_line_id=snapshot.order_line_id,
            snapshot=snapshot,
            units=snapshot.quantity if units is None else units,
            base_amount=snapshot.net_total,
            rate_percent=Decimal(10),
        )
        expense = self.account(licence.licensor, licence, AccountKind.ROYALTY_EXPENSE)
        payable = self.account(licence.licensor, licence, AccountKind.ROYALTY_PAYABLE)
        LedgerLine.objects.create(entry=entry, account=expense, amount=royalty, currency="CNY")
        LedgerLine.objects.create(entry=entry, account=payable, amount=-royalty, currency="CNY")
        return entry

    def close(self, period=PERIOD):
        return RoyaltyPeriodClose.objects.get_or_create(
            period_start=period[0], period_end=period[1], defaults={"status": "done"}
        )[0]

    def statement(self, licensor, snapshots=(), *, period=PERIOD, **totals):
        """A statement with one line per snapshot's (licence, SKU, country, channel)."""
        fields = {
            "units": 0,
            "gross": Decimal("0"),
            "royalty_base": Decimal("0"),
            "royalty": Decimal("0"),
            "amount_payable": Decimal("0"),
        }
        fields.update(totals)
        statement = Statement.objects.create(
            licensor=licensor,
            period_close=self.close(period),
            period_start=period[0],
            period_end=period[1],
            currency="CNY",
            due_date=date(2026, 10, 30),
            **fields,
        )
        grouped = {}
        for snapshot in snapshots:
            line = snapshot.order_line
            key = (snapshot.licence_id, line.product_sku, snapshot.country, snapshot.channel.slug)
            grouped.setdefault(key, []).append(snapshot)
        for (licence_id, sku, country, channel), group in grouped.items():
            first = group[0].order_line
            base = sum((s.net_total for s in group), Decimal(0))
            StatementLine.objects.create(
                statement=statement,
                licence_id=licence_id,
                product_id=first.product_id,
                product_name=first.product_name,
                sku=sku,
                country=country,
                channel=channel,
                currency="CNY",
                units=sum(s.quantity for s in group),
                gross=sum((s.order_line.total_price_gross_amount for s in group), Decimal(0)),
                royalty_base=base,
                rate_percent=Decimal(10),
                royalty=base / 10,
                royalty_in_statement_currency=base / 10,
            )
        return statement
