"""The contractual exchange rate, or a clear error naming the pair and the date.

A licence's terms name the rate source (`exchange_rate_source`, any source
if blank) and whether the rate of the sale's date or of the period's last
day applies. A rate is published as 1 base = rate quote; when only the
opposite pair is published, its inverse is used. There is no nearest-date
fallback: a contract that says "the rate on the 30th" means that day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marquee.core.exceptions import DomainError

from ..models import ExchangeRate

FX_RATE_MISSING = "FX_RATE_MISSING"


def rate(base: str, quote: str, on: date, source: str = "") -> Decimal:
    if base == quote:
        return Decimal(1)
    rates = ExchangeRate.objects.filter(date=on)
    if source:
        rates = rates.filter(source=source)
    direct = rates.filter(base_currency=base, quote_currency=quote).order_by("source").first()
    if direct is not None:
        return direct.rate
    inverse = rates.filter(base_currency=quote, quote_currency=base).order_by("source").first()
    if inverse is not None:
        return Decimal(1) / inverse.rate
    where = f" from {source}" if source else ""
    raise DomainError.single(
        FX_RATE_MISSING,
        f"No exchange rate {base}→{quote} for {on.isoformat()}{where}; add it and close again.",
        field="exchangeRate",
        pair=f"{base}/{quote}",
        date=on.isoformat(),
    )
