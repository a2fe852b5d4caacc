"""Money on the API: Saleor's `Money`, `TaxedMoney` and their ranges.

Amounts are `prices.Money` (Decimal + currency) everywhere inside Marquee;
they become floats only here, at the edge, because Saleor's schema types
`amount` as Float. Rounding to the currency's minor unit is ROUND_HALF_UP
(see `marquee.merch.pricing.quantize_price`).
"""

import graphene
from babel.numbers import get_currency_precision


class Money(graphene.ObjectType):
    currency = graphene.String(required=True, description="Currency code (ISO 4217).")
    amount = graphene.Float(required=True, description="Amount of money.")
    fractional_amount = graphene.Int(
        required=True, description="Amount of money in the currency's minor units."
    )
    fraction_digits = graphene.Int(required=True, description="Digits after the decimal point.")

    @staticmethod
    def resolve_amount(root, _info):
        return float(root.amount)

    @staticmethod
    def resolve_fraction_digits(root, _info):
        return get_currency_precision(root.currency)

    @staticmethod
    def resolve_fractional_amount(root, _info):
        digits = get_currency_precision(root.currency)
        return int((root.amount * (10**digits)).to_integral_value())


class TaxedMoney(graphene.ObjectType):
    currency = graphene.String(required=True)
    gross = graphene.Field(Money, required=True)
    net = graphene.Field(Money, required=True)
    tax = graphene.Field(Money, required=True)


class MoneyRange(graphene.ObjectType):
    start = graphene.Field(Money)
    stop = graphene.Field(Money)


class TaxedMoneyRange(graphene.ObjectType):
    start = graphene.Field(TaxedMoney)
    stop = graphene.Field(TaxedMoney)
