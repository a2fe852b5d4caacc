"""LicensingError and its stable codes."""

import graphene

from ..core.mutations import error_type

LICENSING_ERROR_CODES = [
    "GRAPHQL_ERROR",
    "INVALID",
    "INVALID_ID",
    "NOT_FOUND",
    "PERMISSION_DENIED",
    "REQUIRED",
    "UNIQUE",
    "INVALID_TERM",
    "INVALID_RATE",
    "INVALID_TIERS",
    "INVALID_SHARES",
    "INVALID_STAGE",
    "EXCLUSIVITY_CONFLICT",
    "PROPERTY_NOT_OWNED",
    "JWT_SIGNATURE_EXPIRED",
    "JWT_INVALID_TOKEN",
    "JWT_DECODE_ERROR",
]

LicensingErrorCode = graphene.Enum(
    "LicensingErrorCode", [(code, code) for code in LICENSING_ERROR_CODES]
)

LicensingError = error_type(
    "LicensingError",
    LicensingErrorCode,
    {
        "licence": graphene.ID(description="The conflicting licence, for EXCLUSIVITY_CONFLICT."),
    },
)
