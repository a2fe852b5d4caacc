"""Prices a buyer sees, as `prices.Money` (Decimal + currency).

Rounding rule: every price shown or charged is quantized to the currency's
minor unit (babel's precision: 2 for CNY and USD, 0 for JPY) with
ROUND_HALF_UP, once, here. Listings store up to 4 decimal places so that
upstream computations (royalty bases, conversions) keep their precision.

Taxes are not modelled yet: net equals gross, the price as listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from prices import Money, TaxedMoney, TaxedMoneyRange


def quantize_price(amount: Decimal, currency: str) -> Money:
    exponent = Decimal(1).scaleb(-get_currency_precision(currency))
    return Money(Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP), currency)


def listing_price(listing) -> TaxedMoney:
    money = quantize_price(listing.price_amount, listing.currency)
    return TaxedMoney(net=money, gross=money)


def price_range(listings: Iterable) -> TaxedMoneyRange | None:
    prices = [listing_price(listing) for listing in listings]
    if not prices:
        return None
    return TaxedMoneyRange(
        start=min(prices, key=lambda p: p.gross.amount),
        stop=max(prices, key=lambda p: p.gross.amount),
    )
