"""Money as a buyer sees it: `prices.Money` (Decimal + currency), rounded once.

Rounding rule: every price shown or charged is quantized to the currency's
minor unit (babel's precision: 2 for CNY and USD, 0 for JPY) with
ROUND_HALF_UP, through `quantize_price` and only at the numbered points the
pipeline (`pipeline.py`) and checkout (`checkout/calculations.py`) document.
Listings store up to 4 decimal places so that upstream computations
(royalty bases, conversions) keep their precision.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision
from prices import Money, TaxedMoney


@lru_cache(maxsize=64)
def _minor_unit(currency: str) -> Decimal:
    """Babel's lookup is slow and a page prices hundreds of amounts: once per currency."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def quantize_price(amount: Decimal, currency: str) -> Money:
    return Money(Decimal(amount).quantize(_minor_unit(currency), rounding=ROUND_HALF_UP), currency)


def zero(currency: str) -> Money:
    return quantize_price(Decimal(0), currency)


def zero_taxed(currency: str) -> TaxedMoney:
    nothing = zero(currency)
    return TaxedMoney(net=nothing, gross=nothing)
