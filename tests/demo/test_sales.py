"""The demo's closed quarter: past sales played through the real services, then closed."""

from decimal import Decimal

import pytest

from marquee.demo.loader import load_demo
from marquee.demo.sales import last_closed_quarter
from marquee.licensing.models import (
    EntryKind,
    JournalEntry,
    PeriodCloseStatus,
    RoyaltyPeriodClose,
    SaleSnapshot,
    Statement,
)
from marquee.merch.models import Order, OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert load_demo() is True


def test_the_last_closed_quarter_is_the_quarter_before_today(loaded):
    from datetime import date

    assert last_closed_quarter(date(2026, 12, 2)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert last_closed_quarter(date(2026, 1, 1)) == (date(2025, 10, 1), date(2025, 12, 31))


def test_sales_went_through_placement_outbox_and_ledger_at_their_dates(loaded):
    orders = Order.objects.filter(customer_note="Demo sale")
    assert orders.count() == 5
    dates = {order.created_at.date() for order in orders}
    close = RoyaltyPeriodClose.objects.get()
    assert all(close.period_start <= day <= close.period_end for day in dates)
    # Every line snapshotted, every sale accrued in the quarter, one refund reversed.
    assert SaleSnapshot.objects.filter(order_line__order__in=orders).count() == 10
    assert OutboxEvent.objects.filter(completed_at__isnull=True).count() == 0
    accruals = JournalEntry.objects.filter(kind=EntryKind.ACCRUAL)
    assert accruals.count() == 10
    assert {entry.effective_date for entry in accruals} <= dates
    assert JournalEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_two_licensors_have_statements_with_royalties_and_files(loaded):
    close = RoyaltyPeriodClose.objects.get()
    assert close.status == PeriodCloseStatus.DONE
    earning = Statement.objects.filter(royalty__gt=0).select_related("licensor")
    assert sorted(s.licensor.slug for s in earning) == ["china-film", "dengfeng-international"]
    for statement in earning:
        assert statement.amount_payable > Decimal(0)
        assert statement.lines.exists()
        assert statement.pdf_file and statement.xlsx_file and statement.csv_file
    china_film = earning.get(licensor__slug="china-film")
    assert china_film.units == 6  # 8 sold, 2 notebooks returned
    assert china_film.returns > 0
