"""Checkout prices: lines, subtotal, voucher discount, shipping, tax and total.

All amounts are `Decimal`; every rounding is `pricing.quantize_price`
(ROUND_HALF_UP to the currency's minor unit) and happens only at the
numbered points below, so anyone can reproduce a total by hand:

1. Unit price as listed: ``U = round(listing.price_amount)``. This is
   `undiscounted_unit_price`, in the channel's entered mode (gross when
   `channel.prices_entered_with_tax`, else net).
2. Undiscounted line total, per line, from ``E = U * quantity`` (exact) and
   the tax rate ``r = TaxRate.rate / 100`` of the delivery country:
   gross channel: ``gross = E``, ``net = round(E / (1 + r))``;
   net channel: ``net = E``, ``gross = round(E * (1 + r))``.
   Subtotal = the sum of these line totals, net and gross separately
   (sums of rounded amounts, so no rounding).
3. Voucher discount ``D`` (a gross amount): percentage ``round(subtotal.gross
   * value / 100)``; fixed ``value``; either capped at ``subtotal.gross``.
4. Spreading ``D`` over the lines: ``d_i = round(D * gross_i /
   subtotal.gross)``; the remainder ``D - sum(d_i)`` goes to the line with
   the largest undiscounted gross (the first of equals), so the shares add
   up to ``D`` exactly. A line's discounted gross is ``gross_i - d_i`` and its
   net ``round((gross_i - d_i) / (1 + r))`` (equal to the gross when r = 0).
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
from ..pricing import quantize_price
from .info import CheckoutInfo, LineInfo, fetch_checkout_info
from .vouchers import voucher_problem


@dataclass(frozen=True)
class LineTotals:
    line: object
    variant: object
    quantity: int
    undiscounted_unit_price: Money
    undiscounted_total_price: TaxedMoney
    unit_price: TaxedMoney
    total_price: TaxedMoney
    discount: Money
    tax_rate: Decimal


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

    def for_line(self, line_id) -> LineTotals | None:
        return next((lt for lt in self.lines if lt.line.pk == line_id), None)


def checkout_totals(checkout: Checkout, info: CheckoutInfo | None = None) -> CheckoutTotals:
    """The checkout's prices as the buyer would pay them now (see module docstring)."""
    return calculate(info or fetch_checkout_info(checkout))


def zero(currency: str) -> Money:
    return quantize_price(Decimal(0), currency)


def taxed(amount: Decimal, rate: Decimal, entered_with_tax: bool, currency: str) -> TaxedMoney:
    """Step 2: net and gross of an amount as entered, both rounded."""
    factor = 1 + rate / 100
    entered = quantize_price(amount, currency)
    if rate == 0:
        return TaxedMoney(net=entered, gross=entered)
    if entered_with_tax:
        return TaxedMoney(net=quantize_price(amount / factor, currency), gross=entered)
    return TaxedMoney(net=entered, gross=quantize_price(amount * factor, currency))


def _sum(values: list[TaxedMoney], currency: str) -> TaxedMoney:
    total = TaxedMoney(net=zero(currency), gross=zero(currency))
    for value in values:
        total = total + value
    return total


def undiscounted_unit_price(line: LineInfo, currency: str) -> Money:
    if line.variant_listing is None:
        return zero(currency)
    return quantize_price(line.variant_listing.price_amount, currency)


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
    with_tax = info.channel.prices_entered_with_tax

    units = [undiscounted_unit_price(line, currency) for line in info.lines]
    undiscounted = [
        taxed(unit.amount * line.quantity, rate, with_tax, currency)
        for unit, line in zip(units, info.lines, strict=True)
    ]
    subtotal = _sum(undiscounted, currency)
    discount = voucher_discount(info, subtotal)
    shares = spread_discount(discount, [u.gross for u in undiscounted])

    line_totals = []
    for line, unit, before, share in zip(info.lines, units, undiscounted, shares, strict=True):
        gross = before.gross - share
        if rate == 0:
            net = gross
        elif share.amount == 0:
            net = before.net
        else:
            net = quantize_price(gross.amount / (1 + rate / 100), currency)
        total_price = TaxedMoney(net=net, gross=gross)
        line_totals.append(
            LineTotals(
                line=line.line,
                variant=line.variant,
                quantity=line.quantity,
                undiscounted_unit_price=unit,
                undiscounted_total_price=before,
                unit_price=TaxedMoney(
                    net=quantize_price(net.amount / line.quantity, currency),
                    gross=quantize_price(gross.amount / line.quantity, currency),
                ),
                total_price=total_price,
                discount=share,
                tax_rate=rate,
            )
        )

    shipping = shipping_price(info)
    total = _sum([lt.total_price for lt in line_totals], currency) + shipping
    if total.gross.amount < 0 or total.net.amount < 0:
        total = TaxedMoney(net=zero(currency), gross=zero(currency))
    return CheckoutTotals(
        currency=currency,
        lines=line_totals,
        subtotal=subtotal,
        shipping_price=shipping,
        discount=discount,
        total=total,
        tax_rate=rate,
        voucher=info.voucher if discount.amount else None,
    )


def shipping_price(info: CheckoutInfo) -> TaxedMoney:
    """Step 6."""
    currency = info.currency
    if not info.is_shipping_required or info.shipping_listing is None:
        return TaxedMoney(net=zero(currency), gross=zero(currency))
    return taxed(
        info.shipping_listing.price_amount,
        info.tax_rate,
        info.channel.prices_entered_with_tax,
        currency,
    )
