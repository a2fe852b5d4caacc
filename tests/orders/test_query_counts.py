"""checkoutComplete's SQL statements do not grow with the number of lines.

What scales: one conditional UPDATE per stock row claimed (here each line
has its own stock row, so 5 lines add 4 UPDATEs). Everything else - lines,
allocations, events - is written in bulk.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import COMPLETE, checkout_id

PINNED_ONE_LINE = 28


def _count(shop, gql, lines):
    variants = shop.variants(f"Tee {lines}", count=lines)
    checkout = shop.checkout([(v, 1) for v in variants])
    shop.pay(checkout)
    with CaptureQueriesContext(connection) as queries:
        result = gql.execute(COMPLETE, {"id": checkout_id(checkout)})
    assert result["data"]["checkoutComplete"]["errors"] == []
    return len(queries), [q["sql"] for q in queries.captured_queries]


def test_statements_constant_but_one_update_per_stock_row(shop, gql):
    one, _ = _count(shop, gql, 1)
    five, sqls = _count(shop, gql, 5)
    stock_updates = sum(1 for sql in sqls if sql.lstrip().startswith("UPDATE merch_stock AS s"))
    assert stock_updates == 5
    assert five - one == 4, (one, five)
    assert one == PINNED_ONE_LINE, one
