"""One pricing pass per checkout per request.

`CheckoutDataLoader` fetches a checkout's lines, listings, tax rate, voucher
and shipping listing in a fixed number of statements and prices it once;
every field of `Checkout` and `CheckoutLine` reads from that result. It
primes the catalogue loaders with the products and listings it already
holds, so `CheckoutLine.variant { product pricing }` costs nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from marquee.merch.checkout import shipping
from marquee.merch.checkout.calculations import CheckoutTotals, calculate
from marquee.merch.checkout.info import CheckoutInfo, fetch_checkout_info
from marquee.merch.checkout.problems import LineProblem, checkout_problems

from ..core.dataloaders import DataLoader
from ..merch import dataloaders as merch_loaders


@dataclass
class CheckoutData:
    info: CheckoutInfo
    totals: CheckoutTotals
    _shipping_listings: list | None = None
    _line_problems: dict | None = None

    @property
    def shipping_listings(self):
        """Listings of the methods the checkout may choose from, computed on first use."""
        if self._shipping_listings is None:
            self._shipping_listings = shipping.available_listings(self.info, self.totals)
        return self._shipping_listings

    @property
    def line_problems(self) -> dict[int, LineProblem]:
        """The checkout validators' verdict per line pk, computed once for all lines."""
        if self._line_problems is None:
            self._line_problems = {
                problem.line.line.pk: problem for problem in checkout_problems(self.info)
            }
        return self._line_problems


class CheckoutDataLoader(DataLoader):
    """Key: a Checkout instance -> CheckoutData."""

    def batch_load(self, keys):
        results = []
        for checkout in keys:
            info = fetch_checkout_info(checkout)
            self._prime_catalogue(info)
            results.append(CheckoutData(info=info, totals=calculate(info)))
        return results

    def _prime_catalogue(self, info: CheckoutInfo) -> None:
        products = merch_loaders.ProductByIdLoader(self.context)
        listings = merch_loaders.VariantListingByVariantChannelLoader(self.context)
        product_types = merch_loaders.ProductTypeByIdLoader(self.context)
        for line in info.lines:
            products.prime(line.product.pk, line.product)
            product_types.prime(line.product.product_type_id, line.product.product_type)
            listings.prime((line.variant.pk, info.channel.pk), line.variant_listing)


class CheckoutPaymentSumsLoader(DataLoader):
    """Key: checkout token -> {charged, authorized} of its payment transactions."""

    def batch_load(self, keys):
        from django.db.models import Sum

        from marquee.merch.models import TransactionItem

        rows = (
            TransactionItem.objects.filter(checkout_id__in=set(keys))
            .values("checkout_id")
            .annotate(charged=Sum("charged_value"), authorized=Sum("authorized_value"))
        )
        sums = {row["checkout_id"]: row for row in rows}
        zero = Decimal(0)
        return [
            {
                "charged": (sums.get(key) or {}).get("charged") or zero,
                "authorized": (sums.get(key) or {}).get("authorized") or zero,
            }
            for key in keys
        ]
