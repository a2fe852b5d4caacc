"""The per-customer limit: exact under concurrency, given back when units come back."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.merch import models as m
from marquee.merch.checkout.services import LineInput, add_lines
from marquee.merch.drops import services

from .conftest import counters


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.details[0].code


@pytest.mark.django_db
def test_a_customer_gets_no_more_than_the_limit(shop, django_user_model):
    drop = shop.drop(quantity=10, limit=2)
    variant = shop.variant(drop)
    fan = django_user_model.objects.create_user(email="fan@example.com", password="pw")
    services.reserve(drop.pk, variant.pk, 1, user=fan)
    services.reserve(drop.pk, variant.pk, 1, user=fan)
    assert code_of(lambda: services.reserve(drop.pk, variant.pk, 1, user=fan)) == "LIMIT_EXCEEDED"
    assert code_of(lambda: services.reserve(drop.pk, variant.pk, 3)) == "LIMIT_EXCEEDED"
    # Anonymous buyers are told apart by email, whatever its case.
    services.reserve(drop.pk, variant.pk, 2, email="Other@Example.com")
    assert (
        code_of(lambda: services.reserve(drop.pk, variant.pk, 1, email="other@example.COM"))
        == "LIMIT_EXCEEDED"
    )
    assert counters(variant) == (10, 0, 4)


@pytest.mark.django_db
def test_expired_units_are_given_back_to_the_limit(shop):
    drop = shop.drop(quantity=10, limit=1)
    variant = shop.variant(drop)
    services.reserve(drop.pk, variant.pk, 1, email="fan@example.com")
    assert (
        code_of(lambda: services.reserve(drop.pk, variant.pk, 1, email="fan@example.com"))
        == "LIMIT_EXCEEDED"
    )
    m.Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert services.reserve(drop.pk, variant.pk, 1, email="fan@example.com").reserved == 1
    assert m.DropPurchase.objects.get().quantity == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_of_one_customer_never_pass_the_limit(django_user_model):
    from .conftest import DropShop

    shop = DropShop()
    drop = shop.drop(quantity=50, limit=3)
    variant = shop.variant(drop)
    fan = django_user_model.objects.create_user(email="fan@example.com", password="pw")
    results: list[str] = []
    barrier = threading.Barrier(10)

    def buyer():
        try:
            barrier.wait()
            services.reserve(drop.pk, variant.pk, 1, user=fan)
            results.append("ok")
        except DomainError as error:
            results.append(error.details[0].code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buyer) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["LIMIT_EXCEEDED"] * 7 + ["ok"] * 3
    assert counters(variant) == (50, 0, 3)
    assert m.DropPurchase.objects.get().quantity == 3
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_parallel_buyers_never_take_more_than_the_drop_has():
    from .conftest import DropShop

    shop = DropShop()
    drop = shop.drop(quantity=5)
    variant = shop.variant(drop)
    results: list[str] = []
    barrier = threading.Barrier(12)

    def buyer(index):
        try:
            barrier.wait()
            services.reserve(drop.pk, variant.pk, 1, email=f"fan{index}@example.com")
            results.append("ok")
        except DomainError as error:
            results.append(error.details[0].code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["SOLD_OUT"] * 7 + ["ok"] * 5
    assert counters(variant) == (5, 0, 5)
    assert m.Checkout.objects.count() == 5


def _while_holding(first, second):
    """Run `first` in a transaction held open while `second` runs in another thread.

    Returns what `second` answered ("ok" or its code). The first transaction
    commits half a second after `second` started, so `second`, unless it waits
    for the first's lock, runs before the commit and misses its units.
    """
    held, answer = threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                first()
                held.set()
                time.sleep(0.5)
        finally:
            held.set()
            connections.close_all()

    def run():
        held.wait(10)
        try:
            second()
            answer.append("ok")
        except DomainError as error:
            answer.append(error.details[0].code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hold), threading.Thread(target=run)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answer[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("first", "second", "refusal"),
    [("reserve", "add_lines", "DROP_LIMIT_EXCEEDED"), ("add_lines", "reserve", "LIMIT_EXCEEDED")],
    ids=["a line added while a reserve commits", "a reserve while a line added commits"],
)
def test_the_two_ways_into_a_checkout_queue_on_one_customers_limit(first, second, refusal):
    """dropReserve and checkoutLinesAdd of one customer: whichever commits second is refused."""
    from .conftest import DropShop

    shop = DropShop()
    drop = shop.drop(quantity=10, limit=1)
    variant = shop.variant(drop)
    other = shop.checkout([], email="fan@example.com")
    ways = {
        "reserve": lambda: services.reserve(drop.pk, variant.pk, 1, email="fan@example.com"),
        "add_lines": lambda: add_lines(other, [LineInput(variant.pk, 1)]),
    }
    assert _while_holding(ways[first], ways[second]) == refusal
    assert counters(variant) == (10, 0, 1)
