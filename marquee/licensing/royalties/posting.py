"""The `royalty-ledger` outbox consumer: paid sales accrue, refunds reverse.

- `order.paid`: every snapshot of the order accrues (`ACCRUAL`, key
  ``accrual:<snapshot pk>``): debit royalty expense, credit the licensor's
  royalty payable, on the licence's accounts in the sale currency, with
  the units, base, rate and tier recorded; a retroactive tier step adds an
  `ADJUSTMENT` (key ``tier:<snapshot pk>``) for the year's earlier sales.
- `order.refunded`: each refunded line quantity reverses its accrual at the
  rate it was earned (`REVERSAL`, key ``reversal:<refund id>:<snapshot
  pk>``, `reverses` the accrual). An amount-only refund (no lines) owes
  nothing back: royalties follow goods, not goodwill credits. A refund of
  more units than the line has left is refused (`REFUND_EXCEEDS_LINE`)
  and nothing of it is posted.

Idempotent: every entry has a unique key and a redelivered event finds
its keys taken and posts nothing. Postings of one licence are serialised
by a row lock on the licence, so two orders paid at once count the
contract year's volume one after the other, and a redelivery racing the
first delivery waits, then finds the keys taken (were a key inserted
outside the lock, the unique index refuses it and the delivery is retried,
finding it taken). An event costs a constant number of statements
whatever the number of lines (`LedgerBook`). The arithmetic is `compute`;
what was posted before comes from a book (`books`), the same code serves
the ledger and the rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from marquee.core.exceptions import DomainError, ErrorDetail

from ..models import EntryKind, Licence, RoyaltyCategoryRate, RoyaltyTier, SaleSnapshot
from . import compute
from .books import LedgerBook, Posting

CONSUMER = "royalty-ledger"
PAID = "order.paid"
REFUNDED = "order.refunded"
REFUND_EXCEEDS_LINE = "REFUND_EXCEEDS_LINE"


@dataclass(frozen=True)
class Sale:
    """A snapshot with everything the arithmetic needs."""

    snapshot: SaleSnapshot
    terms: compute.Terms
    base_rate: Decimal  # point 3: category rate or terms rate
    term_start: date


def _terms(row) -> compute.Terms:
    return compute.Terms(
        rate=row.rate_percent,
        per_unit_amount=row.per_unit_amount,
        per_unit_minimum=row.per_unit_minimum,
        base=row.base,
        tier_basis=row.tier_basis,
        tier_mode=row.tier_mode,
        tiers=tuple(
            compute.Tier(t.lower_bound, t.upper_bound, t.rate_percent) for t in row.tiers.all()
        ),
    )


def _category_rates(snapshots) -> dict[int, Decimal]:
    """Point 3: the rate of each snapshot's category or nearest ancestor, where one is set."""
    terms_ids = {s.terms_id for s in snapshots if s.category_id}
    if not terms_ids:
        return {}
    rates = list(
        RoyaltyCategoryRate.objects.filter(terms_id__in=terms_ids)
        .select_related("category")
        .order_by()
    )
    if not rates:
        return {}
    found = {}
    for snap in snapshots:
        category = snap.category
        if category is None:
            continue
        best = None
        for rate in rates:
            c = rate.category
            covers = c.tree_id == category.tree_id and c.lft <= category.lft <= c.rght
            if rate.terms_id == snap.terms_id and covers and (best is None or c.lft > best[0]):
                best = (c.lft, rate.rate_percent)
        if best is not None:
            found[snap.pk] = best[1]
    return found


def load_sales(order_ids) -> dict[object, list[Sale]]:
    """The sales of these orders, per order line, in line and licence order."""
    snapshots = list(
        SaleSnapshot.objects.filter(order_line__order_id__in=order_ids)
        .select_related("terms", "licence", "category", "order_line")
        .prefetch_related(
            Prefetch("terms__tiers", queryset=RoyaltyTier.objects.order_by("lower_bound"))
        )
        .order_by("order_line__order_id", "order_line__sort_order", "order_line_id", "licence_id")
    )
    category = _category_rates(snapshots)
    terms_cache: dict[int, compute.Terms] = {}
    by_line: dict[object, list[Sale]] = {}
    for snap in snapshots:
        if snap.terms_id not in terms_cache:
            terms_cache[snap.terms_id] = _terms(snap.terms)
        terms = terms_cache[snap.terms_id]
        base_rate = category.get(snap.pk, terms.rate)
        by_line.setdefault(snap.order_line_id, []).append(
            Sale(snap, terms, base_rate, snap.licence.term_start)
        )
    return by_line


