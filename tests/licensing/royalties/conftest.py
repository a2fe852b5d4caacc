"""Selling under licences with given royalty terms, and the outbox events a sale emits.

Orders are placed through `complete_checkout` (the placement hook writes
the snapshots); the events the outbox would deliver are written here as
`OutboxEvent` rows following the event contract, and handed to the
`royalty-ledger` consumer directly.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from marquee.licensing import services
from marquee.licensing.models import LedgerLine
from marquee.licensing.royalties import posting
from marquee.merch.models.orders import OrderRefund
from marquee.merch.models.outbox import OutboxEvent
from marquee.merch.orders.placement import complete_checkout


class Sales:
    def __init__(self, register, shop):
        self.register, self.shop = register, shop
        self.count = 0

    def co_licence(self, reference="C-1"):
        """A licence of licensor B on a property of the same film (a crossover co-owner)."""
        prop = services.create_property(
            licensor=self.register.licensor_b,
            name=f"Characters {reference}",
            slug=f"characters-{reference.lower()}",
            kind="character",
            films=[self.shop.film],
        )
        return self.register.licence(self.register.licensor_b, reference, [prop])

    def terms(self, licence, **fields):
        fields.setdefault("effective_from", licence.term_start)
        fields.setdefault("currency", licence.licensor.statement_currency)
        fields.setdefault("rate_percent", Decimal(10))
        return services.add_royalty_terms(licence, services.TermsData(**fields))

    def product(self, *licences, price=Decimal("100.00"), shares=None, category=None):
        self.count += 1
        product = self.shop.product(
            f"Figure {self.count}", variants=1, stock=1000, cny=price, category=category
        )
        licences = licences or (self.register.licence_a,)
        shares = shares or [Decimal(100) / len(licences)] * len(licences)
        for licence, share in zip(licences, shares, strict=True):
            self.register.approve(product, licence, share)
        return product

    def order(self, *items):
        """items: (product, quantity); placed and paid in the china channel."""
        checkout = self.shop.checkout([(p.variants.first(), q) for p, q in items])
        self.shop.pay(checkout)
        return complete_checkout(checkout.token).order

    def event(self, order, type_, key, payload, on=None):
        at = timezone.make_aware(datetime.combine(on, time(12))) if on else timezone.now()
        # Placement records the order's own `paid:` event; the test takes it over
        # (at the day it wants), as the dispatcher would hand it to the consumer.
        event, _ = OutboxEvent.objects.update_or_create(
            key=key, defaults={"type": type_, "order": order, "payload": payload, "occurred_at": at}
        )
        return event

    def paid(self, order, on=None):
        payload = {"currency": order.currency, "amount": str(order.total_gross_amount)}
        event = self.event(order, posting.PAID, f"paid:{order.pk}", payload, on)
        return posting.post_royalties(event), event

    def refund(self, order, lines, on=None):
        """lines: [(order line, quantity)]."""
        refund = OrderRefund.objects.create(
            order=order, currency=order.currency, amount=Decimal("1"), status="success"
        )
        payload = {
            "refund_id": str(refund.pk),
            "currency": order.currency,
            "amount": "1",
            "lines": [
                {"line_id": str(line.pk), "quantity": q, "amount_net": "0", "amount_gross": "0"}
                for line, q in lines
            ],
        }
        event = self.event(order, posting.REFUNDED, f"refunded:{refund.pk}", payload, on)
        return posting.post_royalties(event), event


def payable(licence=None, licensor=None) -> Decimal:
    """What the licensor is owed on the ledger (the credit balance, as a positive amount)."""
    lines = LedgerLine.objects.filter(account__kind="royalty_payable")
    if licence is not None:
        lines = lines.filter(account__licence=licence)
    if licensor is not None:
        lines = lines.filter(account__licensor=licensor)
    return -(lines.aggregate(total=Sum("amount"))["total"] or Decimal(0))


@pytest.fixture
def sales(register, shop):
    return Sales(register, shop)
