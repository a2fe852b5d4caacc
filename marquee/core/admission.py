"""A waiting room: buyers are let in in the order they arrived, at a set rate.

When a drop opens, everyone arrives in the same second; the database can
take a few hundred reservations a second, not ten thousand. A room hands
each arrival a numbered ticket and admits the numbers at `rate` per second
after a first `burst`, so the database sees a steady flow and every buyer
sees how many are ahead. Rooms are plain strings (the drops part names one
per drop); nothing here knows what is sold.

The algorithm (no SQL anywhere, one Redis round trip per call):

- **join**: an atomic counter gives the next number n (Redis `HINCRBY`, or
  an increment under a lock in-process). The first join also stores the
  room's open time t0 beside the counter: the moment of that join, or
  `opens_at` when the caller names a later one (a drop's start: buyers who
  queue before it must not all be let in at once when it starts, as they
  would be if the room had been admitting since the first of them came).
  The ticket is the signed pair (room, n) (`django.core.signing`): it
  cannot be forged and a ticket of one room is refused by another
  (`InvalidTicket`).
- **admission**: ticket n is admitted once `n <= burst + rate * (now - t0)`
  (and nobody before t0). Nothing is stored per ticket; the clock does the
  work. A ticket once admitted stays admitted (the bound only grows).
- **status**: position = n - floor(burst + rate * (now - t0)), the tickets
  still ahead of it, counting itself; retry_after = the time until n is
  admitted, (n - burst) / rate - (now - t0), but at most
  `ADMISSION_POLL_SECONDS`, so a client polls at least that often and sees
  SOLD_OUT soon after it happens.
- **sold out**: a flag per room (`mark_sold_out`, `clear_sold_out`,
  `is_sold_out`). While it is set, a waiting ticket (and a new one) reads
  SOLD_OUT; an admitted ticket stays ADMITTED (its holder may already hold
  a reservation; units given back may be sold again after
  `clear_sold_out`). `is_sold_out` keeps a per-process copy for at most
  `SOLD_OUT_CACHE_SECONDS`, so after a sell-out new arrivals are answered
  without a network round trip either.
- **keys seen** (`sold_out_for_key`): a sold-out answer must not reach a
  retry whose first attempt holds units (its answer lost to a timeout): the
  retry is owed that first answer. So a request under an idempotency key
  asks the room in one round trip: while the room is open its key is
  remembered; once sold out, a key never seen is answered SOLD_OUT (it
  cannot hold anything) and a key seen before is sent on to look. The
  flag and the keys live in the same store and are lost together (a Redis
  restart): whoever sets the flag again passes the keys that committed
  (`mark_sold_out(room, keys)`, from the database), so a key that holds
  units is never unknown to a room that says sold out.

With `REDIS_URL` set every process shares the room (and it survives a web
process restart). `now` and t0 are both read from Redis' own clock (`TIME`
inside the Lua script), so web processes whose clocks disagree still agree
on who is admitted (an `opens_at` is an instant the caller read from the
database, the same for every process). Redis down or unreachable raises `AdmissionUnavailable`
within the store's socket timeout (`marquee.core.stores`), never a hang.
If Redis restarts without its data, the room is reopened by the first
ticket that asks: the signed number proves that many were issued, so the
counter is raised to it and no later arrival overtakes it; t0 becomes the
moment of the restart, so the waiting tickets wait again from there (the
burst is let in first). Without `REDIS_URL` the room lives in the process
(one process only: the embedded default).

Tuning, and an adaptive rate (not built): set `rate` a little under what
the hot path sustains (reservations per second, see `bench/drop.py`) and
`burst` to about a second's worth. A room could follow the drop instead:
count admitted tickets that have not reserved within a few seconds (the
reserve call would mark the ticket converted, `HINCRBY converted 1`); when
admitted - converted grows (buyers admitted but not yet buying, or the
database slowing down), lower the effective rate, and raise it back while
conversions keep up. The open time would then no longer be enough: the
admitted bound would be stored and advanced by each status call
(`bound = min(count, bound + rate_now * (now - last))`), in the same script.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing

from . import stores
from .exceptions import DomainError, ErrorDetail

WAITING = "WAITING"
ADMITTED = "ADMITTED"
SOLD_OUT = "SOLD_OUT"

# How long a process may answer is_sold_out from its own copy of the flag.
SOLD_OUT_CACHE_SECONDS = 1.0
# A room's state in Redis expires this long after its last join or status.
ROOM_TTL_SECONDS = 7 * 24 * 3600

_SALT = "marquee.core.admission.ticket"


class InvalidTicket(DomainError):
    """A ticket that was not issued by this room (forged, altered, or another room's)."""

    def __init__(self, message: str = "This waiting-room ticket is not valid for this room."):
        super().__init__(ErrorDetail(code="INVALID_TICKET", message=message, field="ticket"))


class AdmissionUnavailable(stores.StoreUnavailable):
    """The waiting room's store cannot be reached (code UNAVAILABLE, with `retry_after`)."""

    what = "The waiting room"


@dataclass(frozen=True)
class Ticket:
    token: str
    number: int


@dataclass(frozen=True)
class TicketStatus:
    state: str  # WAITING | ADMITTED | SOLD_OUT
    position: int  # tickets still ahead, counting this one; 0 unless WAITING
    retry_after: float  # seconds until it is worth asking again; 0 unless WAITING
    number: int = 0


@dataclass(frozen=True)
class _RoomClock:
    opened: float  # t0, seconds on the store's clock
    now: float
    sold_out: bool


# --- the rule ---------------------------------------------------------------


def admitted_bound(elapsed: float, *, rate: float, burst: int) -> int:
    """How many tickets are admitted `elapsed` seconds after the room opened (none before)."""
    if elapsed < 0:
        return 0
    # The epsilon absorbs float error (100.1 - 100.0 < 0.1); clocks have microseconds.
    return int(math.floor(max(0, burst) + max(0.0, rate) * max(0.0, elapsed) + 1e-6))


def evaluate(
    number: int, *, opened: float, now: float, rate: float, burst: int, sold_out: bool
) -> TicketStatus:
    """The status of ticket `number` at `now` in a room opened at `opened` (pure arithmetic)."""
    elapsed = now - opened
    bound = admitted_bound(elapsed, rate=rate, burst=burst)
    if number <= bound:
        return TicketStatus(ADMITTED, 0, 0.0, number)
    if sold_out:
        return TicketStatus(SOLD_OUT, 0, 0.0, number)
    poll = float(settings.ADMISSION_POLL_SECONDS)
    if rate > 0:
        wait = max(0, number - max(0, burst)) / rate - elapsed
    else:
        wait = -elapsed if elapsed < 0 and number <= burst else poll
    return TicketStatus(WAITING, number - bound, round(min(poll, max(wait, 0.05)), 3), number)


# --- tickets ----------------------------------------------------------------


def _sign(room: str, number: int) -> str:
    return signing.dumps([room, number], salt=_SALT, compress=False)


def _number(room: str, token: str) -> int:
    try:
        signed_room, number = signing.loads(str(token or ""), salt=_SALT)
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise InvalidTicket() from exc
    if signed_room != room or not isinstance(number, int) or number < 1:
        raise InvalidTicket()
    return number


# --- stores -----------------------------------------------------------------


class LocalRooms:
    """Rooms in this process: a counter and an open time per room, under one lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rooms: dict[str, list] = {}  # room -> [count, opened]
        self._sold_out: set[str] = set()
        self._keys: dict[str, set[str]] = {}

    def join(self, room: str, opens_at: float = 0.0) -> tuple[int, _RoomClock]:
        with self._lock:
            now = time.time()
            state = self._rooms.setdefault(room, [0, max(now, opens_at)])
            state[0] += 1
            return state[0], _RoomClock(state[1], now, room in self._sold_out)

    def clock(self, room: str, number: int, opens_at: float = 0.0) -> _RoomClock:
        with self._lock:
            now = time.time()
            state = self._rooms.setdefault(room, [0, max(now, opens_at)])
            state[0] = max(state[0], number)
            return _RoomClock(state[1], now, room in self._sold_out)

    def issued(self, room: str) -> int:
        with self._lock:
            return self._rooms.get(room, [0])[0]

    def reopen(self, room: str, opens_at: float) -> None:
        with self._lock:
            if room in self._rooms:
                self._rooms[room][1] = opens_at

    def set_sold_out(self, room: str, value: bool, keys=()) -> None:
        with self._lock:
            self._keys.setdefault(room, set()).update(keys)
            (self._sold_out.add if value else self._sold_out.discard)(room)

    def sold_out_for_key(self, room: str, member: str) -> bool:
        with self._lock:
            seen = self._keys.setdefault(room, set())
            if room in self._sold_out:
                return member not in seen
            seen.add(member)
            return False

    def sold_out(self, room: str) -> bool:
        with self._lock:
            return room in self._sold_out

    def reset(self, room: str) -> None:
        with self._lock:
            self._rooms.pop(room, None)
            self._sold_out.discard(room)
            self._keys.pop(room, None)


# KEYS: room hash, sold-out flag; ARGV: ticket number (0 = a new arrival), ttl,
# opens_at (epoch seconds, 0 = now).
# Returns {number, opened, now, sold_out}; times as strings (Lua numbers would be truncated).
_ROOM_SCRIPT = """
local t = redis.call('TIME')
local now = t[1] .. '.' .. string.format('%06d', tonumber(t[2]))
local n = tonumber(ARGV[1])
if n == 0 then
    n = redis.call('HINCRBY', KEYS[1], 'count', 1)
else
    local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
    if count < n then
        redis.call('HSET', KEYS[1], 'count', n)
    end
end
local opens = now
if tonumber(ARGV[3]) > tonumber(now) then
    opens = ARGV[3]
end
redis.call('HSETNX', KEYS[1], 'opened', opens)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {n, redis.call('HGET', KEYS[1], 'opened'), now, redis.call('EXISTS', KEYS[2])}
"""


# KEYS: sold-out flag, keys seen; ARGV: the request's key, ttl.
# Returns 1 when the request is to be answered SOLD_OUT (sold out, key never seen).
_KEY_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return 1 - redis.call('SISMEMBER', KEYS[2], ARGV[1])
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 0
"""


# KEYS: room hash; ARGV: the new open time. A room nobody joined yet is left absent.
_REOPEN_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    redis.call('HSET', KEYS[1], 'opened', ARGV[1])
end
return 0
"""


class RedisRooms:
    """Rooms in Redis: a hash {count, opened} per room, a sold-out key and the keys seen."""

    def __init__(self, url: str):
        self.client = stores.redis_client(url)
        self._room = self.client.register_script(_ROOM_SCRIPT)
        self._key_check = self.client.register_script(_KEY_SCRIPT)
        self._reopen = self.client.register_script(_REOPEN_SCRIPT)
        self._flags: dict[str, tuple[bool, float]] = {}

    @staticmethod
    def _keys(room: str) -> list[str]:
        return [
            stores.key("admission", "room", room),
            stores.key("admission", "sold-out", room),
            stores.key("admission", "keys", room),
        ]

    def _call(self, room: str, number: int, opens_at: float) -> tuple[int, _RoomClock]:
        try:
            args = [number, ROOM_TTL_SECONDS, repr(float(opens_at))]
            answer = self._room(keys=self._keys(room)[:2], args=args)
            n, opened, now, sold = answer
        except stores.redis_errors() as exc:
            raise AdmissionUnavailable() from exc
        clock = _RoomClock(float(opened), float(now), bool(sold))
        self._flags[room] = (clock.sold_out, time.monotonic())
        return int(n), clock

    def join(self, room: str, opens_at: float = 0.0) -> tuple[int, _RoomClock]:
        return self._call(room, 0, opens_at)

    def clock(self, room: str, number: int, opens_at: float = 0.0) -> _RoomClock:
        return self._call(room, number, opens_at)[1]

    def issued(self, room: str) -> int:
        try:
            return int(self.client.hget(self._keys(room)[0], "count") or 0)
        except stores.redis_errors() as exc:
            raise AdmissionUnavailable() from exc

    def reopen(self, room: str, opens_at: float) -> None:
        try:
            self._reopen(keys=self._keys(room)[:1], args=[repr(float(opens_at))])
        except stores.redis_errors() as exc:
            raise AdmissionUnavailable() from exc

    def set_sold_out(self, room: str, value: bool, keys=()) -> None:
        _room, flag, seen = self._keys(room)
        keys = list(keys)
        try:
            with self.client.pipeline(transaction=True) as pipe:
                if keys:
                    pipe.sadd(seen, *keys)
                    pipe.expire(seen, ROOM_TTL_SECONDS)
                if value:
                    pipe.set(flag, 1, ex=ROOM_TTL_SECONDS)
                else:
                    pipe.delete(flag)
                pipe.execute()
        except stores.redis_errors() as exc:
            raise AdmissionUnavailable() from exc
        self._flags[room] = (value, time.monotonic())

    def sold_out_for_key(self, room: str, member: str) -> bool:
        _room, flag, seen = self._keys(room)
        try:
            answer = self._key_check(keys=[flag, seen], args=[member, ROOM_TTL_SECONDS])
        except stores.redis_errors() as exc:
            raise AdmissionUnavailable() from exc
        return bool(int(answer))

    def sold_out(self, room: str) -> bool:
        cached = self._flags.get(room)
        if cached and time.monotonic() - cached[1] < SOLD_OUT_CACHE_SECONDS:
            return cached[0]
        try:
            value = bool(self.client.exists(self._keys(room)[1]))
        except stores.redis_errors() as exc:
            raise AdmissionUnavailable() from exc
        self._flags[room] = (value, time.monotonic())
        return value

    def reset(self, room: str) -> None:
        try:
            self.client.delete(*self._keys(room))
        except stores.redis_errors() as exc:
            raise AdmissionUnavailable() from exc
        self._flags.pop(room, None)


_local = LocalRooms()
_redis_rooms: dict[str, RedisRooms] = {}


def rooms() -> LocalRooms | RedisRooms:
    """The configured store, read at each call so settings overrides apply."""
    url = stores.redis_url()
    if not url:
        return _local
    if url not in _redis_rooms:
        _redis_rooms[url] = RedisRooms(url)
    return _redis_rooms[url]


# --- the interface ----------------------------------------------------------


def _epoch(opens_at) -> float:
    if opens_at is None:
        return 0.0
    return opens_at.timestamp() if isinstance(opens_at, datetime) else float(opens_at)


def join(room: str, *, rate: float, burst: int, opens_at: datetime | None = None) -> Ticket:
    """A new arrival's ticket: the next number in the room, signed.

    `opens_at`: when admission starts, if later than the room's first join
    (read only by the join that creates the room).
    """
    number, _clock = rooms().join(room, _epoch(opens_at))
    return Ticket(token=_sign(room, number), number=number)


def status(
    room: str, token: str, *, rate: float, burst: int, opens_at: datetime | None = None
) -> TicketStatus:
    """Where a ticket stands: WAITING (with its position), ADMITTED, or SOLD_OUT.

    `opens_at` as for `join`, used only if the store lost the room.
    """
    number = _number(room, token)
    clock = rooms().clock(room, number, _epoch(opens_at))
    return evaluate(
        number,
        opened=clock.opened,
        now=clock.now,
        rate=rate,
        burst=burst,
        sold_out=clock.sold_out,
    )


def admitted(
    room: str, token: str, *, rate: float, burst: int, opens_at: datetime | None = None
) -> bool:
    return status(room, token, rate=rate, burst=burst, opens_at=opens_at).state == ADMITTED


def issued(room: str) -> int:
    """How many tickets the room has handed out."""
    return rooms().issued(room)


def reopen(room: str, opens_at: datetime) -> None:
    """Admission starts again from `opens_at` (a drop moved to another start).

    Tickets keep their numbers, so nobody who queued is overtaken; they are
    admitted from the new time at the room's rate, as if it had opened then.
    A ticket already admitted waits again when the opening moves later.
    """
    rooms().reopen(room, _epoch(opens_at))


def key_member(owner: str, key: str) -> str:
    """How a request's idempotency key is remembered: its owner's and its own (both printable)."""
    return f"{owner}\n{key}"


def mark_sold_out(room: str, keys=()) -> None:
    """Set the flag; `keys` (`key_member` strings) are the keys whose requests hold units."""
    rooms().set_sold_out(room, True, keys)


def sold_out_for_key(room: str, member: str) -> bool:
    """Answer SOLD_OUT to a request under this key? Never for a key seen before the sell-out.

    While the room is open the key is remembered (one round trip in all).
    """
    return rooms().sold_out_for_key(room, member)


def clear_sold_out(room: str) -> None:
    rooms().set_sold_out(room, False)


def is_sold_out(room: str) -> bool:
    return rooms().sold_out(room)


def reset(room: str) -> None:
    """Forget the room: its counter, open time, sold-out flag and keys (a drop run again)."""
    rooms().reset(room)
