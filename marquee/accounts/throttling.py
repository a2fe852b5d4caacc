"""Slow down password guessing: every password check is reserved before it runs.

Counting failures after the check leaves a race: N guesses sent at once all
read "under the limit", all get their password checked, and only then
count, so a limit of 5 answers 20 guesses out of 24. Here each attempt is
counted first (an atomic increment in a store every process shares, see
`attempt_counters`); an attempt whose new count is over the limit is
refused without looking at the password, so however many arrive together,
at most LIMIT of them are checked. A successful sign-in clears the count.

Sign-ins (tokenCreate and the admin login) are limited twice:

- per email and client IP, `LOGIN_FAILURE_LIMIT` attempts per window:
  one client guessing one account;
- per email alone, `LOGIN_FAILURE_LIMIT_PER_EMAIL` (higher): the same
  guessing spread over many addresses. It is higher so that one client
  that locked itself out does not lock the owner out everywhere; an
  attempt refused by the first limit does not count towards the second.

`passwordChange` checks the old password under the same limit, per user:
a stolen access token must not become a way to guess the password.

While locked out even the right password is refused: otherwise the limit
would only hide which guess was right. Windows are fixed
(`LOGIN_FAILURE_WINDOW_SECONDS` from the first attempt).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from marquee.core.exceptions import DomainError

from .attempt_counters import counters


def client_ip(request) -> str:
    """The peer address. Behind a proxy, configure it to set REMOTE_ADDR (not X-Forwarded-For:
    a client can write that header itself and dodge the login limit)."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "") or ""


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _login_keys(email: str, ip: str) -> tuple[str, str]:
    email = (email or "").strip().lower()
    return f"login:{_digest(email, ip)}", f"login-email:{_digest(email)}"


def _password_check_key(user) -> str:
    return f"password-check:{user.pk}"


def _delayed(field: str) -> DomainError:
    minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
    return DomainError.single(
        "LOGIN_ATTEMPT_DELAYED",
        f"Too many failed login attempts. Try again in up to {minutes} minutes.",
        field=field,
    )


def reserve_login_attempt(email: str, ip: str) -> None:
    """Count a sign-in attempt before its password is checked; LOGIN_ATTEMPT_DELAYED if over."""
    pair, email_only = _login_keys(email, ip)
    allowed = counters().reserve(
        [
            (pair, settings.LOGIN_FAILURE_LIMIT),
            (email_only, settings.LOGIN_FAILURE_LIMIT_PER_EMAIL),
        ],
        settings.LOGIN_FAILURE_WINDOW_SECONDS,
    )
    if not allowed:
        raise _delayed("email")


def clear_login_attempts(email: str, ip: str) -> None:
    counters().clear(*_login_keys(email, ip))


def reserve_password_check(user) -> None:
    """The same rule for a signed-in user's old-password check (passwordChange)."""
    allowed = counters().reserve(
        [(_password_check_key(user), settings.LOGIN_FAILURE_LIMIT)],
        settings.LOGIN_FAILURE_WINDOW_SECONDS,
    )
    if not allowed:
        raise _delayed("old_password")


def clear_password_checks(user) -> None:
    counters().clear(_password_check_key(user))


def first_email_in_interval(kind: str, email: str) -> bool:
    """True once per `ACCOUNT_EMAIL_INTERVAL_SECONDS` for a kind of email to one address.

    Keeps reset, deletion and sign-up requests from being used to flood a
    mailbox, without telling the requester anything (the answer is the
    same either way).
    """
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return cache.add(f"account-email:{kind}:{digest}", 1, settings.ACCOUNT_EMAIL_INTERVAL_SECONDS)
