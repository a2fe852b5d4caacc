"""Links sent by email may only lead to the shop's own storefronts.

A password reset or account deletion email carries a secret token in its
link; `redirectUrl` decides where that link points, so an attacker who could
choose any host would receive the token. Only hosts in
`ALLOWED_CLIENT_HOSTS` are accepted.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings

from marquee.core.exceptions import DomainError


def validate_redirect_url(url: str, field: str = "redirect_url") -> str:
    try:
        parts = urlsplit(url or "")
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if not parts or parts.scheme not in ("http", "https") or not host:
        raise DomainError.single("INVALID", f"{url!r} is not a valid URL.", field=field)
    allowed = {h.lower() for h in settings.ALLOWED_CLIENT_HOSTS}
    if "*" not in allowed and host.lower() not in allowed:
        raise DomainError.single(
            "INVALID",
            f"{host!r} is not an allowed client host (ALLOWED_CLIENT_HOSTS).",
            field=field,
        )
    return url


def with_query(url: str, **params: str) -> str:
    """The URL with `params` added to its query string (as Saleor's emails build links)."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
