"""checkoutComplete's SQL statements do not grow with the number of lines.

Stock is claimed with one locking SELECT and one UPDATE for all rows;
lines, allocations and events are written in bulk.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import COMPLETE, checkout_id

# complete_checkout is its own transaction (one SAVEPOINT pair here); the
# endpoint and the mutation no longer add theirs (was 28). The order-event
# outbox adds one INSERT for order.placed and order.paid together (was 26).
# The member-only check reads the lines' member-only variants once (was 27).
PINNED = 28


def _count(shop, gql, lines):
    variants = shop.variants(f"Tee {lines}", count=lines)
    checkout = shop.checkout([(v, 1) for v in variants])
    shop.pay(checkout)
    with CaptureQueriesContext(connection) as queries:
        result = gql.execute(COMPLETE, {"id": checkout_id(checkout)})
    assert result["data"]["checkoutComplete"]["errors"] == []
    return len(queries), [q["sql"] for q in queries.captured_queries]


def test_statement_count_is_constant(shop, gql):
    one, _ = _count(shop, gql, 1)
    five, sqls = _count(shop, gql, 5)
    stock_updates = [sql for sql in sqls if sql.lstrip().startswith("UPDATE merch_stock AS s")]
    assert len(stock_updates) == 1
    assert one == five == PINNED, (one, five)
