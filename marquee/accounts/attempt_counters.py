"""Counters shared by every process: one atomic increment per attempt.

The stores are the core's fixed-window counters (`marquee.core.counters`,
which explains why each is atomic and why the database one commits on a
connection of its own): the `accounts.AttemptCounter` table by default, or
Redis when `LOGIN_THROTTLE_REDIS_URL` is set (keys under
`marquee:attempts:`). The rate limits of `marquee.core.rate_limits` use the
same stores with a table of their own.

A window is fixed: it starts with the first attempt and is not extended by
later ones, so a lock-out always ends `window` seconds after it began.
"""

from __future__ import annotations

import functools

from django.conf import settings

from marquee.core import counters as core_counters

from .models import AttemptCounter

REDIS_PREFIX = "marquee:attempts:"


class _Counters:
    def reserve(self, limits: list[tuple[str, int]], window: int) -> bool:
        """Count one attempt under each (key, limit) in turn; False at the first over its limit.

        Keys after a refusing one are not counted: an attempt the narrow
        limit already refused must not use up the wider one.
        """
        with self.incrementing() as increment:
            return all(increment(key, window)[0] <= limit for key, limit in limits)


class DatabaseCounters(_Counters, core_counters.DatabaseCounters):
    def __init__(self):
        super().__init__(AttemptCounter._meta.db_table)


class RedisCounters(_Counters, core_counters.RedisCounters):
    def __init__(self, url: str):
        super().__init__(url, REDIS_PREFIX)


@functools.cache
def _redis(url: str) -> RedisCounters:
    return RedisCounters(url)


def counters() -> DatabaseCounters | RedisCounters:
    """The configured store, read at each call so settings overrides apply."""
    url = settings.LOGIN_THROTTLE_REDIS_URL
    return _redis(url) if url else DatabaseCounters()
