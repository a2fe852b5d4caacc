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

from babel.numbers import get_currency_precision
from prices import Money, TaxedMoney


def quantize_price(amount: Decimal, currency: str) -> Money:
    exponent = Decimal(1).scaleb(-get_currency_precision(currency))
    return Money(Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP), currency)


def zero(currency: str) -> Money:
    return quantize_price(Decimal(0), currency)


def zero_taxed(currency: str) -> TaxedMoney:
    nothing = zero(currency)
    return TaxedMoney(net=nothing, gross=nothing)
