"""The production server spreads connections over every worker.

Keep-alive clients open their connections once, at the start; with one
listening socket shared by every worker, the first worker awake accepted
nearly all of them. These tests start gunicorn as production does and look
from the server side (the kernel's socket tables, each worker's descriptors)
at which worker holds which connection.
"""

import os
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.servers import database_url, gunicorn, sockets_by_worker, tcp_sockets, worker_pids

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 2
CONNECTIONS = 24  # all on one worker by chance: 2 x 2**-24


def _environment(tmp_path, db_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "DB_POOL_ENABLED": "0",
        "DEBUG": "1",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "MARQUEE_DATA_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
    }


def _wait_for(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return value


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """One server for the module; the test that kills a worker runs last."""
    with django_db_blocker.unblock():
        db_url = database_url(connection.settings_dict)
    tmp_path = tmp_path_factory.mktemp("serving")
    with gunicorn(
        _environment(tmp_path, db_url),
        tmp_path / "server.log",
        f"--workers={WORKERS}",
        "--worker-class=gthread",
        "--threads=2",
        "--timeout=120",
        ready_path="/admin/login/",
    ) as (url, master):
        port = urlsplit(url).port
        # Every worker listens (its socket exists from the fork) and is loaded.
        _wait_for(
            lambda: (
                len(worker_pids(master)) == WORKERS
                and all(s["listening"] == 1 for s in sockets_by_worker(master, port).values())
            ),
            "every worker's socket",
        )
        yield url, master, port


def _open_keepalive(url: str, count: int) -> list[socket.socket]:
    """`count` HTTP/1.1 connections, each having had one answer and kept open."""
    parts = urlsplit(url)
    request = (
        f"GET /admin/login/ HTTP/1.1\r\nHost: 127.0.0.1:{parts.port}\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    opened = []
    for _ in range(count):
        sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        sock.sendall(request)
        assert sock.recv(65536).startswith(b"HTTP/1.1 "), "no answer"
        opened.append(sock)
    return opened


def test_every_worker_listens_on_its_own_socket(server):
    _url, master, port = server
    sockets = sockets_by_worker(master, port)
    assert len(sockets) == WORKERS
    assert [s["listening"] for s in sockets.values()] == [1] * WORKERS
    # Distinct sockets, not one inherited from the master: the kernel lists one per worker.
    assert [state for state, _inode in tcp_sockets(port)].count("0A") == WORKERS


def test_keepalive_connections_spread_over_every_worker(server):
    url, master, port = server
    opened = _open_keepalive(url, CONNECTIONS)
    try:
        held = {pid: s["connections"] for pid, s in sockets_by_worker(master, port).items()}
        assert sum(held.values()) == CONNECTIONS, held
        assert all(count > 0 for count in held.values()), held
    finally:
        for sock in opened:
            sock.close()


def test_a_killed_worker_strands_no_new_client(server):
    url, master, port = server
    victim, *survivors = worker_pids(master)
    os.kill(victim, 9)
    # The replacement listens only once it has loaded the application: before
    # that the kernel would queue connections for it that wait for its whole boot.
    replacement = _wait_for(
        lambda: [pid for pid in worker_pids(master) if pid not in (victim, *survivors)],
        "the replacement worker",
    )[0]
    first_seen = sockets_by_worker(master, port).get(replacement)
    assert first_seen == {"listening": 0, "connections": 0}, first_seen
    # While the master forks a replacement, every new connection is answered.
    for _ in range(20):
        assert httpx.get(f"{url}/admin/login/", timeout=30).status_code == 200
    _wait_for(
        lambda: (
            victim not in worker_pids(master)
            and len(worker_pids(master)) == WORKERS
            and all(s["listening"] == 1 for s in sockets_by_worker(master, port).values())
        ),
        "the replacement worker's socket",
    )
    opened = _open_keepalive(url, CONNECTIONS)
    try:
        held = {pid: s["connections"] for pid, s in sockets_by_worker(master, port).items()}
        assert all(count > 0 for count in held.values()), held
    finally:
        for sock in opened:
            sock.close()
