"""Counters shared by every process: one atomic increment per attempt.

A login limit is only as good as its counter. Each process keeping its own
count (Django's local-memory cache) lets N workers grant N times the limit,
and a read-then-write counter loses increments under concurrency. Both
stores here increment and read the new value in one atomic step:

- PostgreSQL (the default): one `INSERT ... ON CONFLICT DO UPDATE SET
  count = count + 1 ... RETURNING count`. The conflicting row is locked
  for the statement, so concurrent increments queue and each sees its own
  new value. The statement runs on a connection of its own in autocommit:
  inside the request's transaction a refused sign-in would roll its own
  increment back, and other workers would not see it until the request
  ended.
- Redis (when `LOGIN_THROTTLE_REDIS_URL` is set): INCR, and EXPIRE when
  the key has no expiry yet, in one Lua script, so a crash between the two
  never leaves a counter that never expires.

A window is fixed: it starts with the first attempt and is not extended by
later ones, so a lock-out always ends `window` seconds after it began.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from .models import AttemptCounter

_TABLE = AttemptCounter._meta.db_table

_UPSERT = f"""
INSERT INTO {_TABLE} (key, count, expires_at)
VALUES (%s, 1, clock_timestamp() + make_interval(secs => %s))
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN {_TABLE}.expires_at <= clock_timestamp()
                 THEN 1 ELSE {_TABLE}.count + 1 END,
    expires_at = CASE WHEN {_TABLE}.expires_at <= clock_timestamp()
                      THEN EXCLUDED.expires_at ELSE {_TABLE}.expires_at END
RETURNING count
"""  # noqa: S608 (the table name is ours, values are parameters)

_REDIS_HIT = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


class _Counters:
    def reserve(self, limits: list[tuple[str, int]], window: int) -> bool:
        """Count one attempt under each (key, limit) in turn; False at the first over its limit.

        Keys after a refusing one are not counted: an attempt the narrow
        limit already refused must not use up the wider one.
        """
        with self._incrementing(window) as increment:
            return all(increment(key) <= limit for key, limit in limits)


class DatabaseCounters(_Counters):
    @contextmanager
    def _cursor(self):
        """A cursor on a short-lived connection outside the request's transaction.

        Not taken from the pool: a request already holding a pooled
        connection and waiting for a second one could exhaust it under the
        very burst of sign-ins this counts.
        """
        base = connections[DEFAULT_DB_ALIAS]
        options = {k: v for k, v in base.settings_dict.get("OPTIONS", {}).items() if k != "pool"}
        own = base.__class__({**base.settings_dict, "OPTIONS": options}, alias=base.alias)
        try:
            with own.cursor() as cursor:
                yield cursor
        finally:
            own.close()

    @contextmanager
    def _incrementing(self, window: int):
        with self._cursor() as cursor:

            def increment(key: str) -> int:
                cursor.execute(_UPSERT, [key, window])
                return cursor.fetchone()[0]

            yield increment

    def clear(self, *keys: str) -> None:
        with self._cursor() as cursor:
            cursor.execute(f"DELETE FROM {_TABLE} WHERE key = ANY(%s)", [list(keys)])  # noqa: S608

    def purge_expired(self) -> int:
        with self._cursor() as cursor:
            cursor.execute(f"DELETE FROM {_TABLE} WHERE expires_at <= clock_timestamp()")  # noqa: S608
            return cursor.rowcount

    def clear_all(self) -> None:
        with self._cursor() as cursor:
            cursor.execute(f"DELETE FROM {_TABLE}")  # noqa: S608


class RedisCounters(_Counters):
    prefix = "marquee:attempts:"

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self._hit = self.client.register_script(_REDIS_HIT)

    @contextmanager
    def _incrementing(self, window: int):
        yield lambda key: int(self._hit(keys=[self.prefix + key], args=[window]))

    def clear(self, *keys: str) -> None:
        self.client.delete(*(self.prefix + key for key in keys))

    def purge_expired(self) -> int:
        return 0  # Redis expires keys itself

    def clear_all(self) -> None:
        for key in self.client.scan_iter(match=self.prefix + "*", count=500):
            self.client.delete(key)


@functools.cache
def _redis(url: str) -> RedisCounters:
    return RedisCounters(url)


def counters() -> DatabaseCounters | RedisCounters:
    """The configured store, read at each call so settings overrides apply."""
    url = settings.LOGIN_THROTTLE_REDIS_URL
    return _redis(url) if url else DatabaseCounters()
