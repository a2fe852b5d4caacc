"""Content-Security-Policy per kind of page, with the test client (DEBUG settings)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from marquee.accounts.models import User


def _sources(policy: str, directive: str) -> list[str]:
    for part in policy.split(";"):
        name, *values = part.split()
        if name == directive:
            return values
    return _sources(policy, "default-src") if directive != "default-src" else []


def _allowed(policy: str, directive: str, url: str) -> bool:
    sources = _sources(policy, directive)
    if url.startswith("/"):
        return "'self'" in sources
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" in sources


@pytest.mark.django_db
def test_api_json_gets_the_strict_policy(client):
    response = client.post(
        "/graphql/", {"query": "{ __typename }"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "microphone=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_admin_pages_render_under_the_html_policy(settings):
    staff = User.objects.create_user(email="staff@example.com", password="x-Strong-pass-1")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client = Client()
    login = client.get("/admin/login/")
    assert login.status_code == 200
    client.force_login(staff)
    index = client.get("/admin/")
    assert index.status_code == 200
    for page in (login, index):
        policy = page["Content-Security-Policy"]
        assert policy == settings.CONTENT_SECURITY_POLICY_HTML
        html = page.content.decode()
        # Every script and stylesheet the admin loads is one this policy allows,
        # and no inline script needs 'unsafe-inline'.
        for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', html):
            assert _allowed(policy, "script-src", src), src
        for href in re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html):
            assert _allowed(policy, "style-src", href), href
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert "src=" in attrs or "application/json" in attrs or not body.strip(), body


@pytest.mark.django_db
def test_graphiql_gets_a_policy_that_lets_it_load(settings):
    settings.GRAPHIQL_ENABLED = True
    page = Client().get("/graphql/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"graphiql" in page.content.lower()
    policy = page["Content-Security-Policy"]
    assert policy == settings.CONTENT_SECURITY_POLICY_GRAPHIQL
    html = page.content.decode()
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*href="([^"]+)"', html)
    assert scripts and styles
    for src in scripts:
        assert _allowed(policy, "script-src", src), src
    for href in styles:
        assert _allowed(policy, "style-src", href), href
    assert "'self'" in _sources(policy, "connect-src")  # its queries go to this API


@pytest.mark.django_db
def test_without_graphiql_the_api_never_sends_the_wider_policy(settings):
    settings.GRAPHIQL_ENABLED = False
    page = Client().get("/graphql/", HTTP_ACCEPT="text/html")
    assert "cdn.jsdelivr.net" not in page.get("Content-Security-Policy", "")


@pytest.mark.django_db
def test_cors_preflight_with_the_test_client(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example"]
    client = Client()
    preflight = {
        "HTTP_ORIGIN": "https://shop.example",
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type",
    }
    allowed = client.options("/graphql/", **preflight)
    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == "https://shop.example"
    refused = client.options("/graphql/", **{**preflight, "HTTP_ORIGIN": "https://evil.example"})
    assert not refused.has_header("Access-Control-Allow-Origin")
