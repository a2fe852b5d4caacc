"""RoyaltyError and its stable codes.

The period-close codes are taken from the services that raise them
(`licensing.statements`), not retyped here.
"""

import graphene

from marquee.licensing.statements import close, fx, payments, periods

from ..core.mutations import error_type

ROYALTY_ERROR_CODES = [
    "GRAPHQL_ERROR",
    "INVALID",
    "REQUIRED",
    "NOT_FOUND",
    "PERMISSION_DENIED",
    periods.PERIOD_NOT_ENDED,
    periods.PERIOD_INVALID,
    fx.FX_RATE_MISSING,
    close.STATEMENT_IMMUTABLE,
    close.STATEMENT_SUPERSEDED,
    close.REASON_REQUIRED,
    payments.AMOUNT_NOT_POSITIVE,
    payments.REFERENCE_REQUIRED,
    payments.PAYMENT_EXCEEDS_BALANCE,
    payments.NO_ROYALTY_TERMS,
    "JWT_SIGNATURE_EXPIRED",
    "JWT_INVALID_TOKEN",
    "JWT_DECODE_ERROR",
]

RoyaltyErrorCode = graphene.Enum("RoyaltyErrorCode", [(c, c) for c in ROYALTY_ERROR_CODES])

RoyaltyError = error_type("RoyaltyError", RoyaltyErrorCode)
