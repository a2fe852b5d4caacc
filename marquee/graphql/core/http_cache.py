"""What the API's answers tell browsers and CDNs about keeping them.

- **Cache-Control** comes from the request's cache policy, set by the
  response cache when an answer may be kept (`request.graphql_cache_policy`,
  with `shared` and `max_age`): shared → `public, max-age=N`, otherwise
  `private, max-age=N`. Everything else (no policy: a viewer's own data,
  errors, mutations, every POST) is `no-store`, rather than `private,
  no-cache`: an answer nobody vouched for may hold personal data (`me`, an
  order, an address), and `no-cache` would still let a shared computer's
  browser write it to disk. A request that carries `Authorization` is never
  `public`, whatever the policy says, so a shared cache that stores only
  what it is told it may (RFC 9111 §3.5) never stores a signed-in answer.
- **ETag** is a strong hash of the body of every 200 answer. A GET whose
  `If-None-Match` holds it gets 304 with no body, keeping ETag,
  Cache-Control and Vary (Django's conditional-response rules). A POST is
  never answered 304: the operation has run by then.
- **Vary** names what the answer depends on beyond the URL: `Authorization`
  (the viewer), `Origin` (added by the CORS middleware, whose
  `Access-Control-Allow-Origin` depends on it) and, when GraphiQL is
  served, `Accept` (a browser asking for HTML gets GraphiQL instead). The
  API reads no cookie (tokens only) and the view mints no CSRF token, so no
  answer carries `Set-Cookie` or `Vary: Cookie`, which would make each
  browser's copy its own.
- **X-Cache** says `HIT` or `MISS` on an answer the response cache could
  keep (as CDNs and shared caches say it), so an operator or a bench reads
  the hit rate from the answers themselves; other answers carry none.
"""

from __future__ import annotations

import hashlib

from django.utils.cache import get_conditional_response, patch_vary_headers

from .get_requests import READ_ONLY_METHODS


def cache_control(policy, *, method: str, status: int, authenticated: bool) -> str:
    """The Cache-Control value for one answer (see the module's notes)."""
    if policy is None or method not in READ_ONLY_METHODS or status != 200:
        return "no-store"
    max_age = max(int(policy.max_age), 0)
    if policy.shared and not authenticated:
        return f"public, max-age={max_age}"
    return f"private, max-age={max_age}"


def strong_etag(content: bytes) -> str:
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


def is_authenticated(request) -> bool:
    if request.META.get("HTTP_AUTHORIZATION"):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def finish(request, response, *, varies_on_accept: bool):
    """Add the caching headers to an API answer; a 304 if the client's copy is current."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return response  # GraphiQL's page
    varies_on = ("Authorization", "Accept") if varies_on_accept else ("Authorization",)
    patch_vary_headers(response, varies_on)
    policy = getattr(request, "graphql_cache_policy", None)
    status = getattr(request, "graphql_cache_status", None)
    if status is not None:
        response["X-Cache"] = status  # the response cache's HIT or MISS
    response["Cache-Control"] = cache_control(
        policy,
        method=request.method,
        status=response.status_code,
        authenticated=is_authenticated(request),
    )
    if response.status_code != 200 or getattr(response, "streaming", False):
        return response
    etag = strong_etag(response.content)
    response["ETag"] = etag
    if request.method in READ_ONLY_METHODS:
        return get_conditional_response(request, etag=etag, response=response)
    return response
