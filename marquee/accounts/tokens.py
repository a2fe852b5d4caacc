"""JSON Web Tokens in Saleor's shape: access (minutes) and refresh (days).

Both kinds are HS256-signed with `JWT_SECRET` and carry `type`, `iat`,
`exp`, `iss`, `email`, `user_id` (the user's global ID, as Saleor's tokens
do) and `token`, the user's `jwt_token_key`. Checking that key on every use
is what lets a password change or `tokensDeactivateAll` revoke tokens that
have not expired yet: nothing else is stored per token.

`iss` is the absolute URL of the GraphQL endpoint (`PUBLIC_URL` followed by
the endpoint's path, e.g. `https://shop.example/graphql/`), the value Saleor
puts there. Saleor's storefront auth client compares it with the API URL it
is configured with and sends no token at all when the two differ, so a
token without it signs nobody in. Decoding checks it too: a token whose
`iss` is another address is JWT_INVALID_TOKEN, so changing `PUBLIC_URL`
retires every token issued under the old one (shoppers sign in again).

Tokens issued before `iss` was added: an access token without it is
refused (it lives minutes, and the storefront refreshes it); a refresh token
without it is still accepted until its own `exp`, so nobody is signed out
by the upgrade. Only the holder of `JWT_SECRET` can make a token without
`iss`, so accepting one grants nothing a forger could use, and the access
token it is exchanged for carries `iss`.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import jwt
from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, get_random_string
from graphql_relay import from_global_id, to_global_id

from marquee.core.exceptions import DomainError, ErrorDetail

from .models import User

ACCESS = "access"
REFRESH = "refresh"
# PyJWT's wording, which Saleor passes through: Saleor's storefront recognises
# an expired session by this text when an error carries no code it knows.
EXPIRED_MESSAGE = "Signature has expired"


class TokenError(DomainError):
    """A token that cannot be used; `code` says why (expired, tampered, revoked...)."""

    def __init__(self, code: str, message: str, field: str | None = None):
        self.code = code
        super().__init__(ErrorDetail(code=code, message=message, field=field))


@functools.cache
def _api_path() -> str:
    return reverse("api")


def issuer() -> str:
    """The `iss` of every token issued now; read at each call so it follows `PUBLIC_URL`."""
    return f"{settings.PUBLIC_URL}{_api_path()}"


def _encode(user: User, token_type: str, lifetime: int, **extra) -> str:
    now = datetime.now(UTC)
    payload = {
        "type": token_type,
        "iat": now,
        "exp": now + timedelta(seconds=lifetime),
        "iss": issuer(),
        "email": user.email,
        "user_id": to_global_id("User", user.pk),
        "is_staff": user.is_staff,
        "token": user.jwt_token_key,
        **extra,
    }
    return jwt.encode(payload, settings.JWT_SECRET, algorithm=settings.JWT_ALGORITHM)


def create_access_token(user: User) -> str:
    return _encode(user, ACCESS, settings.JWT_ACCESS_TOKEN_LIFETIME_SECONDS)


def create_refresh_token(user: User, csrf_token: str) -> str:
    """A refresh token bound to a CSRF token, which `tokenRefresh` may be asked to match."""
    return _encode(
        user, REFRESH, settings.JWT_REFRESH_TOKEN_LIFETIME_SECONDS, csrf_token=csrf_token
    )


def new_csrf_token() -> str:
    return get_random_string(32)


def decode_token(token: str, expected_type: str, field: str | None = None) -> dict:
    """The verified payload, or TokenError with Saleor's JWT_* code."""
    try:
        payload = jwt.decode(
            token,
            settings.JWT_SECRET,
            algorithms=[settings.JWT_ALGORITHM],
            options={"require": ["exp", "iat", "type", "user_id", "token"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise TokenError("JWT_SIGNATURE_EXPIRED", EXPIRED_MESSAGE, field) from error
    except jwt.DecodeError as error:
        # Malformed or tampered: the signature (or the encoding) does not check out.
        raise TokenError("JWT_DECODE_ERROR", "The token could not be decoded.", field) from error
    except jwt.InvalidTokenError as error:
        raise TokenError("JWT_INVALID_TOKEN", "The token is invalid.", field) from error
    if payload.get("type") != expected_type:
        raise TokenError(
            "JWT_INVALID_TOKEN", f"Expected an {expected_type} token, got another kind.", field
        )
    _check_issuer(payload, field)
    return payload


def _check_issuer(payload: dict, field: str | None) -> None:
    """Ours, or a refresh token from before `iss` existed (see the module docstring)."""
    if "iss" not in payload and payload.get("type") == REFRESH:
        return
    if payload.get("iss") != issuer():
        raise TokenError("JWT_INVALID_TOKEN", "The token was not issued by this shop.", field)


def user_from_payload(payload: dict, field: str | None = None) -> User:
    """The active user a verified payload names, if the token has not been revoked."""
    try:
        type_name, pk = from_global_id(str(payload.get("user_id")))
    except (ValueError, TypeError, UnicodeDecodeError):
        type_name, pk = "", ""
    user = None
    if type_name == "User" and pk.isdigit():
        user = User.objects.filter(pk=int(pk)).first()
    if (
        user is None
        or not user.is_active
        or not constant_time_compare(str(payload.get("token")), user.jwt_token_key)
    ):
        raise TokenError("JWT_INVALID_TOKEN", "The token is no longer valid.", field)
    return user


def user_from_token(token: str, expected_type: str = ACCESS, field: str | None = None) -> User:
    return user_from_payload(decode_token(token, expected_type, field), field)
