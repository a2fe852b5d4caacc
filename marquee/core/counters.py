"""Fixed-window counters shared by every process: one atomic increment per hit.

A limit is only as good as its counter. Each process keeping its own count
(Django's local-memory cache) lets N workers grant N times the limit, and a
read-then-write counter loses increments under concurrency. Both stores
here increment and read the new value, and the time left in the window, in
one atomic step:

- PostgreSQL: one `INSERT ... ON CONFLICT DO UPDATE SET count = count + 1
  ... RETURNING count, seconds left`. The conflicting row is locked for the
  statement, so concurrent increments queue and each sees its own new
  value. The statement runs on a connection of its own in autocommit:
  inside the request's transaction a refused request would roll its own
  increment back, and other workers would not see it until the request
  ended. The table is any with the columns (key primary key, count,
  expires_at): the login attempt counters (`accounts.AttemptCounter`) and
  the rate limits (`core.RateLimitCounter`) each have their own.
- Redis: INCR, and EXPIRE when the key has no expiry yet, in one Lua
  script, so a crash between the two never leaves a counter that never
  expires; the script returns the key's TTL too.

A window is fixed: it starts with the first hit and is not extended by later
ones, so a refusal always ends `window` seconds after the window began.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

from . import stores

_REDIS_HIT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


def _upsert(table: str) -> str:
    return f"""
INSERT INTO {table} (key, count, expires_at)
VALUES (%s, 1, clock_timestamp() + make_interval(secs => %s))
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN {table}.expires_at <= clock_timestamp()
                 THEN 1 ELSE {table}.count + 1 END,
    expires_at = CASE WHEN {table}.expires_at <= clock_timestamp()
                      THEN EXCLUDED.expires_at ELSE {table}.expires_at END
RETURNING count, CEIL(EXTRACT(EPOCH FROM expires_at - clock_timestamp()))::int
"""  # noqa: S608 (the table name is ours, values are parameters)


class DatabaseCounters:
    """Counters in a PostgreSQL table (key, count, expires_at)."""

    def __init__(self, table: str):
        self.table = table
        self._sql = _upsert(table)

    @contextmanager
    def _cursor(self):
        """A cursor on a short-lived connection outside the request's transaction.

        Not taken from the pool: a request already holding a pooled
        connection and waiting for a second one could exhaust it under the
        very burst of requests this counts.
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
    def incrementing(self):
        """Yields `increment(key, window) -> (count, seconds left in its window)`, one
        statement each, all on one connection."""
        with self._cursor() as cursor:

            def increment(key: str, window: int) -> tuple[int, int]:
                cursor.execute(self._sql, [key, window])
                count, left = cursor.fetchone()
                return int(count), max(1, int(left))

            yield increment

    def clear(self, *keys: str) -> None:
        with self._cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE key = ANY(%s)", [list(keys)])  # noqa: S608

    def purge_expired(self) -> int:
        with self._cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE expires_at <= clock_timestamp()")  # noqa: S608
            return cursor.rowcount

    def clear_all(self) -> None:
        with self._cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")  # noqa: S608


class RedisCounters:
    """Counters in Redis under `prefix`; each hit one script call."""

    def __init__(self, url: str, prefix: str):
        self.client = stores.redis_client(url)
        self.prefix = prefix
        self._hit = self.client.register_script(_REDIS_HIT)

    @contextmanager
    def incrementing(self):
        def increment(key: str, window: int) -> tuple[int, int]:
            count, ttl = self._hit(keys=[self.prefix + key], args=[window])
            return int(count), max(1, int(ttl))

        yield increment

    def clear(self, *keys: str) -> None:
        self.client.delete(*(self.prefix + key for key in keys))

    def purge_expired(self) -> int:
        return 0  # Redis expires keys itself

    def clear_all(self) -> None:
        for key in self.client.scan_iter(match=self.prefix + "*", count=500):
            self.client.delete(key)
