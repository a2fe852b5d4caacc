"""AccountError and its codes, with Saleor's names so storefronts can branch on them."""

import graphene

from ..core.mutations import error_type


class AddressTypeEnum(graphene.Enum):
    BILLING = "BILLING"
    SHIPPING = "SHIPPING"


# Saleor's AccountErrorCode, value for value.
AccountErrorCode = graphene.Enum(
    "AccountErrorCode",
    [
        (code, code)
        for code in (
            "ACTIVATE_OWN_ACCOUNT",
            "ACTIVATE_SUPERUSER_ACCOUNT",
            "DUPLICATED_INPUT_ITEM",
            "DEACTIVATE_OWN_ACCOUNT",
            "DEACTIVATE_SUPERUSER_ACCOUNT",
            "DELETE_NON_STAFF_USER",
            "DELETE_OWN_ACCOUNT",
            "DELETE_STAFF_ACCOUNT",
            "DELETE_SUPERUSER_ACCOUNT",
            "GRAPHQL_ERROR",
            "INACTIVE",
            "INVALID",
            "INVALID_PASSWORD",
            "LEFT_NOT_MANAGEABLE_PERMISSION",
            "INVALID_CREDENTIALS",
            "NOT_FOUND",
            "OUT_OF_SCOPE_USER",
            "OUT_OF_SCOPE_GROUP",
            "OUT_OF_SCOPE_PERMISSION",
            "PASSWORD_ENTIRELY_NUMERIC",
            "PASSWORD_TOO_COMMON",
            "PASSWORD_TOO_SHORT",
            "PASSWORD_TOO_SIMILAR",
            "PASSWORD_RESET_ALREADY_REQUESTED",
            "REQUIRED",
            "UNIQUE",
            "JWT_SIGNATURE_EXPIRED",
            "JWT_INVALID_TOKEN",
            "JWT_DECODE_ERROR",
            "JWT_MISSING_TOKEN",
            "JWT_INVALID_CSRF_TOKEN",
            "CHANNEL_INACTIVE",
            "MISSING_CHANNEL_SLUG",
            "ACCOUNT_NOT_CONFIRMED",
            "LOGIN_ATTEMPT_DELAYED",
            "DISABLED_AUTHENTICATION_METHOD",
            "UNKNOWN_IP_ADDRESS",
            "FILE_SIZE_LIMIT_EXCEEDED",
        )
    ],
)

AccountError = error_type(
    "AccountError",
    AccountErrorCode,
    {
        "address_type": graphene.Field(
            AddressTypeEnum, description="The type of the address that caused the error."
        )
    },
)
