"""The shared Redis behind admission and rate limits, and how to tell it is down.

One client per URL and process (redis-py pools its connections). Every call
is bounded: connecting and each reply time out after `SOCKET_TIMEOUT`
seconds and nothing is retried (a pooled connection that Redis closed, as
a restart does, is noticed and replaced before it is used, by redis-py's
pool), so a Redis that is down or silent costs a request at most about a
second, never a hang, and the caller turns the
`redis.RedisError` into an error the client can retry (admission raises
`AdmissionUnavailable`, the API answers `UNAVAILABLE` with `Retry-After`).

Keys are `REDIS_KEY_PREFIX` + ":" + the module's own part, so several
shops (or test runs) can share one Redis.
"""

from __future__ import annotations

import functools
import math

from django.conf import settings

from .exceptions import DomainError, ErrorDetail

# Seconds to connect and to wait for each reply; at most one attempt.
SOCKET_TIMEOUT = 0.5


@functools.cache
def _client(url: str):
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        retry_on_timeout=False,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=0,
    )


def redis_url() -> str:
    """The configured shared Redis, read at each call so settings overrides apply."""
    return settings.REDIS_URL


def redis_client(url: str | None = None):
    """The process's client for `url` (default REDIS_URL)."""
    return _client(url or redis_url())


def key(*parts: str) -> str:
    return ":".join([settings.REDIS_KEY_PREFIX, *parts])


def redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError, OSError)


class StoreUnavailable(DomainError):
    """The shared store cannot be reached; the client should try again shortly.

    Code `UNAVAILABLE`, with `retry_after` (seconds) for the HTTP `Retry-After`.
    """

    what = "This service"

    def __init__(self, retry_after: int | None = None):
        self.retry_after = retry_after or max(1, math.ceil(settings.ADMISSION_POLL_SECONDS))
        super().__init__(
            ErrorDetail(
                code="UNAVAILABLE",
                message=f"{self.what} is briefly unavailable; try again in {self.retry_after} s.",
                extra={"retry_after": self.retry_after},
            )
        )
