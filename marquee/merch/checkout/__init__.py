"""Checkout: carts, their prices and the rules a cart must pass to become an order.

`calculations.checkout_totals` prices a checkout; `validators` holds the
registries of line and completion rules (merch's own are in `rules`, loaded
with this package); `services` performs every write.
"""

from . import rules  # noqa: F401 - registers merch's checkout rules