def _bases(sales: list[Sale]) -> dict[int, Decimal]:
    """Points 1-2: each licence's part of the line, on the base its terms name."""
    first = sales[0].snapshot
    shares = [(s.snapshot.licence_id, s.snapshot.share_percent) for s in sales]
    net = compute.split(first.net_total, shares, first.currency)
    listed = compute.split(first.list_total_net, shares, first.currency)
    return {
        s.snapshot.pk: (listed if s.terms.base == "list" else net)[s.snapshot.licence_id]
        for s in sales
    }


def accrue(by_line: dict, book, *, on: date, event_id=None) -> list[Posting]:
    """Post the accruals (and retroactive steps) of these lines; returns what was posted."""
    posted = []
    for sales in by_line.values():
        bases = _bases(sales)
        for sale in sales:
            snap, terms = sale.snapshot, sale.terms
            key = f"accrual:{snap.pk}"
            if book.has(key):
                continue
            start, end = compute.contract_year(sale.term_start, on)
            units_before, revenue_before = book.volume(snap.licence_id, start, end)
            volume_before = Decimal(units_before if terms.tier_basis == "units" else revenue_before)
            result = compute.royalty(
                terms,
                base=bases[snap.pk],
                units=snap.quantity,
                share=snap.share_percent,
                base_rate=sale.base_rate,
                volume_before=volume_before,
                currency=snap.currency,
            )
            earlier = []
            if terms.tiered and terms.tier_mode == "retroactive":
                earlier = book.earlier(snap.licence_id, snap.terms_id, start, end, snap.pk)
            posting = Posting(
                key=key,
                kind=EntryKind.ACCRUAL,
                licensor_id=snap.licensor_id,
                licence_id=snap.licence_id,
                currency=snap.currency,
                amount=result.amount,
                effective_date=on,
                snapshot_id=snap.pk,
                order_line_id=snap.order_line_id,
                units=snap.quantity,
                base=result.base,
                rate=result.rate,
                per_unit_amount=terms.per_unit_amount or None,
                tier_lower_bound=result.tier.lower if result.tier else None,
                terms_id=snap.terms_id,
                share=snap.share_percent,
                outbox_event_id=event_id,
                memo=f"{snap.quantity} x {snap.order_line.product_name}",
            )
            if book.post(posting, start):
                posted.append(posting)
                step = _retroactive_step(sale, result, earlier, volume_before, on, event_id)
                if step is not None and book.post(step, start):
                    posted.append(step)
    return posted


def _retroactive_step(sale, result, earlier, volume_before, on, event_id) -> Posting | None:
    """Point 6: lift the year's earlier sales under these terms to the tier just reached."""
    if not earlier or result.tier is None:
        return None
    before = compute.reached(sale.terms, volume_before)
    if before is not None and before.rate == result.tier.rate:
        return None
    snap = sale.snapshot
    lifted = [
        compute.EarlierSale(e.base, e.units, e.share, before.rate if before else e.rate, sale.terms)
        for e in earlier
    ]
    amount, base = compute.retroactive_step(lifted, result.tier.rate, snap.currency)
    if not amount:
        return None
    return Posting(
        key=f"tier:{snap.pk}",
        kind=EntryKind.ADJUSTMENT,
        licensor_id=snap.licensor_id,
        licence_id=snap.licence_id,
        currency=snap.currency,
        amount=amount,
        effective_date=on,
        snapshot_id=snap.pk,
        order_line_id=snap.order_line_id,
        base=base,
        rate=result.tier.rate,
        tier_lower_bound=result.tier.lower,
        terms_id=snap.terms_id,
        outbox_event_id=event_id,
        memo=f"Tier from {result.tier.lower} reached: earlier sales of the year at "
        f"{result.tier.rate} %",
    )


