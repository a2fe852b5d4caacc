"""The waiting room in Redis: one room for every process, kept across restarts, bounded failures.

A ticket taken in this process is read from another one (a fresh Python
process, as a second web worker or a restarted one is); the open time and
"now" come from Redis' clock; a Redis that is down or silent answers
`AdmissionUnavailable` within the socket timeout.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from marquee.core import admission, stores
from marquee.core.admission import ADMITTED, SOLD_OUT, WAITING
from tests.servers import database_url

from .conftest import TEST_KEY_PREFIX, TEST_REDIS_URL

REPO = Path(__file__).resolve().parents[2]
SLOW = {"rate": 0.001, "burst": 2}

_OTHER_PROCESS = """
import json, sys
import django
django.setup()
from marquee.core import admission
room, token, action = sys.argv[1], sys.argv[2], sys.argv[3]
slow = {"rate": 0.001, "burst": 2}
if action == "join":
    ticket = admission.join(room, **slow)
    print(json.dumps({"token": ticket.token, "number": ticket.number}))
else:
    status = admission.status(room, token, **slow)
    print(json.dumps({"state": status.state, "position": status.position,
                      "sold_out": admission.is_sold_out(room)}))
"""


def in_another_process(room: str, action: str, token: str = "-") -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marquee.settings",
        "REDIS_URL": TEST_REDIS_URL,
        "REDIS_KEY_PREFIX": TEST_KEY_PREFIX,
        # The database is never used; naming it spares the child an embedded server.
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    result = subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, room, token, action],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_another_process_sees_the_same_room(redis_store, room):
    tickets = [admission.join(room, **SLOW) for _ in range(4)]
    seen = in_another_process(room, "status", tickets[3].token)
    assert seen == {"state": WAITING, "position": 2, "sold_out": False}
    # A ticket taken there comes next here.
    theirs = in_another_process(room, "join")
    assert theirs["number"] == 5
    assert admission.status(room, theirs["token"], **SLOW).position == 3
    admission.mark_sold_out(room)
    assert in_another_process(room, "status", tickets[3].token)["state"] == SOLD_OUT
    assert in_another_process(room, "status", tickets[0].token)["state"] == ADMITTED


def test_the_room_outlives_the_process_that_filled_it(redis_store, room):
    theirs = [in_another_process(room, "join") for _ in range(3)]
    assert [t["number"] for t in theirs] == [1, 2, 3]
    # That process has exited; a new one (a restarted worker) and this one agree.
    assert in_another_process(room, "status", theirs[2]["token"])["position"] == 1
    assert admission.status(room, theirs[2]["token"], **SLOW).position == 1
    assert admission.join(room, **SLOW).number == 4


def test_times_are_read_from_the_redis_clock(redis_store, room):
    admission.join(room, **SLOW)
    client = stores.redis_client()
    seconds, micros = client.time()
    opened = float(client.hget(stores.key("admission", "room", room), "opened"))
    assert abs((seconds + micros / 1e6) - opened) < 5


def test_a_room_lost_by_redis_is_reopened_without_letting_anyone_overtake(redis_store, room):
    tickets = [admission.join(room, **SLOW) for _ in range(5)]
    redis_store.client.delete(stores.key("admission", "room", room))  # a restart without data
    assert admission.status(room, tickets[4].token, **SLOW).position == 3
    assert admission.join(room, **SLOW).number == 6
    assert admission.status(room, tickets[0].token, **SLOW).state == ADMITTED


def test_the_sold_out_copy_in_a_process_lasts_at_most_a_second(redis_store, room):
    assert admission.is_sold_out(room) is False
    # Another process marks the room sold out behind this one's back.
    redis_store.client.set(stores.key("admission", "sold-out", room), 1)
    deadline = time.monotonic() + 3
    while not admission.is_sold_out(room):
        assert time.monotonic() < deadline, "the sold-out flag was never seen"
        time.sleep(0.05)


def _assert_unavailable(call):
    with pytest.raises(admission.AdmissionUnavailable) as refused:
        call()
    assert refused.value.details[0].code == "UNAVAILABLE"
    assert refused.value.retry_after >= 1


def test_a_redis_that_is_down_is_a_retryable_error(settings, room):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.REDIS_KEY_PREFIX = TEST_KEY_PREFIX
    _assert_unavailable(lambda: admission.join(room, **SLOW))
    _assert_unavailable(lambda: admission.is_sold_out(room))
    _assert_unavailable(lambda: admission.mark_sold_out(room))


def test_a_redis_that_never_answers_is_a_retryable_error_not_a_hang(settings, room):
    """A peer that accepts the connection and never replies: the read times out."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        settings.REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.REDIS_KEY_PREFIX = TEST_KEY_PREFIX
        started = time.monotonic()
        _assert_unavailable(lambda: admission.join(room, **SLOW))
        # One attempt, bounded by the socket timeout (generous margin for a busy machine).
        assert time.monotonic() - started < 10 * stores.SOCKET_TIMEOUT


def test_a_connection_redis_dropped_is_replaced_on_the_next_call(redis_store, room):
    """After a Redis restart every pooled connection is broken: the next call reconnects."""
    first = admission.join(room, **SLOW)
    client = redis_store.client
    own_id = client.client_id()
    killer = redis.Redis.from_url(TEST_REDIS_URL)
    assert killer.client_kill_filter(_id=own_id) == 1
    killer.close()
    assert admission.status(room, first.token, **SLOW).state == ADMITTED
    assert client.client_id() != own_id
