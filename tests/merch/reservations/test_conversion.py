"""At completion a line's hold becomes its allocation, once; the rest is allocated as before."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.merch import models as m
from marquee.merch.checkout import services as checkout_services
from marquee.merch.checkout.services import LineInput
from marquee.merch.orders import allocation
from marquee.merch.orders.placement import complete_checkout
from marquee.merch.reservations import services

from .conftest import COMPLETE, ShopBuilder, checkout_id, counters, later


def _held_checkout(shop, items):
    """A checkout ready to complete whose lines were added (and so held) by the service."""
    checkout = shop.checkout([])
    checkout_services.add_lines(checkout, [LineInput(v.pk, q) for v, q in items])
    shop.pay(checkout)
    return checkout


def _allocations(order):
    return sorted(
        m.Allocation.objects.filter(order_line__order=order).values_list(
            "stock__product_variant_id", "quantity_allocated"
        )
    )


def test_a_hold_becomes_the_allocation_on_its_stock_row(reserving):
    shop = reserving
    tee, mug = shop.variants("Tee", stock=5) + shop.variants("Mug", stock=5)
    checkout = _held_checkout(shop, [(tee, 2), (mug, 1)])
    assert counters(tee) == (5, 0, 2)
    placed = complete_checkout(checkout.token)
    assert _allocations(placed.order) == sorted([(tee.pk, 2), (mug.pk, 1)])
    assert counters(tee) == (5, 2, 0)
    assert counters(mug) == (5, 1, 0)
    assert not m.Reservation.objects.exists()


def test_an_expired_hold_not_yet_swept_still_converts(reserving):
    shop = reserving
    (tee,) = shop.variants("Tee", stock=1)
    checkout = _held_checkout(shop, [(tee, 1)])
    m.Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))
    placed = complete_checkout(checkout.token)
    assert _allocations(placed.order) == [(tee.pk, 1)]
    assert counters(tee) == (1, 1, 0)


def test_a_swept_hold_whose_units_went_elsewhere_is_insufficient_stock(reserving):
    shop = reserving
    (tee,) = shop.variants("Tee", stock=1)
    late = _held_checkout(shop, [(tee, 1)])
    m.Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))
    _held_checkout(shop, [(tee, 1)])  # sweeps the expired hold and takes the unit
    with pytest.raises(DomainError) as refused:
        complete_checkout(late.token)
    assert [d.code for d in refused.value.details] == ["INSUFFICIENT_STOCK"]
    assert counters(tee) == (1, 0, 1)


def test_lines_without_holds_are_allocated_as_today(reserving):
    shop = reserving
    tee, mug = shop.variants("Tee", stock=5) + shop.variants("Mug", stock=5)
    checkout = shop.checkout([(mug, 2)])  # written directly: never held
    checkout_services.add_lines(checkout, [LineInput(tee.pk, 1)])
    shop.pay(checkout)
    assert counters(mug) == (5, 0, 0)
    placed = complete_checkout(checkout.token)
    assert _allocations(placed.order) == sorted([(tee.pk, 1), (mug.pk, 2)])
    assert counters(tee) == (5, 1, 0)
    assert counters(mug) == (5, 2, 0)


def test_other_checkouts_expired_holds_do_not_block_a_completion(reserving):
    shop = reserving
    (tee,) = shop.variants("Tee", stock=2)
    buyer = shop.checkout([(tee, 2)])  # never held: allocated at completion
    shop.pay(buyer)
    _held_checkout(shop, [(tee, 2)])
    m.Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))
    placed = complete_checkout(buyer.token)
    assert _allocations(placed.order) == [(tee.pk, 2)]
    assert counters(tee) == (2, 2, 0)


def test_a_hold_in_a_warehouse_that_cannot_ship_there_is_given_back(reserving):
    shop = reserving
    (tee,) = shop.variants("Tee", stock=1)
    far = m.Warehouse.objects.create(name="Almaty", slug="a-almaty", country="KZ")
    far.channels.add(shop.china)
    m.ShippingZone.objects.create(name="Kazakhstan", countries=["KZ"]).warehouses.add(far)
    far_stock = m.Stock.objects.create(warehouse=far, product_variant=tee, quantity=1)
    checkout = _held_checkout(shop, [(tee, 1)])  # "a-almaty" is preferred by slug
    assert m.Reservation.objects.get().stock_id == far_stock.pk
    placed = complete_checkout(checkout.token)
    assert m.Allocation.objects.get(order_line__order=placed.order).stock.warehouse == shop.shanghai
    far_stock.refresh_from_db()
    assert (far_stock.quantity_allocated, far_stock.quantity_reserved) == (0, 0)


# The 28 statements of a completion without reservations (tests/orders/
# test_query_counts.py), less one: every line was held, so one conversion
# statement replaces the locking SELECT and the UPDATE of the stock rows.
COMPLETE_WITH_HOLDS = 27


@pytest.mark.parametrize("lines", [1, 5])
def test_completion_statement_count_with_holds(reserving, gql, lines):
    shop = reserving
    variants = shop.variants(f"Tee {lines}", count=lines)
    checkout = _held_checkout(shop, [(v, 1) for v in variants])
    with CaptureQueriesContext(connection) as queries:
        result = gql.execute(COMPLETE, {"id": checkout_id(checkout)})
    assert result["data"]["checkoutComplete"]["errors"] == []
    assert len(queries) == COMPLETE_WITH_HOLDS
    assert not any("FOR UPDATE" in q["sql"] and "merch_stock" in q["sql"] for q in queries)


def _run(target, results, key):
    def body():
        try:
            results[key] = target()
        except Exception as error:  # noqa: BLE001 - the test reports what each thread got
            results[key] = error
        finally:
            connection.close()

    return threading.Thread(target=body)


@pytest.mark.django_db(transaction=True)
def test_a_hold_cannot_be_completed_twice():
    """Two completions of one checkout at once, then a replay: one order, units moved once."""
    from tests.conftest import GraphQLClient

    shop = ShopBuilder()
    shop.china.reservation_minutes_anonymous = 10
    shop.china.save()
    (tee,) = shop.variants("Drop Tee", stock=3)
    checkout = _held_checkout(shop, [(tee, 2)])
    barrier, results = threading.Barrier(2), {}

    def complete():
        barrier.wait()
        body = GraphQLClient().execute(COMPLETE, {"id": checkout_id(checkout)})
        return body["data"]["checkoutComplete"]

    threads = [_run(complete, results, n) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    orders = {r["order"]["id"] for r in results.values()}
    assert len(orders) == 1, results
    assert all(r["errors"] == [] for r in results.values())
    replay = GraphQLClient().execute(COMPLETE, {"id": checkout_id(checkout)})
    assert replay["data"]["checkoutComplete"]["order"]["id"] in orders
    assert m.Order.objects.count() == 1
    assert counters(tee) == (3, 2, 0)
    assert m.Allocation.objects.get().quantity_allocated == 2


@pytest.mark.django_db(transaction=True)
def test_two_conversions_of_one_hold_at_once_move_its_units_once():
    """Below the checkout lock: the statement itself converts a hold once."""
    shop = ShopBuilder()
    (tee,) = shop.variants("Drop Tee", stock=3)
    line = shop.checkout([(tee, 2)]).lines.get()
    services.reserve(line.pk, tee.pk, 2, channel_id=shop.china.pk, until=later())
    barrier, results = threading.Barrier(2), {}

    def convert():
        barrier.wait()
        with transaction.atomic():
            return allocation.convert_reservations(
                [line.pk], channel_id=shop.china.pk, country="CN"
            )

    threads = [_run(convert, results, n) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    converted = sorted(sum(units for _, units in r.get(line.pk, [])) for r in results.values())
    assert converted == [0, 2]
    assert counters(tee) == (3, 2, 0)