def reverse(by_line: dict, refund: dict, book, *, on: date, event_id=None) -> list[Posting]:
    """Post the reversals of a refund (payload of `order.refunded`); all or nothing."""
    refund_id = str(refund["refund_id"])
    planned, problems = [], []
    for item in refund.get("lines") or ():
        quantity = int(item["quantity"])
        for sale in by_line.get(_line_key(by_line, item["line_id"]), ()):
            snap = sale.snapshot
            key = f"reversal:{refund_id}:{snap.pk}"
            if quantity <= 0 or book.has(key):
                continue
            accrued = book.accrual(snap.pk)
            if accrued is None:
                continue  # never accrued (not paid): nothing to reverse
            before = book.refunded_units(snap.pk)
            if before + quantity > snap.quantity:
                problems.append(
                    ErrorDetail(
                        REFUND_EXCEEDS_LINE,
                        f"Refund {refund_id} returns {quantity} of {snap.order_line.product_name} "
                        f"but only {snap.quantity - before} of {snap.quantity} are left to refund.",
                        "lines",
                        {"lines": [str(snap.order_line_id)]},
                    )
                )
                continue
            counts = (snap.quantity, before, quantity, snap.currency)
            amount = compute.reversal(accrued.amount, *counts)
            base = compute.reversal(accrued.base, *counts)
            planned.append(
                Posting(
                    key=key,
                    kind=EntryKind.REVERSAL,
                    licensor_id=snap.licensor_id,
                    licence_id=snap.licence_id,
                    currency=snap.currency,
                    amount=-amount,
                    effective_date=on,
                    snapshot_id=snap.pk,
                    order_line_id=snap.order_line_id,
                    units=-quantity,
                    base=-base,
                    rate=accrued.rate,
                    terms_id=snap.terms_id,
                    share=snap.share_percent,
                    refund_id=_refund_pk(refund_id),
                    outbox_event_id=event_id,
                    reverses_key=accrued.key,
                    memo=f"Refund of {quantity} x {snap.order_line.product_name}",
                )
            )
    if problems:
        raise DomainError(*problems)
    return [p for p in planned if book.post(p)]


def _line_key(by_line: dict, line_id):
    for key in by_line:
        if str(key) == str(line_id):
            return key
    return None


def _refund_pk(refund_id: str):
    return int(refund_id) if refund_id.isdigit() else None


def business_date(event) -> date:
    return timezone.localdate(event.occurred_at)


def handle(event, book=None) -> list[Posting]:
    """Post what one outbox event owes (the consumer's body, inside a transaction)."""
    book = book if book is not None else LedgerBook()
    by_line = load_sales([event.order_id])
    if not by_line:
        return []
    licence_ids = sorted({s.snapshot.licence_id for sales in by_line.values() for s in sales})
    # Serialise postings per licence: the contract year's volume is read, then added to.
    list(Licence.objects.select_for_update().filter(pk__in=licence_ids).order_by("pk").values("pk"))
    on = business_date(event)
    snapshot_ids = [s.snapshot.pk for sales in by_line.values() for s in sales]
    if event.type == PAID:
        keys = [f"{kind}:{pk}" for pk in snapshot_ids for kind in ("accrual", "tier")]
        book.prepare(snapshot_ids, keys)
        posted = accrue(by_line, book, on=on, event_id=event.pk)
    elif event.type == REFUNDED:
        refund_id = str(event.payload.get("refund_id"))
        book.prepare(snapshot_ids, [f"reversal:{refund_id}:{pk}" for pk in snapshot_ids])
        posted = reverse(by_line, event.payload, book, on=on, event_id=event.pk)
    else:
        return []
    book.flush()
    return posted


@transaction.atomic
def post_royalties(event) -> list[Posting]:
    return handle(event)


def register() -> None:
    from marquee.merch.outbox.consumers import register_consumer

    register_consumer(post_royalties, name=CONSUMER, order=100, event_types=[PAID, REFUNDED])
