"""The per-customer limit of a drop: one conditional upsert on the hot path.

A customer is the signed-in user (`user:<id>`), else the lower-cased email
(`email:<address>`), else the checkout (`checkout:<token>`).

`take(drop, key, units)` moves the customer's `DropPurchase` counter by
`units` in ONE statement:

    INSERT INTO merch_droppurchase (drop_id, customer_key, quantity) VALUES (:d, :k, :n)
    ON CONFLICT (drop_id, customer_key) DO UPDATE
       SET quantity = merch_droppurchase.quantity + EXCLUDED.quantity
     WHERE merch_droppurchase.quantity + EXCLUDED.quantity <= :limit
    RETURNING quantity

The row lock it takes (on conflict PostgreSQL locks the row whether or not
the WHERE holds) is kept to the caller's commit, so two reserves of one
customer run one after the other and the second sees the first's units:
nobody gets past the limit by sending requests in parallel.

Units given back (a reservation expired or released, an order cancelled)
are not subtracted from the counter: that would need a hook in every path
that gives units back (the reservation sweep is one bulk statement, a crash
gives back through reconciliation). Instead the counter is an upper bound,
and when it would refuse, `take` recomputes it from the books under the
same row lock: the customer's live reservations of the drop's variants plus
the units of their orders that are not cancelled (one UPDATE with the sums
as subqueries, a fresh snapshot under READ COMMITTED, so every committed
reserve of this customer is counted). A refusal therefore costs two
statements, an allowed reserve one, and the limit is exact whatever was
given back, crash or not.

Units put in a checkout the ordinary way (`checkoutCreate`,
`checkoutLinesAdd`, `checkoutLinesUpdate`, and every line again at
`checkoutComplete`) go through `count_line` from the line validator
(`hooks.drop_line`): it takes the same counter row's lock first (an upsert
that changes nothing), then sets the counter from the books, other
checkouts and orders plus this line (a second statement, so its snapshot
is taken after the lock is held). A `dropReserve` and a `checkoutLinesAdd`
of one customer therefore run one after the other whichever comes first:
the later one sees the earlier one's units (in the books, or in the
counter) and nobody passes the limit by mixing the two. Lock order is the
same on both paths: checkout, counter, stock row.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from marquee.core.exceptions import DomainError

LIMIT_EXCEEDED = "LIMIT_EXCEEDED"

_TAKE = """
INSERT INTO merch_droppurchase (drop_id, customer_key, quantity, updated_at)
VALUES (%(drop)s, %(key)s, %(units)s, %(now)s)
ON CONFLICT (drop_id, customer_key) DO UPDATE
   SET quantity = merch_droppurchase.quantity + EXCLUDED.quantity, updated_at = EXCLUDED.updated_at
 WHERE merch_droppurchase.quantity + EXCLUDED.quantity <= %(limit)s
RETURNING quantity
"""

# What the customer holds of the drop's variants: live reservations and placed orders.
_HELD = """
(SELECT COALESCE(SUM(r.quantity_reserved), 0)
   FROM merch_reservation AS r
   JOIN merch_checkoutline AS l ON l.id = r.checkout_line_id
   JOIN merch_checkout AS c ON c.token = l.checkout_id
  WHERE r.reserved_until > %(now)s
    AND l.variant_id IN (SELECT variant_id FROM merch_dropvariant WHERE drop_id = %(drop)s)
    AND {checkout_match}{exclude})
+ (SELECT COALESCE(SUM(ol.quantity), 0)
   FROM merch_orderline AS ol
   JOIN merch_order AS o ON o.id = ol.order_id
  WHERE o.status <> 'canceled' AND o.created_at >= %(since)s
    AND ol.variant_id IN (SELECT variant_id FROM merch_dropvariant WHERE drop_id = %(drop)s)
    AND {order_match})
"""

_RECOUNT = """
UPDATE merch_droppurchase
   SET quantity = {held} + %(units)s, updated_at = %(now)s
 WHERE drop_id = %(drop)s AND customer_key = %(key)s AND {held} + %(units)s <= %(limit)s
RETURNING quantity
"""


def customer_key(*, user=None, email: str | None = None, checkout_token=None) -> str:
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    if email:
        return f"email:{email.strip().lower()}"
    return f"checkout:{checkout_token}"


def _matches(key: str) -> tuple[str, str, object]:
    kind, _, value = key.partition(":")
    if kind == "user":
        return "c.user_id = %(who)s", "o.user_id = %(who)s", int(value)
    if kind == "email":
        return "LOWER(c.email) = %(who)s", "LOWER(o.user_email) = %(who)s", value
    return "c.token = %(who)s::uuid", "o.checkout_token = %(who)s::uuid", value


def held_sql(key: str, *, exclude_checkout: bool = False) -> tuple[str, object]:
    checkout_match, order_match, who = _matches(key)
    exclude = " AND c.token <> %(own)s::uuid" if exclude_checkout else ""
    sql = _HELD.format(checkout_match=checkout_match, order_match=order_match, exclude=exclude)
    return sql, who


def refusal(limit: int) -> DomainError:
    return DomainError.single(
        LIMIT_EXCEEDED,
        f"This drop allows {limit} per customer.",
        "quantity",
        limit=limit,
    )


def take(drop, key: str, units: int) -> int:
    """Count `units` more for the customer, or raise LIMIT_EXCEEDED; returns their total."""
    limit = drop.per_customer_limit
    if limit is None or units <= 0:
        return 0
    if units > limit:
        raise refusal(limit)
    params = {
        "drop": drop.pk,
        "key": key,
        "units": units,
        "limit": limit,
        "now": timezone.now(),
        "since": drop.created_at,
    }
    with connection.cursor() as cursor:
        cursor.execute(_TAKE, params)
        row = cursor.fetchone()
        if row is None:
            held, params["who"] = held_sql(key)
            cursor.execute(_RECOUNT.format(held=held), params)
            row = cursor.fetchone()
    if row is None:
        raise refusal(limit)
    return row[0]


_LOCK = """
INSERT INTO merch_droppurchase (drop_id, customer_key, quantity, updated_at)
VALUES (%(drop)s, %(key)s, 0, %(now)s)
ON CONFLICT (drop_id, customer_key) DO UPDATE SET updated_at = merch_droppurchase.updated_at
"""

_SET = """
UPDATE merch_droppurchase
   SET quantity = {held} + %(units)s, updated_at = %(now)s
 WHERE drop_id = %(drop)s AND customer_key = %(key)s
RETURNING quantity
"""


def count_line(drop, key: str, units: int, *, checkout_token) -> int:
    """The customer's total with `units` in this checkout's line, by the books, under the lock.

    Two statements: the counter row's lock, then the count written to the
    counter (kept until the caller's commit, undone with its rollback).
    """
    sql, who = held_sql(key, exclude_checkout=True)
    params = {
        "drop": drop.pk,
        "key": key,
        "units": units,
        "now": timezone.now(),
        "since": drop.created_at,
        "who": who,
        "own": str(checkout_token),
    }
    with connection.cursor() as cursor:
        cursor.execute(_LOCK, params)
        cursor.execute(_SET.format(held=sql), params)
        return cursor.fetchone()[0]
