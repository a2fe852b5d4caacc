"""A product's prices across its variants, as the catalogue shows them.

Saleor's semantics: the range runs from the cheapest to the dearest variant
by gross price, once after rules and once as listed; the product is on sale
when the rules lowered the start of the range, and its discount is that
difference (a discount on a dearer variant shows on the variant only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prices import TaxedMoney, TaxedMoneyRange

from .pipeline import VariantPrice


@dataclass(frozen=True)
class ProductPrices:
    price_range: TaxedMoneyRange
    price_range_undiscounted: TaxedMoneyRange
    discount: TaxedMoney | None

    @property
    def on_sale(self) -> bool:
        return self.discount is not None


def _range(prices: list[TaxedMoney]) -> TaxedMoneyRange:
    return TaxedMoneyRange(
        start=min(prices, key=lambda p: p.gross.amount),
        stop=max(prices, key=lambda p: p.gross.amount),
    )


def product_prices(variant_prices: Sequence[VariantPrice]) -> ProductPrices | None:
    """None when no variant has a price in the channel."""
    priced = [vp for vp in variant_prices if vp.request.listing is not None]
    if not priced:
        return None
    discounted = _range([vp.price for vp in priced])
    undiscounted = _range([vp.price_undiscounted for vp in priced])
    discount = None
    if undiscounted.start.gross.amount > discounted.start.gross.amount:
        discount = undiscounted.start - discounted.start
    return ProductPrices(
        price_range=discounted, price_range_undiscounted=undiscounted, discount=discount
    )
