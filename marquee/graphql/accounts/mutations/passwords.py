"""passwordChange, requestPasswordReset, setPassword."""

import graphene

from marquee.accounts import services

from ...core.mutations import errors_field
from ..errors import AccountError
from ..types import User
from .base import AccountMutation, checked_channel, signed_in_user


class PasswordChange(AccountMutation):
    """Change the signed-in user's password. Tokens issued before stop working:
    the client signs in again with the new password."""

    user = graphene.Field(User)
    errors = errors_field(AccountError)

    class Arguments:
        old_password = graphene.String()
        new_password = graphene.String(required=True)

    @classmethod
    def perform(cls, _root, info, new_password, old_password=None):
        user = services.change_password(signed_in_user(info), old_password, new_password)
        return cls(user=user)


class RequestPasswordReset(AccountMutation):
    """Email a reset link to `redirectUrl?email=...&token=...`.

    The answer is the same whether or not the email has an account.
    """

    errors = errors_field(AccountError)

    class Arguments:
        email = graphene.String(required=True)
        redirect_url = graphene.String(required=True)
        channel = graphene.String()

    @classmethod
    def perform(cls, _root, _info, email, redirect_url, channel=None):
        services.request_password_reset(email, redirect_url, checked_channel(channel))
        return cls()


class SetPassword(AccountMutation):
    """Set a new password with the emailed token; signs the user in (as Saleor does)."""

    token = graphene.String()
    refresh_token = graphene.String()
    csrf_token = graphene.String()
    user = graphene.Field(User)
    errors = errors_field(AccountError)

    class Arguments:
        email = graphene.String(required=True)
        token = graphene.String(required=True)
        password = graphene.String(required=True)

    @classmethod
    def perform(cls, _root, _info, email, token, password):
        user = services.set_password(email, token, password)
        issued = services.issue_tokens(user)
        return cls(
            token=issued.token,
            refresh_token=issued.refresh_token,
            csrf_token=issued.csrf_token,
            user=user,
        )
