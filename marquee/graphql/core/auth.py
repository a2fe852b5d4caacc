"""Who is calling the API: the user of a JWT access token, or nobody.

`JWTAuthenticationMiddleware` reads `Authorization: Bearer <token>` (or
`JWT <token>`, as Saleor also accepts). A valid access token sets
`request.user`; a bad one (expired, tampered, revoked) leaves the request
anonymous and remembers why, so:

- public operations (products, shop...) run as anonymous, whatever the header;
- operations that need a user (`me`, account mutations) answer with the
  token's error code (JWT_SIGNATURE_EXPIRED, JWT_INVALID_TOKEN,
  JWT_DECODE_ERROR), which tells a storefront to refresh or sign in again.

The API trusts only the token, never the admin's session cookie: the
endpoint is CSRF-exempt (storefronts call it cross-origin), so honouring a
cookie would let any web page act for a signed-in operator. On the API path
`request.user` is therefore the token's user or anonymous; elsewhere (the
admin) Django's session login is left alone.
"""

from __future__ import annotations

import functools

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from marquee.accounts.tokens import TokenError, user_from_token
from marquee.core.exceptions import ErrorDetail

from .errors import client_error

PERMISSION_DENIED = "PERMISSION_DENIED"
_SCHEMES = ("bearer", "jwt")


class JWTAuthenticationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.jwt_user = None
        request.jwt_error = None
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() in _SCHEMES:
            authenticate(request, token.strip())
        elif request.path_info == _api_path():
            # No token: anonymous, even with an admin session cookie (see above),
            # so `info.context.user` is safe for every resolver to rely on.
            request.user = AnonymousUser()
        return self.get_response(request)


@functools.cache
def _api_path() -> str:
    return reverse("api")


def authenticate(request, token: str) -> None:
    try:
        if not token:
            raise TokenError("JWT_DECODE_ERROR", "The Authorization header has no token.")
        user = user_from_token(token)
    except TokenError as error:
        request.jwt_error = error.details[0]
        request.user = AnonymousUser()
        return
    request.jwt_user = user
    request.user = user


def token_error(request) -> ErrorDetail | None:
    """Why the request's token was refused, or None (no token, or a good one)."""
    return getattr(request, "jwt_error", None)


def token_user(request):
    """The user of the request's access token, or None."""
    return getattr(request, "jwt_user", None)


def current_user(info):
    """The signed-in user or None; a refused token is an error, not anonymity.

    Used where being anonymous is a valid answer (`me` returns null) but a
    client sending a stale token must learn that it is stale.
    """
    error = token_error(info.context)
    if error is not None:
        raise client_error(error.message, error.code)
    return token_user(info.context)


def require_user(info):
    """The signed-in user, or a GraphQL error with code PERMISSION_DENIED (or JWT_*)."""
    user = current_user(info)
    if user is None:
        raise client_error(
            "You need to sign in: send `Authorization: Bearer <access token>` "
            "(get one with tokenCreate).",
            PERMISSION_DENIED,
        )
    return user
