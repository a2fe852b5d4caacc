"""Checkout prices: lines, subtotal, voucher discount, shipping, tax and total.

All amounts are `Decimal`; every rounding is `pricing.quantize_price`
(ROUND_HALF_UP to the currency's minor unit) and happens only at the
numbered points below, so anyone can reproduce a total by hand:

1. Unit prices from the pricing pipeline (`marquee.merch.pricing.pipeline`,
   its points 1-2), for the checkout's buyer (its user, else whoever asks),
   the delivery country, the line's quantity and now:
   ``L = round(listing.price_amount)`` as listed (`undiscounted_unit_price`)
   and ``U = L - sum(d)`` after the registered price rules, each rule's unit
   discount ``d`` rounded once and clamped so ``U`` never goes below zero.
   Both are in the channel's entered mode (gross when
   `channel.prices_entered_with_tax`, else net).
2. Line totals, per line, from the exact amounts ``U * quantity`` (after
   rules) and ``L * quantity`` (undiscounted) and the tax rate ``r =
   TaxRate.rate / 100`` of the delivery country (pipeline point 3):
   gross channel: ``gross = E``, ``net = round(E / (1 + r))``;
   net channel: ``net = E``, ``gross = round(E * (1 + r))``.
   A line's rule discount is ``undiscounted.gross - after_rules.gross``.
   Subtotal = the sum of the after-rules line totals, net and gross
   separately (sums of rounded amounts, so no rounding).
3. Voucher discount ``D`` (a gross amount): percentage ``round(subtotal.gross
   * value / 100)``; fixed ``value``; either capped at ``subtotal.gross``.
4. Spreading ``D`` over the lines: ``d_i = round(D * gross_i /
   subtotal.gross)`` with ``gross_i`` the after-rules line gross; the
   remainder ``D - sum(d_i)`` goes to the line with the largest such gross
   (the first of equals), so the shares add up to ``D`` exactly. A line's
   discounted gross is ``gross_i - d_i`` and its net ``round((gross_i - d_i) /
   (1 + r))`` (equal to the gross when r = 0).
5. Unit prices shown for a line are ``round(line total / quantity)``, net and
   gross; they are for display, the line totals are what is charged.
6. Shipping: the method's listing price in the channel, taxed like a line
   (step 2 with quantity 1); zero when nothing in the cart needs shipping
   or no method is chosen.
7. Total = sum of discounted line totals + shipping, net and gross
   separately, i.e. ``subtotal - discount + shipping``; never negative.

Prices of a variant without a listing in the channel count as zero here;
the validators refuse such a line before it can be bought.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from prices import Money, TaxedMoney

from ..models import Checkout, VoucherType
from ..pricing import pipeline
from ..pricing.money import quantize_price, zero, zero_taxed
from ..pricing.taxes import taxed
from .info import CheckoutInfo, fetch_checkout_info
from .vouchers import voucher_problem

__all__ = ["CheckoutTotals", "LineTotals", "calculate", "checkout_totals", "taxed", "zero"]


@dataclass(frozen=True)
class LineTotals:
    line: object
    variant: object
    quantity: int
    undiscounted_unit_price: Money  # L, entered mode
    undiscounted_total_price: TaxedMoney  # L * quantity, taxed
    unit_price: TaxedMoney
    total_price: TaxedMoney
    discount: Money  # the line's share of the voucher discount, gross
    tax_rate: Decimal
    price: pipeline.VariantPrice | None = None  # the pipeline's answer: U and its rules
    rules_total_price: TaxedMoney | None = None  # U * quantity, taxed (before the voucher)

    @property
    def rule_applications(self) -> tuple[pipeline.RuleApplication, ...]:
        return self.price.applications if self.price is not None else ()

    @property
    def rule_discount(self) -> Money:
        """What the price rules took off the whole line, gross (step 2)."""
        after = self.rules_total_price
        if after is None:
            after = self.undiscounted_total_price
        return self.undiscounted_total_price.gross - after.gross


@dataclass(frozen=True)
class CheckoutTotals:
    currency: str
    lines: list[LineTotals]
    subtotal: TaxedMoney
    shipping_price: TaxedMoney
    discount: Money
    total: TaxedMoney
    tax_rate: Decimal
    voucher: object | None  # the Voucher applied, None when no discount applies
    undiscounted_subtotal: TaxedMoney | None = None  # sum of L * quantity, taxed

    def for_line(self, line_id) -> LineTotals | None:
        return next((lt for lt in self.lines if lt.line.pk == line_id), None)


def checkout_totals(checkout: Checkout, info: CheckoutInfo | None = None) -> CheckoutTotals:
    """The checkout's prices as the buyer would pay them now (see module docstring)."""
    return calculate(info or fetch_checkout_info(checkout))


