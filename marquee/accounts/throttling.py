"""Slow down password guessing: failed logins counted per email and client IP.

Counts live in Django's cache (local memory by default, a shared cache such
as Redis when several processes serve the API), so a burst of guesses costs
no database writes. Once `LOGIN_FAILURE_LIMIT` failures pile up within
`LOGIN_FAILURE_WINDOW_SECONDS`, even the right password is refused until the
window passes: otherwise the limit would only hide which guess was right.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from marquee.core.exceptions import DomainError


def _key(email: str, ip: str) -> str:
    digest = hashlib.sha256(f"{email.strip().lower()}|{ip}".encode()).hexdigest()
    return f"login-failures:{digest}"


def check_login_allowed(email: str, ip: str) -> None:
    """Raise LOGIN_ATTEMPT_DELAYED while this email and IP are over the limit."""
    failures = cache.get(_key(email, ip), 0)
    if failures >= settings.LOGIN_FAILURE_LIMIT:
        minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
        raise DomainError.single(
            "LOGIN_ATTEMPT_DELAYED",
            f"Too many failed login attempts. Try again in up to {minutes} minutes.",
            field="email",
        )


def record_login_failure(email: str, ip: str) -> None:
    key = _key(email, ip)
    # add() is a no-op when the key exists, so the window starts at the first failure.
    cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def clear_login_failures(email: str, ip: str) -> None:
    cache.delete(_key(email, ip))


def first_email_in_interval(kind: str, email: str) -> bool:
    """True once per `ACCOUNT_EMAIL_INTERVAL_SECONDS` for a kind of email to one address.

    Keeps reset and deletion requests from being used to flood a mailbox,
    without telling the requester anything (the answer is the same either way).
    """
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return cache.add(f"account-email:{kind}:{digest}", 1, settings.ACCOUNT_EMAIL_INTERVAL_SECONDS)
