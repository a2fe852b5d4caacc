"""The one pricing pipeline: catalogue, checkout and order lines price alike.

- `money`: Money rounding (`quantize_price`, ROUND_HALF_UP to the minor unit);
- `taxes`: the tax rate of a country and net/gross of an entered amount;
- `rules`: the price-rule registry other apps register into;
- `pipeline`: prices many variants for (channel, country, viewer, quantity,
  moment) in one batch and says which rules priced them.
"""

from .money import quantize_price

__all__ = ["quantize_price"]
