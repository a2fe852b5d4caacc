"""Account mutations, one module per concern."""

from .account import (
    AccountDelete,
    AccountRegister,
    AccountRequestDeletion,
    AccountUpdate,
    ConfirmAccount,
)
from .addresses import (
    AccountAddressCreate,
    AccountAddressDelete,
    AccountAddressUpdate,
    AccountSetDefaultAddress,
)
from .passwords import PasswordChange, RequestPasswordReset, SetPassword
from .tokens import CreateToken, DeactivateAllUserTokens, RefreshToken, VerifyToken

__all__ = [
    "AccountAddressCreate",
    "AccountAddressDelete",
    "AccountAddressUpdate",
    "AccountDelete",
    "ConfirmAccount",
    "AccountRegister",
    "AccountRequestDeletion",
    "AccountSetDefaultAddress",
    "AccountUpdate",
    "CreateToken",
    "DeactivateAllUserTokens",
    "PasswordChange",
    "RefreshToken",
    "RequestPasswordReset",
    "SetPassword",
    "VerifyToken",
]
