"""The server as it runs in production: DEBUG off, gunicorn, the project's gunicorn config.

Start-up refusals import the settings module in a fresh interpreter with
the environment under test; headers and CORS are checked with real HTTP
requests against gunicorn serving the test database.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.servers import database_url, gunicorn

REPO = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(64)
STOREFRONT = "https://shop.example"
READY_TIMEOUT = 60.0

# Variables of the test run's environment that would change what is tested.
_SCRUBBED = (
    "DEBUG",
    "SECRET_KEY",
    "JWT_SECRET",
    "ALLOWED_HOSTS",
    "ALLOWED_HOSTS_ALLOW_ANY",
    "GRAPHIQL_ENABLED",
    "OFFLINE_PAYMENTS_ENABLED",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "GUNICORN_CMD_ARGS",
)


def _environment(**values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _SCRUBBED and not k.startswith(("CORS_", "SECURE_", "CONTENT_SECURITY_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "marquee.settings"
    env.update(values)
    return env


def _load_settings(script: str = "import marquee.settings", **values: str):
    """Import marquee.settings in a new interpreter; an unused DATABASE_URL keeps it offline."""
    env = _environment(DATABASE_URL="postgres://nobody@127.0.0.1:1/none", **values)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0, "the settings loaded"
    assert "ImproperlyConfigured" in result.stderr, result.stderr[-2000:]
    for word in words:
        assert word in result.stderr, result.stderr[-2000:]


# --- Start-up refusals --------------------------------------------------------


@pytest.mark.parametrize(
    "secret_key, words",
    [
        (None, ["SECRET_KEY must be set"]),
        ("", ["SECRET_KEY must be set"]),
        ("marquee-development-only-secret-key-change-me", ["published development key"]),
        ("x", ["too weak", "1 characters"]),
        ("k" * 49 + "abcde", None),  # 54 characters, 6 different: strong enough
        ("ab" * 40, ["too weak", "2 different"]),
        ("s3cr3t-" * 5, ["too weak", "35 characters"]),
        ("django-insecure-" + STRONG_KEY, ["Django generated"]),
    ],
    ids=[
        "missing",
        "empty",
        "development key",
        "one character",
        "strong",
        "2 distinct",
        "short",
        "django-insecure",
    ],
)
def test_debug_off_refuses_a_weak_secret_key(secret_key, words):
    values = {"DEBUG": "0", "ALLOWED_HOSTS": "shop.example"}
    if secret_key is not None:
        values["SECRET_KEY"] = secret_key
    result = _load_settings(**values)
    if words is None:
        assert result.returncode == 0, result.stderr[-2000:]
    else:
        _refused(result, *words)


@pytest.mark.parametrize(
    "jwt_secret, words",
    [
        ("marquee-development-only-secret-key-change-me", ["JWT_SECRET", "published"]),
        ("short", ["JWT_SECRET", "too weak"]),
    ],
    ids=["development key", "short"],
)
def test_debug_off_refuses_a_weak_jwt_secret(jwt_secret, words):
    result = _load_settings(
        DEBUG="0", SECRET_KEY=STRONG_KEY, JWT_SECRET=jwt_secret, ALLOWED_HOSTS="shop.example"
    )
    _refused(result, *words)


def test_debug_off_accepts_strong_keys():
    result = _load_settings(
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        JWT_SECRET=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="shop.example",
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_debug_off_refuses_any_host_unless_allowed():
    _refused(
        _load_settings(DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="shop.example,*"),
        "ALLOWED_HOSTS contains '*'",
        "ALLOWED_HOSTS_ALLOW_ANY",
    )
    allowed = _load_settings(
        DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="*", ALLOWED_HOSTS_ALLOW_ANY="1"
    )
    assert allowed.returncode == 0, allowed.stderr[-2000:]


def test_development_needs_no_key():
    result = _load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr[-2000:]


# --- gunicorn with production settings ----------------------------------------


@pytest.fixture(scope="module")
def production_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn serving the test database with DEBUG off, started as bench/ starts it."""
    from django.db import connection

    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    env = _environment(
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=url,
        DB_POOL_MAX_SIZE="2",
        CORS_ALLOWED_ORIGINS=STOREFRONT,
        MARQUEE_DATA_DIR=str(tmp_path_factory.mktemp("data")),
        LOG_LEVEL="WARNING",
    )
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    with gunicorn(
        env,
        log,
        "--workers",
        "1",
        "--worker-class",
        "gthread",
        "--threads",
        "2",
        timeout=READY_TIMEOUT,
    ) as (server_url, _pid):
        yield server_url


def _typename(url: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{url}/graphql/",
        json={"query": "{ __typename }"},
        headers={"Content-Type": "application/json", **headers},
        timeout=10,
    )


@pytest.mark.django_db(transaction=True)
def test_production_response_headers(production_server):
    response = _typename(production_server)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"__typename": "Query"}}
    headers = response.headers
    assert headers["Server"] == "marquee"
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    # HSTS only means something over HTTPS: here the TLS proxy says so.
    assert "Strict-Transport-Security" not in headers
    secure = _typename(production_server, **{"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db(transaction=True)
def test_production_server_header_names_no_software(production_server):
    for response in (
        httpx.get(f"{production_server}/no-such-page/", timeout=10),
        httpx.get(f"{production_server}/graphql/", timeout=10),
        httpx.post(f"{production_server}/webhooks/stripe/", content=b"{}", timeout=10),
    ):
        assert response.headers.get_list("Server") == ["marquee"], response.headers
        assert "gunicorn" not in str(response.headers).lower()


@pytest.mark.django_db(transaction=True)
def test_production_cors_preflight(production_server):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = httpx.options(
        f"{production_server}/graphql/", headers={"Origin": STOREFRONT, **preflight}, timeout=10
    )
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == STOREFRONT
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    allow_headers = allowed.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allow_headers and "content-type" in allow_headers
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    assert int(allowed.headers["Access-Control-Max-Age"]) > 0

    refused = httpx.options(
        f"{production_server}/graphql/",
        headers={"Origin": "https://evil.example", **preflight},
        timeout=10,
    )
    assert "Access-Control-Allow-Origin" not in refused.headers

    # The request that follows the preflight is answered for the storefront.
    response = _typename(production_server, Origin=STOREFRONT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == STOREFRONT

    # Only the API answers other origins.
    admin = httpx.options(
        f"{production_server}/admin/", headers={"Origin": STOREFRONT, **preflight}, timeout=10
    )
    assert "Access-Control-Allow-Origin" not in admin.headers


def test_cors_origins_default_to_local_storefronts_in_development_only():
    script = "import json, marquee.settings as s; print(json.dumps(s.CORS_ALLOWED_ORIGINS))"
    development = _load_settings(DEBUG="1", script=script)
    assert development.stdout.strip() == '["http://localhost:3000", "http://127.0.0.1:3000"]'
    production = _load_settings(
        DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="shop.example", script=script
    )
    assert production.stdout.strip() == "[]", production.stderr[-2000:]
