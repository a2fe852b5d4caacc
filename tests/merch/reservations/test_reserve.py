"""reserve(), release_lines() and sweep(): one statement each, all or nothing, never over."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marquee.merch import models as m
from marquee.merch.reservations import expiry, services

from .conftest import counters, held, later


def _line(shop, variant, quantity=1):
    checkout = shop.checkout([(variant, quantity)])
    return checkout.lines.get()


def test_reserve_holds_all_units_or_none(shop):
    (tee,) = shop.variants("Tee", stock=3)
    line = _line(shop, tee, 2)
    assert services.reserve(line.pk, tee.pk, 2, channel_id=shop.china.pk, until=later()) == 2
    assert counters(tee) == (3, 0, 2)
    other = _line(shop, tee, 2)
    assert services.reserve(other.pk, tee.pk, 2, channel_id=shop.china.pk, until=later()) == 0
    assert services.reserve(other.pk, tee.pk, 1, channel_id=shop.china.pk, until=later()) == 1
    assert counters(tee) == (3, 0, 3)
    assert held(tee) == 3


def test_reserve_is_one_statement(shop):
    (tee,) = shop.variants("Tee", stock=3)
    line = _line(shop, tee)
    with CaptureQueriesContext(connection) as queries:
        services.reserve(line.pk, tee.pk, 1, channel_id=shop.china.pk, until=later())
    assert len(queries) == 1


def test_reserving_again_adds_to_the_lines_hold(shop):
    (tee,) = shop.variants("Tee", stock=5)
    line = _line(shop, tee)
    services.reserve(line.pk, tee.pk, 1, channel_id=shop.china.pk, until=later(1))
    services.reserve(line.pk, tee.pk, 2, channel_id=shop.china.pk, until=later(10))
    reservation = m.Reservation.objects.get(checkout_line=line)
    assert reservation.quantity_reserved == 3
    assert reservation.reserved_until > later(9)
    assert counters(tee) == (5, 0, 3)


def test_reserve_counts_allocations(shop):
    (tee,) = shop.variants("Tee", stock=3)
    m.Stock.objects.filter(product_variant=tee).update(quantity_allocated=2)
    line = _line(shop, tee, 2)
    assert services.reserve(line.pk, tee.pk, 2, channel_id=shop.china.pk, until=later()) == 0
    assert services.reserve(line.pk, tee.pk, 1, channel_id=shop.china.pk, until=later()) == 1


def test_reserve_only_in_warehouses_serving_the_channel(shop):
    (tee,) = shop.variants("Tee", stock=3)
    shop.shanghai.channels.remove(shop.china)
    line = _line(shop, tee)
    assert services.reserve(line.pk, tee.pk, 1, channel_id=shop.china.pk, until=later()) == 0


def test_reserve_takes_the_next_warehouse_when_the_first_has_too_few(shop):
    (tee,) = shop.variants("Tee", stock=1)
    beijing = m.Warehouse.objects.create(name="Beijing", slug="zz-beijing", country="CN")
    beijing.channels.add(shop.china)
    second = m.Stock.objects.create(warehouse=beijing, product_variant=tee, quantity=5)
    line = _line(shop, tee, 3)
    assert services.reserve(line.pk, tee.pk, 3, channel_id=shop.china.pk, until=later()) == 3
    assert m.Reservation.objects.get(checkout_line=line).stock_id == second.pk


def test_release_gives_the_lines_units_back(shop):
    (tee,) = shop.variants("Tee", stock=5)
    first, second = _line(shop, tee, 2), _line(shop, tee, 1)
    services.reserve(first.pk, tee.pk, 2, channel_id=shop.china.pk, until=later())
    services.reserve(second.pk, tee.pk, 1, channel_id=shop.china.pk, until=later())
    with CaptureQueriesContext(connection) as queries:
        assert services.release_lines([first.pk]) == 2
    assert len(queries) == 1
    assert counters(tee) == (5, 0, 1)
    assert services.release_lines([first.pk]) == 0
    assert services.release_lines([]) == 0


def test_sweep_returns_expired_units_once(shop):
    (tee,) = shop.variants("Tee", stock=5)
    (mug,) = shop.variants("Mug", stock=5)
    gone, live, other = _line(shop, tee, 2), _line(shop, tee, 1), _line(shop, mug, 1)
    past = timezone.now() - timedelta(seconds=1)
    services.reserve(gone.pk, tee.pk, 2, channel_id=shop.china.pk, until=past)
    services.reserve(live.pk, tee.pk, 1, channel_id=shop.china.pk, until=later())
    services.reserve(other.pk, mug.pk, 1, channel_id=shop.china.pk, until=past)
    with CaptureQueriesContext(connection) as queries:
        assert expiry.sweep(variant_ids=[tee.pk]) == 2
    assert len(queries) == 1
    assert counters(tee) == (5, 0, 1)
    assert counters(mug) == (5, 0, 1)
    assert expiry.sweep(variant_ids=[tee.pk]) == 0
    assert expiry.sweep() == 1
    assert counters(mug) == (5, 0, 0)


def test_reserve_or_sweep_takes_expired_units(shop):
    (tee,) = shop.variants("Tee", stock=2)
    old, new = _line(shop, tee, 2), _line(shop, tee, 2)
    past = timezone.now() - timedelta(seconds=1)
    services.reserve(old.pk, tee.pk, 2, channel_id=shop.china.pk, until=past)
    with CaptureQueriesContext(connection) as queries:
        got = services.reserve_or_sweep(new.pk, tee.pk, 2, channel_id=shop.china.pk, until=later())
    assert got == 2
    assert len(queries) == 3
    assert list(m.Reservation.objects.values_list("checkout_line_id", flat=True)) == [new.pk]
    assert counters(tee) == (2, 0, 2)


def test_the_database_refuses_reserving_beyond_the_shelf(shop):
    (tee,) = shop.variants("Tee", stock=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Stock.objects.filter(product_variant=tee).update(quantity_reserved=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Stock.objects.filter(product_variant=tee).update(quantity_reserved=-1)


def test_deleting_a_line_deletes_its_hold_in_the_database(shop):
    (tee,) = shop.variants("Tee", stock=2)
    line = _line(shop, tee)
    services.reserve(line.pk, tee.pk, 1, channel_id=shop.china.pk, until=later())
    services.release_lines([line.pk])
    services.reserve(line.pk, tee.pk, 1, channel_id=shop.china.pk, until=later())
    with CaptureQueriesContext(connection) as queries:
        line.checkout.delete()
    assert not any("merch_reservation" in q["sql"] for q in queries)
    assert not m.Reservation.objects.exists()
