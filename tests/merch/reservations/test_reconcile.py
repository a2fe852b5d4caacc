"""Leftovers of a crash, written with raw SQL, are reported and repaired; balanced books are not."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from marquee.merch import models as m
from marquee.merch.reservations import services
from marquee.merch.reservations.reconcile import reconcile
from marquee.merch.tasks import reconcile_stock, sweep_reservations

from .conftest import counters, later


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _stock(variant):
    return m.Stock.objects.get(product_variant=variant)


def _line(shop, variant, quantity=1):
    return shop.checkout([(variant, quantity)]).lines.get()


def test_balanced_books_report_nothing_and_change_nothing(shop):
    (tee,) = shop.variants("Tee", stock=5)
    line = _line(shop, tee, 2)
    services.reserve(line.pk, tee.pk, 2, channel_id=shop.china.pk, until=later())
    report = reconcile()
    assert report.balanced and report.drifted == [] and report.expired_units == 0
    assert report.checked == m.Stock.objects.count()
    assert counters(tee) == (5, 0, 2)


def test_a_hold_lost_without_its_units_is_given_back(shop):
    """A line deleted by a path that did not release it: the counter still says 2."""
    (tee,) = shop.variants("Tee", stock=5)
    line = _line(shop, tee, 2)
    services.reserve(line.pk, tee.pk, 2, channel_id=shop.china.pk, until=later())
    _sql("DELETE FROM merch_checkoutline WHERE id = %s", [line.pk])  # cascades the hold away
    assert counters(tee) == (5, 0, 2)
    found = reconcile(repair=False)
    assert [row.stock_id for row in found.drifted] == [_stock(tee).pk]
    assert "reserved counter 2 but reservations hold 0" in found.lines()[1]
    assert counters(tee) == (5, 0, 2)  # a check repairs nothing
    fixed = reconcile()
    assert fixed.drifted[0].fixed and fixed.balanced
    assert counters(tee) == (5, 0, 0)
    assert reconcile().drifted == []


def test_a_hold_whose_counter_never_moved_is_counted(shop):
    (tee,) = shop.variants("Tee", stock=5)
    line = _line(shop, tee, 3)
    _sql(
        "INSERT INTO merch_reservation (checkout_line_id, stock_id, quantity_reserved,"
        " reserved_until) VALUES (%s, %s, 3, %s)",
        [line.pk, _stock(tee).pk, later()],
    )
    report = reconcile()
    assert report.drifted[0].fixed
    assert counters(tee) == (5, 0, 3)


def test_allocation_counter_drift_is_repaired(shop):
    (tee,) = shop.variants("Tee", stock=5)
    _sql("UPDATE merch_stock SET quantity_allocated = 4 WHERE id = %s", [_stock(tee).pk])
    report = reconcile()
    assert "allocated counter 4 but allocations hold 0" in report.lines()[1]
    assert counters(tee) == (5, 0, 0)


def test_expired_holds_left_by_a_crash_are_released(shop):
    (tee,) = shop.variants("Tee", stock=5)
    line = _line(shop, tee, 2)
    services.reserve(
        line.pk, tee.pk, 2, channel_id=shop.china.pk, until=timezone.now() - timedelta(hours=1)
    )
    check = reconcile(repair=False)
    assert "2 units held by expired reservations" in check.lines()[1]
    report = reconcile()
    assert report.expired_units == 2 and report.balanced
    assert "released 2 units of expired reservations" in report.lines()[1]
    assert counters(tee) == (5, 0, 0)
    assert not m.Reservation.objects.exists()


def test_an_oversold_row_is_reported_not_papered_over(shop):
    (tee,) = shop.variants("Tee", stock=2)
    line = _line(shop, tee, 3)
    _sql(
        "INSERT INTO merch_reservation (checkout_line_id, stock_id, quantity_reserved,"
        " reserved_until) VALUES (%s, %s, 3, %s)",
        [line.pk, _stock(tee).pk, later()],
    )
    report = reconcile()
    assert not report.balanced
    assert "over-committed" in report.lines()[1]
    assert counters(tee) == (2, 0, 0)


def test_only_the_variants_asked_for(shop):
    tee, mug = shop.variants("Tee", stock=5) + shop.variants("Mug", stock=5)
    _sql("UPDATE merch_stock SET quantity_allocated = 1 WHERE product_variant_id = %s", [mug.pk])
    assert reconcile(variant_ids=[tee.pk]).drifted == []
    assert counters(mug) == (5, 1, 0)


def test_the_command_prints_what_it_found_and_fixed(shop):
    (tee,) = shop.variants("Tee", stock=5)
    _sql("UPDATE merch_stock SET quantity_reserved = 2 WHERE id = %s", [_stock(tee).pk])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_stock", "--check", stdout=out)
    assert "1 with drift, 0 repaired" in out.getvalue()
    out = StringIO()
    call_command("reconcile_stock", stdout=out)
    assert "1 with drift, 1 repaired" in out.getvalue()
    assert "counters repaired" in out.getvalue()
    assert counters(tee) == (5, 0, 0)


def test_the_periodic_tasks(shop):
    (tee,) = shop.variants("Tee", stock=5)
    line = _line(shop, tee, 2)
    services.reserve(
        line.pk, tee.pk, 2, channel_id=shop.china.pk, until=timezone.now() - timedelta(seconds=1)
    )
    assert sweep_reservations.delay().get() == 2
    _sql("UPDATE merch_stock SET quantity_reserved = 1 WHERE id = %s", [_stock(tee).pk])
    assert reconcile_stock.delay().get() == {
        "checked": m.Stock.objects.count(),
        "drifted": 1,
        "repaired": 1,
        "unresolved": 0,
        "expired_units": 0,
    }


def test_beat_runs_both(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"marquee.merch.sweep_reservations", "marquee.merch.reconcile_stock"} <= tasks
    assert settings.RESERVATION_SWEEP_SECONDS == 10
