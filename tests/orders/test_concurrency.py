"""50 buyers, 10 units: exactly 10 orders, 40 clear INSUFFICIENT_STOCK answers, every time."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from marquee.merch import models as m

from .conftest import COMPLETE, ShopBuilder, checkout_id

BUYERS = 50
UNITS = 10


def _complete(gql_client_class, checkout, barrier):
    client = gql_client_class()
    barrier.wait()
    try:
        body = client.execute(COMPLETE, {"id": checkout_id(checkout)})
        return body["data"]["checkoutComplete"]
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_completes_for_ten_units(settings):
    from tests.conftest import GraphQLClient

    # Fifty requests share one test process's interpreter here; what is under
    # test is the stock count, not how long each request waits for its turn.
    settings.GRAPHQL_REQUEST_DEADLINE_SECONDS = 120

    shop = ShopBuilder()
    (tee,) = shop.variants("Drop Tee", stock=UNITS)
    for _round in range(3):
        m.Stock.objects.filter(product_variant=tee).update(quantity=UNITS, quantity_allocated=0)
        checkouts = []
        for _ in range(BUYERS):
            checkout = shop.checkout([(tee, 1)])
            shop.pay(checkout)
            checkouts.append(checkout)
        barrier = threading.Barrier(BUYERS)
        with ThreadPoolExecutor(BUYERS) as pool:
            results = list(
                pool.map(_complete, [GraphQLClient] * BUYERS, checkouts, [barrier] * BUYERS)
            )
        placed = [r for r in results if r["order"] is not None]
        refused = [r for r in results if r["order"] is None]
        assert len(placed) == UNITS
        assert len(refused) == BUYERS - UNITS
        assert all([e["code"] for e in r["errors"]] == ["INSUFFICIENT_STOCK"] for r in refused), (
            refused[:3]
        )
        stock = m.Stock.objects.get(product_variant=tee)
        assert (stock.quantity, stock.quantity_allocated) == (UNITS, UNITS)
        assert m.Order.objects.filter(lines__variant=tee).count() == UNITS * (_round + 1)
        m.Stock.objects.filter(product_variant=tee).update(quantity_allocated=0)
        m.Allocation.objects.all().delete()
