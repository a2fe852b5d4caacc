"""JSON Web Tokens in Saleor's shape: access (minutes) and refresh (days).

Both kinds are HS256-signed with `JWT_SECRET` and carry `type`, `iat`,
`exp`, `email`, `user_id` (the user's global ID, as Saleor's tokens do) and
`token`, the user's `jwt_token_key`. Checking that key on every use is what
lets a password change or `tokensDeactivateAll` revoke tokens that have not
expired yet: nothing else is stored per token.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from django.conf import settings
from django.utils.crypto import constant_time_compare, get_random_string
from graphql_relay import from_global_id, to_global_id

from marquee.core.exceptions import DomainError, ErrorDetail

from .models import User

ACCESS = "access"
REFRESH = "refresh"


class TokenError(DomainError):
    """A token that cannot be used; `code` says why (expired, tampered, revoked...)."""

    def __init__(self, code: str, message: str, field: str | None = None):
        self.code = code
        super().__init__(ErrorDetail(code=code, message=message, field=field))


def _encode(user: User, token_type: str, lifetime: int, **extra) -> str:
    now = datetime.now(UTC)
    payload = {
        "type": token_type,
        "iat": now,
        "exp": now + timedelta(seconds=lifetime),
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
        raise TokenError("JWT_SIGNATURE_EXPIRED", "The token has expired.", field) from error
    except jwt.DecodeError as error:
        # Malformed or tampered: the signature (or the encoding) does not check out.
        raise TokenError("JWT_DECODE_ERROR", "The token could not be decoded.", field) from error
    except jwt.InvalidTokenError as error:
        raise TokenError("JWT_INVALID_TOKEN", "The token is invalid.", field) from error
    if payload.get("type") != expected_type:
        raise TokenError(
            "JWT_INVALID_TOKEN", f"Expected an {expected_type} token, got another kind.", field
        )
    return payload


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
