"""CheckoutError and its codes: Saleor's, plus every code a registered validator declares.

`SALEOR_CHECKOUT_ERROR_CODES` is Saleor's own enum (the contract its clients
compile against). Codes of Marquee's rules are not listed here: the checkout
validator registry declares them (the licence gate's `LICENCE_NOT_VALID`, for
one), so a new rule needs no edit to the API.
"""

import graphene

from marquee.core import idempotency
from marquee.merch.checkout.validators import validator_codes

from ..core.mutations import error_type

SALEOR_CHECKOUT_ERROR_CODES = [
    "BILLING_ADDRESS_NOT_SET",
    "CHECKOUT_NOT_FULLY_PAID",
    "GRAPHQL_ERROR",
    "PRODUCT_NOT_PUBLISHED",
    "PRODUCT_UNAVAILABLE_FOR_PURCHASE",
    "INSUFFICIENT_STOCK",
    "INVALID",
    "INVALID_SHIPPING_METHOD",
    "NOT_FOUND",
    "PAYMENT_ERROR",
    "QUANTITY_GREATER_THAN_LIMIT",
    "REQUIRED",
    "SHIPPING_ADDRESS_NOT_SET",
    "SHIPPING_METHOD_NOT_APPLICABLE",
    "DELIVERY_METHOD_NOT_APPLICABLE",
    "SHIPPING_METHOD_NOT_SET",
    "SHIPPING_NOT_REQUIRED",
    "TAX_ERROR",
    "UNIQUE",
    "VOUCHER_NOT_APPLICABLE",
    "GIFT_CARD_NOT_APPLICABLE",
    "ZERO_QUANTITY",
    "MISSING_CHANNEL_SLUG",
    "CHANNEL_INACTIVE",
    "UNAVAILABLE_VARIANT_IN_CHANNEL",
    "EMAIL_NOT_SET",
    "NO_LINES",
    "INACTIVE_PAYMENT",
    "MISSING_ADDRESS_DATA",
]

CHECKOUT_ERROR_CODES = list(
    dict.fromkeys(SALEOR_CHECKOUT_ERROR_CODES + validator_codes() + list(idempotency.CODES))
)

CheckoutErrorCode = graphene.Enum("CheckoutErrorCode", [(c, c) for c in CHECKOUT_ERROR_CODES])


class AddressTypeEnum(graphene.Enum):
    BILLING = "BILLING"
    SHIPPING = "SHIPPING"


CheckoutError = error_type(
    "CheckoutError",
    CheckoutErrorCode,
    {
        "variants": graphene.List(
            graphene.NonNull(graphene.ID), description="Variants the error is about."
        ),
        "lines": graphene.List(
            graphene.NonNull(graphene.ID), description="Checkout lines the error is about."
        ),
        "address_type": graphene.Field(
            AddressTypeEnum, description="The address the error is about."
        ),
    },
)


class DeliveryOptionsCalculateErrorCode(graphene.Enum):
    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"


DeliveryOptionsCalculateError = error_type(
    "DeliveryOptionsCalculateError", DeliveryOptionsCalculateErrorCode
)
