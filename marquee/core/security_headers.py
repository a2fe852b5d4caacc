"""Content-Security-Policy and Permissions-Policy on every response.

Django's SecurityMiddleware sends HSTS, nosniff, Referrer-Policy and
Cross-Origin-Opener-Policy but no CSP or Permissions-Policy, so this adds
them. Most responses are API JSON, which never needs to load anything: they
get CONTENT_SECURITY_POLICY (`default-src 'none'`), which also keeps a JSON
body from being run as a page if a browser is tricked into rendering it.
HTML pages (the admin, error pages) get CONTENT_SECURITY_POLICY_HTML. A view
that needs another policy sets the header itself and it is left as is:
GraphiQL does, because its page loads scripts from a CDN (see
marquee.graphql.views).
"""

from __future__ import annotations

from django.conf import settings

CSP = "Content-Security-Policy"
PERMISSIONS_POLICY = "Permissions-Policy"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if CSP not in response.headers:
            is_html = response.headers.get("Content-Type", "").startswith("text/html")
            policy = (
                settings.CONTENT_SECURITY_POLICY_HTML
                if is_html
                else settings.CONTENT_SECURITY_POLICY
            )
            if policy:
                response.headers[CSP] = policy
        if settings.PERMISSIONS_POLICY and PERMISSIONS_POLICY not in response.headers:
            response.headers[PERMISSIONS_POLICY] = settings.PERMISSIONS_POLICY
        return response
