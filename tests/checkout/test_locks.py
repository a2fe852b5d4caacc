"""A checkout's writes lock the checkout's own row, never its channel's.

Every checkout of a channel references the one channel row: a write that
locked it (FOR UPDATE over a join) would queue every checkout mutation of
the channel behind every other, and deadlock with a transaction inserting
a checkout there, whose foreign-key check at commit waits for that row.
"""

import psycopg
import pytest
from django.db import connection, transaction

from marquee.merch.checkout.services import LineInput, add_lines
from tests.orders.conftest import ShopBuilder
from tests.servers import database_url


@pytest.mark.django_db(transaction=True)
def test_adding_lines_leaves_the_channel_row_free():
    shop = ShopBuilder()
    product = shop.product("Wolf Tee", variants=1, stock=10)
    checkout = shop.checkout([], email="fan@example.com")
    with transaction.atomic():
        add_lines(checkout, [LineInput(product.variants.get().pk, 1)])
        with psycopg.connect(database_url(connection.settings_dict), autocommit=True) as other:
            row = other.execute(
                "SELECT id FROM merch_channel WHERE id = %s FOR UPDATE NOWAIT",
                [checkout.channel_id],
            ).fetchone()
            locked_checkout = other.execute(
                "SELECT 1 FROM merch_checkout WHERE token = %s FOR UPDATE SKIP LOCKED",
                [checkout.pk],
            ).fetchone()
    assert row == (checkout.channel_id,)
    assert locked_checkout is None  # the checkout's own row is the one held
