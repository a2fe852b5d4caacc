"""What a licensor may read of its royalties, and the drill-down behind each statement line.

Every read starts from the viewer (`licensing.selectors.Viewer`): staff see
every licensor's statements; a licensor's users see their own licensor's and
nothing else; anyone else sees nothing. A statement or line outside the
viewer's scope is returned as `None`, exactly like one that does not exist.

The drill-down goes from a `StatementLine` to the order lines behind it
through the ledger: the sale snapshots of the line's licence, SKU, country,
channel and sale currency that have an accrual or a reversal dated inside
the statement's period. Each row carries the order's number and date, the
country and channel, the units and royalty the period booked for it, the
list and actual unit prices and the discounts with their source
(`OrderLineDiscount`: a voucher code, a price rule, a manual discount).
It carries no customer data: no name, e-mail, address, phone or user id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from marquee.merch.models import OrderLineDiscount

from ..models import (
    AccountKind,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    LedgerLine,
    RoyaltyPeriodClose,
    SaleSnapshot,
    Statement,
    StatementLine,
)
from ..selectors import Viewer
from .files import money_text, write_csv
from .periods import period_of

ROYALTY_KINDS = (EntryKind.ACCRUAL, EntryKind.REVERSAL)
AMOUNT = DecimalField(max_digits=20, decimal_places=4)


def _scoped(queryset: QuerySet, viewer: Viewer, path: str) -> QuerySet:
    if viewer.is_staff:
        return queryset
    if viewer.licensor_id is not None:
        return queryset.filter(**{path: viewer.licensor_id})
    return queryset.none()


# --- statements -----------------------------------------------------------------------------


def statements(viewer: Viewer) -> QuerySet[Statement]:
    return _scoped(Statement.objects.all(), viewer, "licensor_id")


def statement(viewer: Viewer, pk) -> Statement | None:
    return statements(viewer).filter(pk=pk).first() if pk is not None else None


def statement_lines(viewer: Viewer) -> QuerySet[StatementLine]:
    return _scoped(StatementLine.objects.all(), viewer, "statement__licensor_id")


def statement_line(viewer: Viewer, pk) -> StatementLine | None:
    if pk is None:
        return None
    return statement_lines(viewer).select_related("statement").filter(pk=pk).first()


def period_closes(viewer: Viewer) -> QuerySet[RoyaltyPeriodClose]:
    """Closes run over every licensor at once: staff only."""
    return (
        RoyaltyPeriodClose.objects.all() if viewer.is_staff else RoyaltyPeriodClose.objects.none()
    )


# --- drill-down -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscountSource:
    type: str  # manual, voucher, promotion... (OrderLineDiscountType)
    name: str
    voucher_code: str
    rule: str
    amount: Decimal
    currency: str


def _entries_in_period(line: StatementLine):
    return JournalEntry.objects.filter(
        snapshot=OuterRef("pk"),
        kind__in=ROYALTY_KINDS,
        effective_date__gte=line.statement.period_start,
        effective_date__lte=line.statement.period_end,
    )


def drilldown(line: StatementLine) -> QuerySet[SaleSnapshot]:
    """The sale snapshots behind a statement line (scope the line first: `statement_line`).

    Annotated with `period_units` and `period_royalty` (what this period
    booked for the sale: accruals less reversals), the order line and order
    joined and discounts prefetched: two SQL statements for any page size.
    """
    statement_ = line.statement
    in_period = _entries_in_period(line)
    units = in_period.values("snapshot").annotate(total=Sum("units")).values("total")
    royalty = (
        LedgerLine.objects.filter(
            entry__snapshot=OuterRef("pk"),
            entry__kind__in=ROYALTY_KINDS,
            entry__effective_date__gte=statement_.period_start,
            entry__effective_date__lte=statement_.period_end,
            account__kind=AccountKind.ROYALTY_PAYABLE,
        )
        .values("entry__snapshot")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    queryset = SaleSnapshot.objects.filter(
        licensor_id=statement_.licensor_id,
        licence_id=line.licence_id,
        country=line.country,
        channel__slug=line.channel,
        currency=line.currency,
        order_line__product_sku=line.sku,
    ).filter(Exists(in_period))
    if line.product_id is not None:
        queryset = queryset.filter(order_line__product_id=line.product_id)
    return (
        queryset.annotate(
            period_units=Coalesce(Subquery(units, output_field=IntegerField()), Value(0)),
            period_royalty=Coalesce(Subquery(royalty, output_field=AMOUNT), Value(Decimal(0)))
            * Value(Decimal(-1)),
        )
        .select_related("order_line__order", "channel")
        .prefetch_related(
            Prefetch(
                "order_line__discounts",
                queryset=OrderLineDiscount.objects.order_by("sort_order", "pk"),
            )
        )
        .order_by("sold_at", "pk")
    )


def discount_sources(snapshot: SaleSnapshot) -> list[DiscountSource]:
    return [
        DiscountSource(
            type=d.type,
            name=d.name,
            voucher_code=d.voucher_code,
            rule=d.rule_key,
            amount=d.amount_value,
            currency=d.currency,
        )
        for d in snapshot.order_line.discounts.all()
    ]


DRILLDOWN_COLUMNS = [
    "Order number",
    "Order date",
    "Country",
    "Channel",
    "SKU",
    "Product",
    "Quantity",
    "Units this period",
    "Currency",
    "List unit price (net)",
    "Actual unit price (net)",
    "Discount per unit",
    "Discount sources",
    "Share %",
    "Royalty this period",
]


def drilldown_row(snapshot: SaleSnapshot) -> list:
    """One row of the drill-down: the sale as the licensor may see it, no customer data."""
    order_line = snapshot.order_line
    sources = "; ".join(
        " ".join(part for part in (s.type, s.name, s.voucher_code, s.rule) if part)
        + f" {money_text(s.amount)} {s.currency}"
        for s in discount_sources(snapshot)
    )
    return [
        order_line.order.number,
        snapshot.sold_at.date().isoformat(),
        snapshot.country,
        snapshot.channel.slug,
        order_line.product_sku,
        order_line.product_name,
        snapshot.quantity,
        snapshot.period_units,
        snapshot.currency,
        order_line.undiscounted_unit_price_net_amount,
        order_line.unit_price_net_amount,
        order_line.undiscounted_unit_price_net_amount - order_line.unit_price_net_amount,
        sources,
        snapshot.share_percent,
        snapshot.period_royalty,
    ]


def drilldown_csv(line: StatementLine) -> bytes:
    """The drill-down of a statement line as CSV (streams the rows in chunks)."""
    rows = (drilldown_row(s) for s in drilldown(line).iterator(chunk_size=2000))
    return write_csv(rows, DRILLDOWN_COLUMNS)


# --- balances and the live accrual ----------------------------------------------------------


def balances(viewer: Viewer, *, licensor_id=None, licence_id=None):
    """Balance per ledger account (licensor, licence or none, kind, currency): one SQL query.

    Signed as the ledger keeps them: debits positive, credits negative (what
    Marquee owes a licensor is a negative `royalty_payable` balance).
    """
    queryset = _scoped(LedgerAccount.objects.all(), viewer, "licensor_id")
    if licensor_id is not None:
        queryset = queryset.filter(licensor_id=licensor_id)
    if licence_id is not None:
        queryset = queryset.filter(licence_id=licence_id)
    return queryset.annotate(
        balance=Coalesce(Sum("lines__amount"), Value(Decimal(0)), output_field=AMOUNT)
    ).order_by("licensor_id", "licence_id", "kind", "currency")


@dataclass(frozen=True)
class Accrued:
    licensor_id: int
    licence_id: int | None
    currency: str
    amount: Decimal
    period_start: date
    period_end: date


def accrued_this_period(
    viewer: Viewer, today: date, *, licensor_id=None, licence_id=None
) -> list[Accrued]:
    """Royalty accrued so far in the current statement period, per licensor, licence and
    currency: accruals less reversals dated inside the period, read live from the ledger."""
    start, end = period_of(3, today)  # the default statement period: a calendar quarter
    queryset = _scoped(
        LedgerLine.objects.filter(
            account__kind=AccountKind.ROYALTY_PAYABLE,
            entry__kind__in=ROYALTY_KINDS,
            entry__effective_date__gte=start,
            entry__effective_date__lte=end,
        ),
        viewer,
        "entry__licensor_id",
    )
    if licensor_id is not None:
        queryset = queryset.filter(entry__licensor_id=licensor_id)
    if licence_id is not None:
        queryset = queryset.filter(entry__licence_id=licence_id)
    rows = (
        queryset.values("entry__licensor_id", "entry__licence_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by("entry__licensor_id", "entry__licence_id", "currency")
    )
    return [
        Accrued(
            licensor_id=row["entry__licensor_id"],
            licence_id=row["entry__licence_id"],
            currency=row["currency"],
            amount=-row["total"],
            period_start=start,
            period_end=end,
        )
        for row in rows
    ]
