"""tokenCreate, tokenRefresh, tokenVerify, tokensDeactivateAll (Saleor's JWT API)."""

import graphene
from graphene.types.generic import GenericScalar

from marquee.accounts import services, tokens
from marquee.accounts.throttling import client_ip

from ...core.mutations import errors_field
from ..errors import AccountError
from ..types import User
from .base import AccountMutation, signed_in_user


class CreateToken(AccountMutation):
    """Sign in: an access token (minutes), a refresh token (days) and its CSRF token."""

    token = graphene.String(description="Access token, for `Authorization: Bearer`.")
    refresh_token = graphene.String(description="Refresh token, for tokenRefresh.")
    csrf_token = graphene.String(description="CSRF token bound to the refresh token.")
    user = graphene.Field(User)
    errors = errors_field(AccountError)

    class Arguments:
        email = graphene.String(required=True)
        password = graphene.String(required=True)
        audience = graphene.String(description="Accepted for compatibility; not used.")

    @classmethod
    def perform(cls, _root, info, email, password, audience=None):
        issued = services.sign_in(email, password, client_ip(info.context))
        return cls(
            token=issued.token,
            refresh_token=issued.refresh_token,
            csrf_token=issued.csrf_token,
            user=issued.user,
        )


class RefreshToken(AccountMutation):
    """A new access token for a refresh token that is still valid."""

    token = graphene.String()
    user = graphene.Field(User)
    errors = errors_field(AccountError)

    class Arguments:
        refresh_token = graphene.String()
        csrf_token = graphene.String(
            description="When given, must match the one issued with the refresh token."
        )

    @classmethod
    def perform(cls, _root, _info, refresh_token=None, csrf_token=None):
        user, token = services.refresh_access_token(refresh_token, csrf_token)
        return cls(token=token, user=user)


class VerifyToken(AccountMutation):
    """Whether an access token is valid, with its payload and user."""

    user = graphene.Field(User)
    is_valid = graphene.Boolean(required=True)
    payload = GenericScalar()
    errors = errors_field(AccountError)

    class Arguments:
        token = graphene.String(required=True)

    @classmethod
    def perform(cls, _root, _info, token):
        payload = tokens.decode_token(token, tokens.ACCESS, field="token")
        user = tokens.user_from_payload(payload, field="token")
        return cls(is_valid=True, payload=payload, user=user)

    @classmethod
    def failure(cls, details):
        result = super().failure(details)
        result.is_valid = False
        return result


class DeactivateAllUserTokens(AccountMutation):
    """Sign out everywhere: every access and refresh token of the user stops working."""

    errors = errors_field(AccountError)

    @classmethod
    def perform(cls, _root, info):
        services.deactivate_all_tokens(signed_in_user(info))
        return cls()
