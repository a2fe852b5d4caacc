"""dropReserve runs a small constant number of SQL statements (pinned).

Counted on the test's connection, inside the test's transaction, so the
service's transaction shows as SAVEPOINT / RELEASE SAVEPOINT (2 of the
counts below; in production it is BEGIN/COMMIT, which Django does not log).
The drop row is cached per process for a second (`selectors.hot`): the
first reserve of a second costs its two statements more, every other none.
Rate limits count on a connection of their own (or in Redis), not here.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from marquee.merch.drops import selectors

pytestmark = pytest.mark.django_db

# What a buyer's storefront asks in the storm: the checkout's id and the expiry.
RESERVE = """
mutation Reserve($drop: ID!, $variant: ID!, $checkout: ID) {
  dropReserve(drop: $drop, variantId: $variant, checkoutId: $checkout) {
    checkout { id } reservationExpires errors { field code message }
  }
}
"""

# savepoint; counter upsert; checkout INSERT; line upsert; reserve(); release savepoint.
NEW_CHECKOUT = 6
# savepoint; checkout locked with its line and holds; counter upsert; line upsert;
# reserve(); release savepoint.
EXISTING_CHECKOUT = 6
# Without a per-customer limit there is no counter.
NEW_CHECKOUT_WITHOUT_LIMIT = 5
# The repeated reserve of a line that holds its units: savepoint, lock, release savepoint.
REPEATED = 3
# The drop row when this process has no copy under a second old.
DROP_ROW = 2


@pytest.fixture(autouse=True)
def _drop_rows_stay_cached(monkeypatch):
    """Requests of a test may be more than a second apart; the row must not expire between."""
    monkeypatch.setattr(selectors, "CACHE_SECONDS", 3600.0)


def run(gql, drop, variant, **variables):
    with CaptureQueriesContext(connection) as queries:
        body = gql.execute(
            RESERVE,
            {
                "drop": to_global_id("Drop", drop.pk),
                "variant": to_global_id("ProductVariant", variant.pk),
                **variables,
            },
        )
    payload = body["data"]["dropReserve"]
    assert payload["errors"] == []
    return payload, [q["sql"] for q in queries]


def warm(drop):
    selectors.hot(drop.pk)


def test_a_new_checkout(shop, gql):
    drop = shop.drop(quantity=10, limit=5)
    warm(drop)
    _payload, statements = run(gql, drop, shop.variant(drop))
    assert len(statements) == NEW_CHECKOUT, statements


def test_an_existing_checkout(shop, gql):
    drop = shop.drop(quantity=10, limit=5, variants=2)
    warm(drop)
    payload, _ = run(gql, drop, shop.variant(drop, 0))
    _payload, statements = run(gql, drop, shop.variant(drop, 1), checkout=payload["checkout"]["id"])
    assert len(statements) == EXISTING_CHECKOUT, statements


def test_a_repeated_reserve(shop, gql):
    drop = shop.drop(quantity=10, limit=5)
    warm(drop)
    payload, _ = run(gql, drop, shop.variant(drop))
    _payload, statements = run(gql, drop, shop.variant(drop), checkout=payload["checkout"]["id"])
    assert len(statements) == REPEATED, statements


def test_the_drop_row_is_read_once_per_process_and_second(shop, gql):
    drop = shop.drop(quantity=10)
    selectors.forget()
    _payload, statements = run(gql, drop, shop.variant(drop))
    assert len(statements) == NEW_CHECKOUT_WITHOUT_LIMIT + DROP_ROW, statements


def test_without_a_limit(shop, gql):
    drop = shop.drop(quantity=10)
    warm(drop)
    _payload, statements = run(gql, drop, shop.variant(drop))
    assert len(statements) == NEW_CHECKOUT_WITHOUT_LIMIT, statements
