"""The one pricing pipeline: catalogue, checkout and order lines price alike.

- `money`: Money rounding (`quantize_price`, ROUND_HALF_UP to the minor unit);
- `taxes`: the tax rate of a country and net/gross of an entered amount;
- `rules`: the price-rule registry other apps register into;
- `pipeline`: prices many variants for (channel, country, viewer, quantity,
  moment) in one batch and says which rules priced them;
- `catalogue`: a product's price ranges and sale flag from its variants' prices.

Checkout (`checkout/calculations.py`) starts from the pipeline's unit prices
and adds vouchers and shipping; placement records the rules on each order
line (`OrderLineDiscount`).
"""

from .money import quantize_price

__all__ = ["quantize_price"]