def _sum(values: list[TaxedMoney], currency: str) -> TaxedMoney:
    total = zero_taxed(currency)
    for value in values:
        total = total + value
    return total


def buyer(info: CheckoutInfo):
    """Whom the checkout is priced for: its owner, else whoever is asking."""
    if info.checkout.user_id:
        return info.checkout.user
    return info.requester


def line_prices(info: CheckoutInfo) -> list[pipeline.VariantPrice]:
    """Step 1: every line priced by the pipeline in one batch."""
    context = pipeline.pricing_context(
        info.channel, country=info.delivery_country, viewer=buyer(info), tax_rate=info.tax_rate
    )
    return pipeline.price_variants(
        [
            pipeline.PriceRequest(
                variant_id=line.variant.pk,
                product_id=line.product.pk,
                listing=line.variant_listing,
                quantity=line.quantity,
            )
            for line in info.lines
        ],
        context,
    )


def voucher_discount(info: CheckoutInfo, subtotal: TaxedMoney) -> Money:
    """Step 3; zero when there is no voucher or it does not apply to this subtotal."""
    currency = info.currency
    if not info.checkout.voucher_code or voucher_problem(
        info.voucher, info.voucher_listing, subtotal.gross
    ):
        return zero(currency)
    value = Decimal(info.voucher_listing.discount_value)
    if info.voucher.discount_type == VoucherType.PERCENTAGE:
        amount = subtotal.gross.amount * value / 100
    else:
        amount = value
    return quantize_price(min(amount, subtotal.gross.amount), currency)


def spread_discount(discount: Money, grosses: list[Money]) -> list[Money]:
    """Step 4: shares of the discount per line that add up to it exactly."""
    currency = discount.currency
    total = sum((g.amount for g in grosses), Decimal(0))
    if not grosses or discount.amount == 0 or total == 0:
        return [zero(currency) for _ in grosses]
    shares = [quantize_price(discount.amount * g.amount / total, currency) for g in grosses]
    remainder = discount.amount - sum((s.amount for s in shares), Decimal(0))
    if remainder:
        largest = max(range(len(grosses)), key=lambda i: (grosses[i].amount, -i))
        shares[largest] = Money(shares[largest].amount + remainder, currency)
    return shares


def calculate(info: CheckoutInfo) -> CheckoutTotals:
    currency = info.currency
    rate = info.tax_rate

    prices = line_prices(info)
    undiscounted = [price.undiscounted_total() for price in prices]
    after_rules = [price.total() for price in prices]
    subtotal = _sum(after_rules, currency)
    discount = voucher_discount(info, subtotal)
    shares = spread_discount(discount, [a.gross for a in after_rules])

    line_totals = []
    for line, price, before, ruled, share in zip(
        info.lines, prices, undiscounted, after_rules, shares, strict=True
    ):
        gross = ruled.gross - share
        if rate == 0:
            net = gross
        elif share.amount == 0:
            net = ruled.net
        else:
            net = quantize_price(gross.amount / (1 + rate / 100), currency)
        total_price = TaxedMoney(net=net, gross=gross)
        line_totals.append(
            LineTotals(
                line=line.line,
                variant=line.variant,
                quantity=line.quantity,
                undiscounted_unit_price=price.list_unit,
                undiscounted_total_price=before,
                unit_price=TaxedMoney(
                    net=quantize_price(net.amount / line.quantity, currency),
                    gross=quantize_price(gross.amount / line.quantity, currency),
                ),
                total_price=total_price,
                discount=share,
                tax_rate=rate,
                price=price,
                rules_total_price=ruled,
            )
        )

    shipping = shipping_price(info)
    total = _sum([lt.total_price for lt in line_totals], currency) + shipping
    if total.gross.amount < 0 or total.net.amount < 0:
        total = zero_taxed(currency)
    return CheckoutTotals(
        currency=currency,
        lines=line_totals,
        subtotal=subtotal,
        shipping_price=shipping,
        discount=discount,
        total=total,
        tax_rate=rate,
        voucher=info.voucher if discount.amount else None,
        undiscounted_subtotal=_sum(undiscounted, currency),
    )


def shipping_price(info: CheckoutInfo) -> TaxedMoney:
    """Step 6."""
    currency = info.currency
    if not info.is_shipping_required or info.shipping_listing is None:
        return zero_taxed(currency)
    return taxed(
        info.shipping_listing.price_amount,
        info.tax_rate,
        info.channel.prices_entered_with_tax,
        currency,
    )
