"""PostgreSQL embedded through `pgserver` for machines with nothing installed.

`make run` and `make test` must work on a machine that has only Python, so
when `DATABASE_URL` is unset the settings start a real PostgreSQL server from
the `pgserver` wheel with its data under `.data/`. The server is shared by
every process that asks for it and stops when the last of them exits; the
data directory persists, so a second start reuses the same database.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path


def embedded_database_settings(data_dir: Path) -> dict:
    """Start (or join) the embedded server and return a Django DATABASES entry."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI).
        warnings.simplefilter("ignore")
        import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    _repair_handle_list(data_dir / ".handle_pids.json")
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    # Keep a reference for the life of the process: dropping it may stop the
    # server while Django still holds connections.
    _servers.append(server)
    socket_dir = _socket_dir_from_uri(server.get_uri())
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("EMBEDDED_DATABASE_NAME", "marquee"),
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
        "_EMBEDDED_SERVER_URI": server.get_uri(),
    }


def ensure_database_exists(uri: str, name: str) -> None:
    """Create the application database on the embedded server on first start."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _repair_handle_list(path: Path) -> None:
    """Keep pgserver's list of processes sharing the server readable.

    pgserver rewrites this JSON list in place; a process killed mid-write
    leaves it empty or cut short and every later start fails to parse it.
    Dead processes are dropped too, so the server stops with the last live one.
    """
    if not path.exists():
        return
    try:
        pids = json.loads(path.read_text() or "[]")
        if not isinstance(pids, list):
            raise ValueError
    except ValueError:
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and _process_alive(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _socket_dir_from_uri(uri: str) -> str:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(uri).query)["host"][0]


_servers: list = []
