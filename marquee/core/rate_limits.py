"""Fixed-window rate limits shared by every worker, with the wait a client should observe.

`hit(scope, key, limit=, window_seconds=)` counts one request of `key` (a
client IP, an account id) under the limit named `scope` (e.g. "drop-ip")
and says whether it is allowed and, when it is not, how many seconds
remain until the window ends (`Retry-After`). The count is one atomic
increment in a store every process shares (`core.counters`): Redis when
`REDIS_URL` is set (one Lua script: INCR, EXPIRE on the first hit, TTL),
otherwise the `core.RateLimitCounter` table (one autocommit upsert on a
connection of its own, so a refused request's count is not rolled back with
its transaction). A refused request is counted too: hammering a limit keeps
it shut until the window ends, and not longer (windows are fixed, from the
first hit).

Keys are stored as digests of (scope, window, key): neither table nor Redis
holds a client's address. If Redis is unreachable, `hit` raises
`RateLimitUnavailable` (a `stores.StoreUnavailable`: code UNAVAILABLE,
retryable, with `retry_after`) within the store's socket
timeout: a limit that cannot be counted is not waved through.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from . import stores
from .counters import DatabaseCounters, RedisCounters
from .exceptions import DomainError, ErrorDetail
from .models import RateLimitCounter

RATE_LIMITED = "RATE_LIMITED"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window ends; 0 when allowed
    count: int = 0


class RateLimited(DomainError):
    """A request over its limit; `retry_after` seconds until it may be tried again."""

    def __init__(self, retry_after: int, message: str | None = None):
        self.retry_after = max(1, int(math.ceil(retry_after)))
        super().__init__(
            ErrorDetail(
                code=RATE_LIMITED,
                message=message or f"Too many requests; try again in {self.retry_after} s.",
                extra={"retry_after": self.retry_after},
            )
        )


class RateLimitUnavailable(stores.StoreUnavailable):
    what = "Rate limiting"


_database = DatabaseCounters(RateLimitCounter._meta.db_table)
_redis: dict[str, RedisCounters] = {}


def counters() -> DatabaseCounters | RedisCounters:
    """The configured store, read at each call so settings overrides apply."""
    url = stores.redis_url()
    if not url:
        return _database
    if url not in _redis:
        _redis[url] = RedisCounters(url, stores.key("rate", ""))
    return _redis[url]


def _digest(scope: str, key: str, window_seconds: int) -> str:
    return hashlib.sha256(f"{scope}|{window_seconds}|{key}".encode()).hexdigest()


def hit(scope: str, key: str, *, limit: int, window_seconds: int) -> Decision:
    """Count one request of `key` under `scope`; allowed while the window's count <= limit."""
    return hit_all([(scope, key, limit, window_seconds)])[0]


def hit_all(hits: list[tuple[str, str, int, int]]) -> list[Decision]:
    """Count one request under each (scope, key, limit, window_seconds) in turn, on one
    connection; stops after the first refusal (later limits are not used up)."""
    decisions = []
    try:
        with counters().incrementing() as increment:
            for scope, key, limit, window_seconds in hits:
                window = max(1, int(window_seconds))
                count, left = increment(_digest(scope, key, window), window)
                decisions.append(Decision(count <= limit, 0 if count <= limit else left, count))
                if count > limit:
                    break
    except stores.redis_errors() as exc:
        raise RateLimitUnavailable() from exc
    return decisions


def check(scope: str, key: str, *, limit: int, window_seconds: int) -> None:
    """`hit`, raising RateLimited when refused."""
    check_all([(scope, key, limit, window_seconds)])


def check_all(hits: list[tuple[str, str, int, int]]) -> None:
    """`hit_all`, raising RateLimited at the first refusal."""
    for decision in hit_all(hits):
        if not decision.allowed:
            raise RateLimited(decision.retry_after)


def clear_all() -> None:
    """Forget every count in the configured store (tests, or an operator after an incident)."""
    try:
        counters().clear_all()
    except stores.redis_errors() as exc:
        raise RateLimitUnavailable() from exc
