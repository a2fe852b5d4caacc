"""accountRegister, accountUpdate, accountRequestDeletion, accountDelete."""

import graphene

from marquee.accounts import services

from ...core.mutations import errors_field
from ...core.types import LanguageCodeEnum, language_code
from ..errors import AccountError
from ..types import AddressInput, User, address_input_data
from .base import AccountMutation, checked_channel, signed_in_user


class AccountRegisterInput(graphene.InputObjectType):
    first_name = graphene.String()
    last_name = graphene.String()
    language_code = graphene.Field(LanguageCodeEnum)
    email = graphene.String(required=True)
    password = graphene.String(required=True)
    redirect_url = graphene.String(
        description="Where the confirmation link points (it gets `email` and `token`); "
        "required when requiresConfirmation is true."
    )
    channel = graphene.String()


class AccountRegister(AccountMutation):
    """Create a customer account; with `redirectUrl`, its owner is mailed a confirmation link.

    `requiresConfirmation` says whether sign-in waits for that link
    (ACCOUNT_CONFIRMATION_REQUIRED), the same for every email.
    The answer is the same whether or not the email already has an account
    (that account's owner is told by email instead), so `user` is always
    null: sign in with tokenCreate to get the account.
    """

    user = graphene.Field(
        User,
        description="Always null: the answer must not tell whether "
        "the email already had an account.",
    )
    requires_confirmation = graphene.Boolean()
    errors = errors_field(AccountError)

    class Arguments:
        input = AccountRegisterInput(required=True)

    @classmethod
    def perform(cls, _root, _info, input):
        checked_channel(input.get("channel"))
        language = input.get("language_code")
        services.register(
            email=input["email"],
            password=input["password"],
            first_name=input.get("first_name") or "",
            last_name=input.get("last_name") or "",
            language_code=language_code(language) if language is not None else None,
            redirect_url=input.get("redirect_url"),
            channel=input.get("channel"),
        )
        return cls(user=None, requires_confirmation=services.confirmation_required())


class ConfirmAccount(AccountMutation):
    """Confirm an account's email with the token from the link `accountRegister` sent."""

    user = graphene.Field(User)
    errors = errors_field(AccountError)

    class Arguments:
        email = graphene.String(required=True)
        token = graphene.String(required=True)

    @classmethod
    def perform(cls, _root, _info, email, token):
        return cls(user=services.confirm_account(email, token))


class AccountInput(graphene.InputObjectType):
    first_name = graphene.String()
    last_name = graphene.String()
    language_code = graphene.Field(LanguageCodeEnum)
    default_billing_address = graphene.Field(AddressInput)
    default_shipping_address = graphene.Field(AddressInput)


class AccountUpdate(AccountMutation):
    """Update the signed-in user's names, language and default addresses."""

    user = graphene.Field(User)
    errors = errors_field(AccountError)

    class Arguments:
        input = AccountInput(required=True)

    @classmethod
    def perform(cls, _root, info, input):
        user = signed_in_user(info)
        language = input.get("language_code")
        addresses = {
            name: address_input_data(input[name]) if input.get(name) is not None else None
            for name in ("default_shipping_address", "default_billing_address")
        }
        user = services.update_account(
            user,
            first_name=input.get("first_name"),
            last_name=input.get("last_name"),
            language_code=language_code(language) if language is not None else None,
            **addresses,
        )
        return cls(user=user)


class AccountRequestDeletion(AccountMutation):
    """Email the signed-in user a link (to `redirectUrl`) that confirms closing the account."""

    errors = errors_field(AccountError)

    class Arguments:
        redirect_url = graphene.String(required=True)
        channel = graphene.String()

    @classmethod
    def perform(cls, _root, info, redirect_url, channel=None):
        user = signed_in_user(info)
        services.request_account_deletion(user, redirect_url, checked_channel(channel))
        return cls()


class AccountDelete(AccountMutation):
    """Close the signed-in user's account with the token from the deletion email.

    The account is deactivated (orders and royalty records keep pointing at
    it) and every token of it stops working.
    """

    user = graphene.Field(User)
    errors = errors_field(AccountError)

    class Arguments:
        token = graphene.String(required=True)

    @classmethod
    def perform(cls, _root, info, token):
        user = services.delete_account(signed_in_user(info), token)
        return cls(user=user)
