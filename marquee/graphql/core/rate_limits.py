"""Rate limits on mutations, and the `Retry-After` a refused or unavailable answer carries.

A mutation declares the limits it runs under; `BaseMutation.mutate` counts
the request against each before `perform` (outside its transaction: the
counters commit on their own connection, `marquee.core.rate_limits`):

    class DropReserve(BaseMutation):
        rate_limits = RateLimit.per_ip_and_account(
            "drop",
            ip="DROP_RATE_LIMIT_PER_IP",
            account="DROP_RATE_LIMIT_PER_ACCOUNT",
            window="DROP_RATE_LIMIT_WINDOW_SECONDS",
        )

The scope ("drop") names the limit, so every mutation declaring it shares
one count per client; limits and windows are setting names (read at each
request, so an operator's change applies) or numbers; a limit of 0 is off.
The per-IP key is `marquee.accounts.throttling.client_ip`; the per-account
limit counts signed-in requests only (an anonymous one is limited by IP).
A mutation that must decide on its own calls `check_rate_limit(info, ...)`.

Over a limit the payload answers `errors [{code: RATE_LIMITED, field: null,
message: "... try again in N s"}]`. Any error that says how long to wait
(RATE_LIMITED, and UNAVAILABLE when the waiting room's store is down) is
noted on the request with `note_retry_after`, and the endpoint sends the
longest such wait as the HTTP `Retry-After` header (`graphql/views.py`).
The mutation's error enum must hold RATE_LIMITED (checked when the class is
made) and should hold UNAVAILABLE.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.conf import settings

from marquee.accounts.throttling import client_ip
from marquee.core import rate_limits

IP = "ip"
ACCOUNT = "account"


@dataclass(frozen=True)
class RateLimit:
    scope: str
    per: str  # IP | ACCOUNT
    limit: str | int  # a setting's name, or a number; 0 = no limit
    window: str | int  # seconds: a setting's name, or a number

    @classmethod
    def per_ip_and_account(
        cls, scope: str, *, ip: str | int, account: str | int, window: str | int
    ) -> tuple[RateLimit, RateLimit]:
        return cls(scope, IP, ip, window), cls(scope, ACCOUNT, account, window)

    def values(self) -> tuple[int, int]:
        limit = getattr(settings, self.limit) if isinstance(self.limit, str) else self.limit
        window = getattr(settings, self.window) if isinstance(self.window, str) else self.window
        return int(limit), int(window)

    def key(self, request) -> str | None:
        """The client this limit counts, or None when it does not apply to the request."""
        if self.per == IP:
            return client_ip(request) or "unknown"
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return hashlib.sha256(f"user:{user.pk}".encode()).hexdigest()


def check_rate_limit(info, limit: RateLimit) -> None:
    """Count this request under `limit`; RateLimited (a DomainError) when over it."""
    apply_rate_limits(info, (limit,))


def apply_rate_limits(info, limits) -> None:
    """Count the request under each limit that applies to it, in one round trip to the
    store; the first refusal raises RateLimited and stops the count (later limits are not
    used up)."""
    hits = []
    for limit in limits or ():
        value, window = limit.values()
        key = limit.key(info.context) if value > 0 else None
        if key is not None:
            hits.append((f"{limit.scope}-{limit.per}", key, value, window))
    if hits:
        rate_limits.check_all(hits)


def note_retry_after(request, seconds) -> None:
    """Remember that the answer should carry `Retry-After: seconds` (the longest one wins)."""
    if request is None or seconds is None:
        return
    seconds = max(1, math.ceil(float(seconds)))
    request.graphql_retry_after = max(getattr(request, "graphql_retry_after", 0), seconds)


def note_details(request, details) -> None:
    for detail in details:
        note_retry_after(request, detail.extra.get("retry_after"))


def retry_after_of(request) -> int | None:
    return getattr(request, "graphql_retry_after", None)
