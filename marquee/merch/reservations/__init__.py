"""Stock reservations: units a checkout line holds for a while, for every product.

stock = available + reserved + allocated, on every stock row:
`Stock.quantity_reserved` is always the sum of the row's `Reservation`
rows, because every change to those rows moves the counter in the same SQL
statement. One module per job:

- `services`: `reserve()` (the hot path, one conditional statement) and
  `release_lines()`;
- `policy`: how many minutes a line holds its units (the channel's setting
  by user kind, or a registered policy such as drops);
- `expiry`: `sweep()` gives expired reservations back (Celery beat, and
  lazily when a reserve finds nothing);
- `reconcile`: proves the books balance per stock row and repairs drift;
- `selectors`: reads (`expires_at`, expired units counted back).

The conversion of a reservation into an order's allocation lives with the
allocation (`merch/orders/allocation.py`).
"""
