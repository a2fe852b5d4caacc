"""Reserving and releasing units, one statement each.

`reserve()` is the hot path of a drop: every buyer's add-to-cart runs it
against the same stock row. It is ONE statement (a CTE):

1. `pick`: the stock rows of the variant in warehouses serving the channel
   with enough free units (quantity - allocated - reserved >= n), preferred
   in warehouse order (slug, then id, as allocation prefers them), locked
   with `FOR UPDATE ... LIMIT 1`. Under READ COMMITTED a row another buyer
   holds is waited for, then its newest committed version is checked again:
   if the units went meanwhile the row is skipped and the next candidate
   is locked and checked, inside the same statement; when none is left the
   statement reserves nothing;
2. `taken`: the conditional UPDATE of `quantity_reserved` on that row (the
   condition again, as a second guard; the CHECK constraint
   allocated + reserved <= quantity is a third);
3. an upsert of the line's `Reservation` row on (line, stock): a line that
   already holds units there holds more, until the new time.

It returns the units reserved, 0 or all of them; nothing is ever split.
Run it as the LAST statement of the caller's transaction: the hot row stays
locked from this statement to the commit that follows, never across Python
work or a network call (the bug avoided: a row locked while a request is
priced, validated and serialised, which serialises the whole drop on one
request's Python time). Through GraphQL a mutation runs inside the
request's transaction unless it sets `owns_transactions`
(`graphql/core/mutations.py`); a hot-path mutation (a drop's reserve) must
own its transaction, or the row stays locked while the payload is read
back. When it reserves 0, the caller may sweep the
variant's expired reservations (`expiry.sweep`) and try once more
(`reserve_or_sweep` does exactly that).

`release_lines()` is one statement too: DELETE the lines' reservations
RETURNING their units, and UPDATE the stock rows by those sums. Lock order:
`reserve()` locks one stock row per statement, and callers reserve lines in
variant order, so two checkouts take the rows of several variants in the
same order.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from .expiry import GIVE_BACK, sweep

_RESERVE = """
WITH pick AS (
    SELECT s.id
      FROM merch_stock AS s
      JOIN merch_warehouse AS w ON w.id = s.warehouse_id
      JOIN merch_warehouse_channels AS wc
        ON wc.warehouse_id = s.warehouse_id AND wc.channel_id = %(channel)s
     WHERE s.product_variant_id = %(variant)s
       AND s.quantity - s.quantity_allocated - s.quantity_reserved >= %(quantity)s
     ORDER BY w.slug, s.id
     LIMIT 1
       FOR UPDATE OF s
), taken AS (
    UPDATE merch_stock AS s
       SET quantity_reserved = s.quantity_reserved + %(quantity)s
      FROM pick
     WHERE s.id = pick.id
       AND s.quantity - s.quantity_allocated - s.quantity_reserved >= %(quantity)s
    RETURNING s.id
)
INSERT INTO merch_reservation (checkout_line_id, stock_id, quantity_reserved, reserved_until)
SELECT %(line)s, taken.id, %(quantity)s, %(until)s FROM taken
ON CONFLICT (checkout_line_id, stock_id) DO UPDATE
   SET quantity_reserved = merch_reservation.quantity_reserved + EXCLUDED.quantity_reserved,
       reserved_until = EXCLUDED.reserved_until
RETURNING %(quantity)s
"""


def reserve(line_id, variant_id: int, quantity: int, *, channel_id: int, until: datetime) -> int:
    """Hold `quantity` units of the variant for the checkout line: all of them, or none (0)."""
    if quantity <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            _RESERVE,
            {
                "line": line_id,
                "variant": variant_id,
                "quantity": quantity,
                "channel": channel_id,
                "until": until,
            },
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def reserve_or_sweep(
    line_id, variant_id: int, quantity: int, *, channel_id: int, until: datetime
) -> int:
    """`reserve()`; when it finds nothing, sweep the variant's expired holds and try once more.

    One statement when units are free; three when the first try finds none.
    """
    reserved = reserve(line_id, variant_id, quantity, channel_id=channel_id, until=until)
    if reserved or not sweep(variant_ids=[variant_id]):
        return reserved
    return reserve(line_id, variant_id, quantity, channel_id=channel_id, until=until)


def release_lines(line_ids) -> int:
    """Give back everything the lines hold; returns the units released (one statement)."""
    line_ids = [str(line_id) for line_id in line_ids]
    if not line_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            GIVE_BACK.format(condition="r.checkout_line_id = ANY(%s::uuid[])"), [line_ids]
        )
        return sum(units for _stock_id, units in cursor.fetchall())


def refresh_lines(until_by_line: dict, *, now: datetime) -> int:
    """The lines' live holds now last until the given times (one UPDATE; none if empty).

    An expired hold is not revived: its units already count as available.
    """
    if not until_by_line:
        return 0
    values = ", ".join(["(%s::uuid, %s::timestamptz)"] * len(until_by_line))
    params = [item for pair in until_by_line.items() for item in (str(pair[0]), pair[1])]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE merch_reservation AS r
               SET reserved_until = v.until
              FROM (VALUES {values}) AS v(line_id, until)
             WHERE r.checkout_line_id = v.line_id AND r.reserved_until > %s
            """,
            [*params, now],
        )
        return cursor.rowcount
