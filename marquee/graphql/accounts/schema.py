"""The accounts API: `me`, address rules, sign-in and the customer's own account."""

import graphene

from ..core.auth import current_user
from .mutations import (
    AccountAddressCreate,
    AccountAddressDelete,
    AccountAddressUpdate,
    AccountDelete,
    AccountRegister,
    AccountRequestDeletion,
    AccountSetDefaultAddress,
    AccountUpdate,
    ConfirmAccount,
    CreateToken,
    DeactivateAllUserTokens,
    PasswordChange,
    RefreshToken,
    RequestPasswordReset,
    SetPassword,
    VerifyToken,
)
from .types import CountryCode, User
from .validation_rules import AddressValidationData, resolve_address_validation_rules


class AccountsQueries(graphene.ObjectType):
    me = graphene.Field(
        User,
        description="The signed-in user; null without a token. A stale or tampered token "
        "is an error (JWT_SIGNATURE_EXPIRED, JWT_INVALID_TOKEN...), not null.",
    )
    address_validation_rules = graphene.Field(
        AddressValidationData,
        country_code=graphene.Argument(CountryCode, required=True),
        country_area=graphene.String(),
        city=graphene.String(),
        city_area=graphene.String(),
        description="The address form of a country: fields, required fields, known areas.",
    )

    @staticmethod
    def resolve_me(_root, info):
        return current_user(info)

    @staticmethod
    def resolve_address_validation_rules(_root, _info, country_code, **kwargs):
        return resolve_address_validation_rules(country_code, **kwargs)


class AccountsMutations(graphene.ObjectType):
    token_create = CreateToken.Field()
    token_refresh = RefreshToken.Field()
    token_verify = VerifyToken.Field()
    tokens_deactivate_all = DeactivateAllUserTokens.Field()
    account_register = AccountRegister.Field()
    confirm_account = ConfirmAccount.Field()
    account_update = AccountUpdate.Field()
    account_request_deletion = AccountRequestDeletion.Field()
    account_delete = AccountDelete.Field()
    account_address_create = AccountAddressCreate.Field()
    account_address_update = AccountAddressUpdate.Field()
    account_address_delete = AccountAddressDelete.Field()
    account_set_default_address = AccountSetDefaultAddress.Field()
    password_change = PasswordChange.Field()
    request_password_reset = RequestPasswordReset.Field()
    set_password = SetPassword.Field()
