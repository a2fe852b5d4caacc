"""RoyaltyError and its stable codes.

The period-close codes are the ones `licensing.statements.close` raises;
an unknown code degrades to INVALID (see `core.mutations._known`).
"""

import graphene

from ..core.mutations import error_type

ROYALTY_ERROR_CODES = [
    "GRAPHQL_ERROR",
    "INVALID",
    "REQUIRED",
    "NOT_FOUND",
    "PERMISSION_DENIED",
    "PERIOD_NOT_ENDED",
    "INVALID_PERIOD",
    "PERIOD_ALREADY_CLOSED",
    "MISSING_EXCHANGE_RATE",
    "TERMS_NOT_IN_FORCE",
    "JWT_SIGNATURE_EXPIRED",
    "JWT_INVALID_TOKEN",
    "JWT_DECODE_ERROR",
]

RoyaltyErrorCode = graphene.Enum("RoyaltyErrorCode", [(c, c) for c in ROYALTY_ERROR_CODES])

RoyaltyError = error_type("RoyaltyError", RoyaltyErrorCode)
