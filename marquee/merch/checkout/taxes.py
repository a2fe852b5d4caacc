"""Tax rates for checkout: the pricing pipeline's, one flat percent per delivery country.

The rate of the country the goods are delivered to applies (the shipping
address, else the channel's default country); a country without a TaxRate
row is taxed at 0 %. The lookup lives in `marquee.merch.pricing.taxes` so
the catalogue and checkout can never disagree.
"""

from __future__ import annotations

from ..pricing.taxes import rate_for, rate_for_country, taxed

__all__ = ["rate_for", "rate_for_country", "taxed"]
