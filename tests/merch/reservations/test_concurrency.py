"""Buyers racing for the last units on real PostgreSQL: never over, and a lost race moves on."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from marquee.merch import models as m
from marquee.merch.reservations import services

from .conftest import ShopBuilder, counters, held, later

BUYERS = 30
UNITS = 7


def _reserve(line, variant, channel_id, barrier):
    barrier.wait()
    try:
        with transaction.atomic():
            return services.reserve(line.pk, variant.pk, 1, channel_id=channel_id, until=later())
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_thirty_buyers_race_for_seven_units():
    shop = ShopBuilder()
    (tee,) = shop.variants("Drop Tee", stock=UNITS)
    for _round in range(3):
        lines = [shop.checkout([(tee, 1)]).lines.get() for _ in range(BUYERS)]
        barrier = threading.Barrier(BUYERS)
        with ThreadPoolExecutor(BUYERS) as pool:
            got = list(
                pool.map(
                    _reserve,
                    lines,
                    [tee] * BUYERS,
                    [shop.china.pk] * BUYERS,
                    [barrier] * BUYERS,
                )
            )
        assert sorted(got) == [0] * (BUYERS - UNITS) + [1] * UNITS
        assert counters(tee) == (UNITS, 0, UNITS)
        assert held(tee) == UNITS
        services.release_lines([line.pk for line in lines])
        assert counters(tee) == (UNITS, 0, 0)


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_buyer_who_loses_the_first_row_takes_the_next_in_the_same_statement():
    """The first warehouse's last unit goes to whoever locked it; the waiter moves on."""
    shop = ShopBuilder()
    (tee,) = shop.variants("Drop Tee", stock=1)
    beijing = m.Warehouse.objects.create(name="Beijing", slug="zz-beijing", country="CN")
    beijing.channels.add(shop.china)
    second = m.Stock.objects.create(warehouse=beijing, product_variant=tee, quantity=1)
    first_line = shop.checkout([(tee, 1)]).lines.get()
    second_line = shop.checkout([(tee, 1)]).lines.get()
    holding, result = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                services.reserve(first_line.pk, tee.pk, 1, channel_id=shop.china.pk, until=later())
                holding.set()
                deadline = time.monotonic() + 10
                while not _waiting_on_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.02)
                result["waited"] = _waiting_on_a_lock()
        finally:
            connection.close()

    def second_buyer():
        holding.wait()
        try:
            with transaction.atomic():
                result["got"] = services.reserve(
                    second_line.pk, tee.pk, 1, channel_id=shop.china.pk, until=later()
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second_buyer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert result["waited"]  # the second buyer was blocked on the first row
    assert result["got"] == 1
    assert m.Reservation.objects.get(checkout_line=second_line).stock_id == second.pk
    assert m.Reservation.objects.get(checkout_line=first_line).stock_id != second.pk


def _create_checkout(variant, barrier):
    from marquee.core.exceptions import DomainError
    from marquee.merch.checkout import services as checkout_services

    barrier.wait()
    try:
        checkout_services.create_checkout(
            checkout_services.NewCheckout(
                channel_slug="china", lines=[checkout_services.LineInput(variant.pk, 1)]
            )
        )
        return "held"
    except DomainError as error:
        return ",".join(detail.code for detail in error.details)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_buyers_adding_the_last_units_to_checkouts_at_once():
    """Through the checkout service (validation first, the reserve last): never over."""
    shop = ShopBuilder()
    shop.china.reservation_minutes_anonymous = 10
    shop.china.save()
    (tee,) = shop.variants("Drop Tee", stock=UNITS)
    barrier = threading.Barrier(BUYERS)
    with ThreadPoolExecutor(BUYERS) as pool:
        outcomes = list(pool.map(_create_checkout, [tee] * BUYERS, [barrier] * BUYERS))
    assert outcomes.count("held") == UNITS
    assert outcomes.count("INSUFFICIENT_STOCK") == BUYERS - UNITS
    assert counters(tee) == (UNITS, 0, UNITS)
    assert m.Checkout.objects.count() == UNITS


@pytest.mark.django_db(transaction=True)
def test_a_repair_waits_for_a_reserve_in_flight_and_keeps_its_hold():
    """Drift is repaired inside the row lock, so a concurrent reservation is never erased."""
    from marquee.merch.reservations.reconcile import reconcile

    shop = ShopBuilder()
    (tee,) = shop.variants("Drop Tee", stock=UNITS)
    m.Stock.objects.filter(product_variant=tee).update(quantity_reserved=3)  # drift: no rows
    line = shop.checkout([(tee, 1)]).lines.get()
    holding, done = threading.Event(), {}

    def buyer():
        try:
            with transaction.atomic():
                services.reserve(line.pk, tee.pk, 1, channel_id=shop.china.pk, until=later())
                holding.set()
                deadline = time.monotonic() + 10
                while not _waiting_on_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.02)
                done["waited"] = _waiting_on_a_lock()
        finally:
            connection.close()

    thread = threading.Thread(target=buyer)
    thread.start()
    holding.wait(10)
    report = reconcile(variant_ids=[tee.pk])
    thread.join(20)
    assert done["waited"]  # the repair waited for the buyer's row lock
    assert report.drifted and report.drifted[0].fixed
    assert counters(tee) == (UNITS, 0, 1)
    assert held(tee) == 1
