"""Real servers for tests that must cross a process boundary: gunicorn on the test database.

The login limit must hold across worker processes and the production headers
come from the production settings, so those tests talk HTTP to gunicorn
started as a deployment starts it (with `marquee.gunicorn_conf`), serving the
test database that pytest-django created.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx

REPO = Path(__file__).resolve().parents[1]


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
