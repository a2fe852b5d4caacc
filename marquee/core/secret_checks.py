"""Start-up refusals for a production configuration that would be unsafe.

With DEBUG off the settings module calls these before Django starts, so a
server with a guessable signing key or an open Host header never serves a
request: anyone holding the development key (it is in the repository) could
sign a session or an API token Marquee would accept. The key rule is
Django's own (check security.W009): at least 50 characters, at least 5
distinct ones, and not one of Django's generated insecure keys; here it is
an error rather than a warning, and it also covers JWT_SECRET.

Plain functions that read no setting: they run while settings are still loading.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_LENGTH = 50
MIN_SECRET_UNIQUE_CHARACTERS = 5
INSECURE_PREFIX = "django-insecure"


def require_strong_secret(name: str, value: str, published: Iterable[str] = ()) -> None:
    """Refuse a missing, published or easily guessed signing key named NAME."""
    hint = (
        f"Generate one with `python -c 'import secrets; print(secrets.token_urlsafe(64))'` "
        f"and set it in the environment as {name}."
    )
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off. {hint}")
    if value in set(published):
        raise ImproperlyConfigured(
            f"{name} is the published development key; it must not be used when DEBUG is off. "
            f"{hint}"
        )
    if value.startswith(INSECURE_PREFIX):
        raise ImproperlyConfigured(
            f"{name} is a key Django generated for development ('{INSECURE_PREFIX}...'). {hint}"
        )
    if len(value) < MIN_SECRET_LENGTH or len(set(value)) < MIN_SECRET_UNIQUE_CHARACTERS:
        raise ImproperlyConfigured(
            f"{name} is too weak: it needs at least {MIN_SECRET_LENGTH} characters and "
            f"{MIN_SECRET_UNIQUE_CHARACTERS} different ones (it has {len(value)} characters, "
            f"{len(set(value))} different). {hint}"
        )


def refuse_any_host(allowed_hosts: list[str], allow_any: bool) -> None:
    """Refuse ALLOWED_HOSTS='*' unless the operator says a proxy checks the Host header.

    Django builds absolute URLs (the admin, redirects) from the Host header;
    with '*' any client chooses that host.
    """
    if "*" in allowed_hosts and not allow_any:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS contains '*' while DEBUG is off: list the site's host names, or set "
            "ALLOWED_HOSTS_ALLOW_ANY=1 if a proxy in front of Marquee already checks the Host "
            "header."
        )
