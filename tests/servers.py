"""Real servers for tests that must cross a process boundary: gunicorn on the test database.

The login limit must hold across worker processes and the production headers
come from the production settings, so those tests talk HTTP to gunicorn
started as a deployment starts it (with `marquee.gunicorn_conf`), serving the
test database that pytest-django created.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx

REPO = Path(__file__).resolve().parents[1]
STRONG_KEY = secrets.token_urlsafe(64)
# Variables of the test run's environment that would change the server under test.
_NOT_INHERITED = (
    "GUNICORN_CMD_ARGS",
    "GRAPHIQL_ENABLED",
    "JWT_SECRET",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "AWS_STORAGE_BUCKET_NAME",
)


def production_env(
    database_url: str, *, data_dir: Path, broker_url: str = "", redis_url: str = "", **extra: str
) -> dict[str, str]:
    """The environment of a server started as production starts it: DEBUG off, a strong key,
    the offline test gateway (which takes no money), the database and, when given, the broker."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "marquee.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MARQUEE_DATA_DIR": str(data_dir),
            "OFFLINE_PAYMENTS_ENABLED": "1",
            "OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "CELERY_BROKER_URL": broker_url,
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(db: dict) -> str:
    """A DATABASE_URL for a Django connection's settings (a socket directory or a host)."""
    host = db["HOST"] or "127.0.0.1"
    host = quote(host, safe="") if host.startswith("/") else host
    port = f":{db['PORT']}" if db["PORT"] else ""
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{host}{port}/{quote(db['NAME'], safe='')}"


@contextmanager
def gunicorn(env: dict, log: Path, *args: str, ready_path: str = "/graphql/", timeout=90):
    """Serve the project for the block and yield its base URL; output goes to `log`.

    `args` are extra gunicorn options (workers, threads, access log...).
    """
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "marquee.wsgi:application",
        "--config",
        "python:marquee.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        *args,
    ]
    with log.open("w") as output:
        process = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
            try:
                httpx.get(f"{url}{ready_path}", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"gunicorn did not answer:\n{log.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.2)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=15)


def worker_pids(master: int) -> list[int]:
    """The master's children: its workers."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text()
    return [int(pid) for pid in children.split()]


def tcp_sockets(port: int) -> list[tuple[str, int]]:
    """(state, inode) of every IPv4/IPv6 TCP socket whose local port is `port`.

    States are the kernel's: "0A" listening, "01" established.
    """
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port:
                found.append((fields[3], int(fields[9])))
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        fds = list(fd_dir.iterdir())
    except FileNotFoundError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def sockets_by_worker(master: int, port: int) -> dict[int, dict[str, int]]:
    """For each worker of `master`: how many sockets on `port` it listens on and holds open.

    Seen from the server side (the kernel's socket tables and each worker's file
    descriptors), so the server need not tell clients anything about itself.
    """
    by_state: dict[int, str] = {}
    for state, inode in tcp_sockets(port):
        by_state[inode] = state
    result = {}
    for pid in worker_pids(master):
        held = _socket_inodes(pid)
        states = [by_state[inode] for inode in held if inode in by_state]
        result[pid] = {
            "listening": states.count("0A"),
            "connections": states.count("01"),
        }
    return result
