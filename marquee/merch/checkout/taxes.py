"""Tax rates for checkout: one flat percent per delivery country.

The rate of the country the goods are delivered to applies (the shipping
address, else the channel's default country); a country without a TaxRate
row is taxed at 0 %.
"""

from __future__ import annotations

from decimal import Decimal

from ..models import TaxRate


def rate_for_country(country_code: str) -> Decimal:
    rate = TaxRate.objects.filter(country=country_code).values_list("rate", flat=True).first()
    return Decimal(rate) if rate is not None else Decimal(0)
