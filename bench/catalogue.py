"""Catalogue benchmark: Saleor storefront's product list, cache miss and hit, over HTTP.

What it measures, in one run, for Saleor storefront's own `ProductList`
operation (bench/operations/storefront_product_list.graphql, as the
storefront sends it) with `first: 20` and `first: 100` in channel "china":

- the miss path: gunicorn started with GRAPHQL_RESPONSE_CACHE_ENABLED=0, so
  every request is executed; then the hit path: the same server restarted
  with the response cache on. Each at 1 and at 32 keep-alive connections.
  For every phase: requests/s, latency p50/p90/p99/max, the CPU seconds each
  gunicorn worker spent during the measured window (read from
  /proc/<pid>/stat of the master's children), the connections each worker
  held (from the server's side: the kernel's socket table and each worker's
  descriptors), and the CPU milliseconds per request (all workers' CPU over
  the requests served);
- a mixed phase on the hit path: 32 connections read `first: 20` while a
  writer changes one product's price every second with a plain SQL UPDATE of
  the variant listings' price_amount (the cache invalidates by database
  triggers, so any writer counts). Every response's send time and the price
  it showed are recorded; the report gives the responses sent after a
  commit + GRAPHQL_STOCK_STALENESS_SECONDS (read from the server's settings)
  that still showed an older price - which must be 0 - and the hit rate,
  counted from the answers' X-Cache header (HIT or MISS, set by the
  response cache).

Production settings: DEBUG off, gthread workers with one listening socket
each (marquee.gunicorn_conf), pooled database connections. Clients are
several processes on the same machine, each holding keep-alive connections
over raw sockets (an HTTP client library costs more CPU per request than a
cache hit does); every response is checked (HTTP 200, no "errors", exactly
the products asked for) and failures are counted and printed, never folded into
the figures.

How to run, from the repository root:

    .venv/bin/python bench/catalogue.py                 # 2 s warm-up, 10 s per phase
    .venv/bin/python bench/catalogue.py --quick         # a smoke run, about a second a phase
    .venv/bin/python bench/catalogue.py --duration 30 --mixed-duration 60 --json

It (1) drops and recreates a database named `marquee_bench` - on the
DATABASE_URL server if that is set, else on the embedded server under
.data/pg - runs `manage.py migrate` and `manage.py loaddemo` on it and widens
the catalogue to --products products (default 120, bench/catalogue_data.py:
the demo lists 44, and a page of 100 must hold 100), (2)
runs `manage.py collectstatic` and starts gunicorn on a free port of
127.0.0.1 (twice: cache off, then on), (3) runs the phases and prints the
figures with the command that reproduces them, and (4) always stops
gunicorn. Nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from base64 import b64decode
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalogue_data  # noqa: E402 - the bench catalogue, widened past the demo's 44 products

REPO = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "marquee_bench"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}
RUN_LOCK_KEY = zlib.crc32(b"marquee bench/catalogue.py")  # PostgreSQL advisory lock

READY_TIMEOUT = 60.0  # seconds for gunicorn to answer its first request
REQUEST_TIMEOUT = 30.0  # seconds for one request, so no client waits forever
# Production settings refuse a short or published key; each run makes its own.
SERVER_SECRET_KEY = secrets.token_urlsafe(64)
STOP_TIMEOUT = 10.0  # seconds for gunicorn to exit after SIGTERM before SIGKILL
COMMAND_TIMEOUT = 900.0  # seconds for one manage.py command (migrate, loaddemo, ...)
CONNECTION_HEADROOM = 3  # connections left free for psql, this script and the like
FAILURES_SHOWN = 10  # failures printed in full as they happen; the rest are tallied
FAILURE_PAUSE = 0.05  # seconds a client waits after a failed request
CLIENT_START = 0.5  # seconds for the client processes to start before the warm-up
WRITE_INTERVAL = 1.0  # seconds between the mixed phase's price changes
WRITTEN_PRICE_BASE = 1000  # the k-th write sets the price to BASE + k: each price is unique

OPERATION_FILE = REPO / "bench" / "operations" / "storefront_product_list.graphql"
PRODUCT_LIST_QUERY = "\n".join(
    line for line in OPERATION_FILE.read_text().splitlines() if not line.startswith("#")
)
LANGUAGE = "EN"
PAGE_SIZES = (20, 100)
CONNECTIONS = (1, 32)

READY_QUERY = "{ shop { name } }"

# Run in a Django process with the server's environment: the number of SQL
# statements one product-list request executes (the second of two, so that
# per-process caches are warm as they are under load).
SQL_COUNT_SCRIPT = """
import json, os
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
payload = json.loads(os.environ["BENCH_PAYLOAD"])
client = Client(HTTP_HOST="127.0.0.1")
client.post("/graphql/", payload, content_type="application/json")
with CaptureQueriesContext(connection) as queries:
    response = client.post("/graphql/", payload, content_type="application/json")
print(json.dumps({"status": response.status_code, "statements": len(queries)}))
"""

# The staleness bound the server applies (the setting's default where it is not defined).
STALENESS_SCRIPT = """
import django
django.setup()
from django.conf import settings
print(getattr(settings, "GRAPHQL_STOCK_STALENESS_SECONDS", 1))
"""


class BenchError(Exception):
    """A benchmark that cannot run; the message says why."""


def log(message: str) -> None:
    """Progress goes to stderr so that stdout holds only the report (or the JSON)."""
    print(message, file=sys.stderr, flush=True)


# --- Database ---------------------------------------------------------------


@dataclass
class Database:
    """Where the benchmark's data lives and how Django subprocesses reach it."""

    description: str
    admin_conninfo: str  # the server's maintenance database, for DROP/CREATE
    django_env: dict[str, str]  # environment that points Django at the bench database
    keepalive: list = field(default_factory=list)  # embedded server handles

    @property
    def conninfo(self) -> str:
        return make_conninfo(self.admin_conninfo, dbname=BENCH_DATABASE)


def external_database(url: str) -> Database:
    """The DATABASE_URL server, with the database name replaced by the bench's."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "postgis"}:
        raise BenchError(f"DATABASE_URL must be a PostgreSQL URL, got scheme {parts.scheme!r}")
    bench_url = urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    host = parts.hostname or "local socket"
    port = f":{parts.port}" if parts.port else ""
    return Database(
        description=f"DATABASE_URL server {host}{port}, database {BENCH_DATABASE}",
        admin_conninfo=admin_url,
        django_env={"DATABASE_URL": bench_url},
    )


def embedded_database() -> Database:
    """The embedded pgserver under .data/pg, kept running for the whole benchmark."""
    sys.path.insert(0, str(REPO))
    from marquee import embedded_db

    data_dir = Path(os.environ.get("MARQUEE_DATA_DIR", REPO / ".data")) / "pg"
    settings = embedded_db.embedded_database_settings(data_dir)
    return Database(
        description=f"embedded server {data_dir}, database {BENCH_DATABASE}",
        admin_conninfo=settings["_EMBEDDED_SERVER_URI"],
        django_env={"EMBEDDED_DATABASE_NAME": BENCH_DATABASE},
        # Holding the module's server list keeps the server up between the
        # subprocesses (it stops when its last user exits).
        keepalive=[embedded_db],
    )


@contextmanager
def exclusive_use(database: Database):
    """Hold a session advisory lock for the run, so that two runs against one server
    cannot drop each other's database (or share its CPU and skew each other's figures)."""
    with psycopg.connect(database.admin_conninfo, autocommit=True, connect_timeout=10) as conn:
        locked = conn.execute("SELECT pg_try_advisory_lock(%s)", (RUN_LOCK_KEY,)).fetchone()[0]
        if not locked:
            raise BenchError(
                f"another run of this benchmark is using {BENCH_DATABASE} on this server; "
                "wait for it to finish"
            )
        yield  # the lock is released when the connection closes


def recreate_database(database: Database, keep: bool) -> None:
    """Drop (unless keep) and create the bench database."""
    with psycopg.connect(database.admin_conninfo, autocommit=True, connect_timeout=10) as conn:
        if not keep:
            drop_database(conn, BENCH_DATABASE)
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DATABASE,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))


def drop_database(conn: psycopg.Connection, name: str, attempts: int = 5) -> None:
    """Drop a database even if something (a leftover server) is still connected to it."""
    force = conn.info.server_version >= 130000
    statement = sql.SQL("DROP DATABASE IF EXISTS {}{}").format(
        sql.Identifier(name), sql.SQL(" WITH (FORCE)") if force else sql.SQL("")
    )
    for attempt in range(1, attempts + 1):
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        try:
            conn.execute(statement)
            return
        except psycopg.errors.ObjectInUse:
            if attempt == attempts:
                raise
            time.sleep(0.5)


@dataclass
class ServerFacts:
    version: str
    max_connections: int
    reserved_connections: int
    connections_in_use: int


def server_facts(database: Database) -> ServerFacts:
    with psycopg.connect(database.conninfo, connect_timeout=10) as conn:
        version = conn.execute("SELECT version()").fetchone()[0]
        max_connections = int(conn.execute("SHOW max_connections").fetchone()[0])
        reserved = int(conn.execute("SHOW superuser_reserved_connections").fetchone()[0])
        in_use = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        ).fetchone()[0]
    return ServerFacts(version, max_connections, reserved, in_use)


def pool_size(workers: int, threads: int, facts: ServerFacts, requested: int | None) -> int:
    """Connections per worker: one per thread, within what the server has to spare."""
    spare = (
        facts.max_connections
        - facts.reserved_connections
        - facts.connections_in_use
        - CONNECTION_HEADROOM
    )
    per_worker = spare // workers
    size = requested or min(threads, per_worker)
    if size < 1 or size > per_worker:
        raise BenchError(
            f"{workers} workers x {size} connections do not fit in the {spare} connections "
            f"the server has to spare (max_connections {facts.max_connections}, "
            f"{facts.connections_in_use} in use); use fewer --workers or a smaller --pool"
        )
    return size


# --- Django commands and gunicorn -------------------------------------------


def manage(env: dict[str, str], *args: str) -> None:
    """Run `manage.py ARGS` with ENV, bounded in time; raise if it fails."""
    argv = [sys.executable, "manage.py", *args]
    log(f"$ {shlex.join(argv[1:])}")
    result = subprocess.run(
        argv,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    if result.returncode != 0:
        raise BenchError(f"`{shlex.join(argv[1:])}` failed:\n{result.stdout[-4000:]}")


def widen_catalogue(env: dict[str, str], channel: str, products: int) -> dict:
    """Copy demo products until `channel` lists `products` (bench/catalogue_data.py)."""
    try:
        outcome = catalogue_data.widen(env, channel, products)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        raise BenchError(str(error)) from error
    log(
        f"catalogue: {outcome['listed']} products listed in {channel} "
        f"({outcome['listed_before']} before widening, {outcome['copied']} copies added)"
    )
    return outcome


def count_sql_statements(env: dict[str, str], payload: dict) -> int | None:
    """SQL statements one product-list request executes, or None if it cannot tell."""
    result = subprocess.run(
        [sys.executable, "-c", SQL_COUNT_SCRIPT],
        cwd=REPO,
        env={**env, "BENCH_PAYLOAD": json.dumps(payload)},
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        log(f"could not count SQL statements:\n{result.stderr[-2000:]}")
        return None
    outcome = json.loads(lines[-1])
    if outcome["status"] != 200:
        log(f"could not count SQL statements: HTTP {outcome['status']}")
        return None
    return outcome["statements"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    env: dict[str, str],
    port: int,
    workers: int,
    threads: int,
    app: str = "marquee.wsgi:application",
):
    """Run gunicorn for the duration of the block; its output goes to a log file."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--config",
        "python:marquee.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]
    with tempfile.NamedTemporaryFile("w+", prefix="marquee-bench-", suffix=".log") as output:
        log(f"$ {shlex.join(argv[1:])}")
        process = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so its workers stop with it
        )
        try:
            yield process
        finally:
            stop(process)
            show_server_log(Path(output.name))


@dataclass
class Served:
    """A running server: its GraphQL URL, port and master process."""

    url: str
    port: int
    process: subprocess.Popen


@contextmanager
def demo_environment(
    args: argparse.Namespace, report: dict, prepare=None, server_env=None, keep: bool = False
):
    """Recreate the bench database with the demo shop; yield the server's environment.

    `prepare(env, database)` runs after the demo is loaded (a user, more stock);
    `server_env` adds to gunicorn's environment (DEBUG off, a strong key, a
    pool sized for the server); `keep` reuses a database left by an earlier
    run. Yields (environment, database); fills `report`'s database, server
    and machine facts. The database stays locked for this run until the
    block ends.
    """
    database = database_from_environment()
    report["database"] = database.description
    with exclusive_use(database):
        log(f"database: {database.description}{' (kept)' if keep else ' (recreated)'}")
        recreate_database(database, keep=keep)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "marquee.settings", **database.django_env}
        env.pop("STRIPE_SECRET_KEY", None)
        env.pop("GUNICORN_CMD_ARGS", None)
        manage(env, "migrate", "--noinput")
        manage(env, "loaddemo")
        if prepare is not None:
            prepare(env, database)
        facts = server_facts(database)
        pool = pool_size(args.workers, args.threads, facts, args.pool)
        env = {
            **env,
            "DEBUG": "0",
            "SECRET_KEY": SERVER_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DB_POOL_MAX_SIZE": str(pool),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            **(server_env or {}),
        }
        manage(env, "collectstatic", "--noinput")
        report["server"] = {
            "workers": args.workers,
            "threads": args.threads,
            "db_pool_max_size": pool,
            "max_connections": facts.max_connections,
        }
        report.setdefault("machine", {})["postgresql"] = facts.version
        yield env, database


@contextmanager
def serve(args: argparse.Namespace, env: dict[str, str]):
    """gunicorn on a free port of 127.0.0.1 for the block, answering; yields a `Served`."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/graphql/"
    with gunicorn(env, port, args.workers, args.threads) as process:
        wait_until_ready(url, process)
        wait_until_every_worker_listens(process.pid, port, args.workers)
        yield Served(url, port, process)


def wait_until_every_worker_listens(master: int, port: int, workers: int) -> None:
    """A worker listens once its application is loaded; connections opened before
    every worker does would all go to the first ones, and stay there."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        listening = listeners_by_worker(master, port)
        if len(listening) == workers and all(n == 1 for n in listening):
            return
        time.sleep(0.1)
    log(f"not every worker listens after {READY_TIMEOUT:.0f} s; measuring anyway")


@contextmanager
def demo_server(
    args: argparse.Namespace, report: dict, prepare=None, server_env=None, keep: bool = False
):
    """The demo shop served as production would; yields the GraphQL URL and the environment.

    See `demo_environment` for the arguments.
    """
    with (
        demo_environment(args, report, prepare, server_env, keep) as (env, _database),
        serve(args, env) as served,
    ):
        yield served.url, env


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        log("gunicorn did not stop after SIGTERM; killing it")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


def show_server_log(path: Path, tail: int = 40) -> None:
    """Print what gunicorn and Django logged, so errors under load are not hidden."""
    lines = path.read_text(errors="replace").splitlines()
    if not lines:
        return
    log(f"--- server log: {len(lines)} lines (last {min(tail, len(lines))}) ---")
    for line in lines[-tail:]:
        log(line)
    log("--- end of server log ---")


def wait_until_ready(url: str, process: subprocess.Popen | None) -> None:
    """Poll the endpoint with a trivial query until it answers 200, for READY_TIMEOUT."""
    deadline = time.monotonic() + READY_TIMEOUT
    last_problem = "no answer"
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise BenchError(f"gunicorn exited with status {process.returncode}")
            try:
                response = client.post(url, json={"query": READY_QUERY})
                if response.status_code == 200 and "errors" not in response.json():
                    return
                last_problem = f"HTTP {response.status_code}: {response.text[:200]}"
            except (httpx.HTTPError, ValueError) as error:
                last_problem = f"{type(error).__name__}: {error}"
            time.sleep(0.2)
    raise BenchError(f"{url} did not answer within {READY_TIMEOUT:.0f} s ({last_problem})")


# --- Load -------------------------------------------------------------------


def http_request(port: int, payload: dict) -> bytes:
    """The bytes of one keep-alive POST of `payload`, made once and sent as often as needed."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = (
        f"POST /graphql/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\nAccept: application/json\r\n"
        f"Connection: keep-alive\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class KeepAlive:
    """One HTTP/1.1 keep-alive connection over a raw socket: send a request, read the answer.

    It reads what the server sends (a status line, headers with Content-Length,
    the body) and nothing more; a closed or failed connection is reopened by the
    next request.
    """

    def __init__(self, port: int):
        self.port = port
        self.sock: socket.socket | None = None

    def exchange(self, request: bytes) -> tuple[int, bytes, str | None]:
        """The status, the body and the response cache's `X-Cache` (HIT, MISS or None)."""
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=REQUEST_TIMEOUT)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock.sendall(request)
            buffer = b""
            while (end := buffer.find(b"\r\n\r\n")) < 0:
                buffer += self._receive()
            head, body = buffer[:end].decode("latin-1"), buffer[end + 4 :]
            status_line, *header_lines = head.split("\r\n")
            headers = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers["content-length"])
            while len(body) < length:
                body += self._receive()
            if headers.get("connection", "").lower() == "close":
                self.close()
            return int(status_line.split()[1]), body, headers.get("x-cache")
        except (OSError, KeyError, ValueError, IndexError):
            self.close()
            raise

    def _receive(self) -> bytes:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        return chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def shown_price(body: bytes, product_marker: bytes) -> float | None:
    """The undiscounted start price of one product in a response body, read without parsing it.

    Field order follows the query's selection order: the product's id comes
    first, its `priceRangeUndiscounted` after it.
    """
    at = body.find(product_marker)
    if at < 0:
        return None
    at = body.find(b'"priceRangeUndiscounted"', at)
    at = body.find(b'"amount":', at)
    if at < 0:
        return None
    start = at + len(b'"amount":')
    end = start
    while end < len(body) and body[end : end + 1] in b"0123456789.-eE+":
        end += 1
    return float(body[start:end])


def judge(status: int, body: bytes, first: int) -> str | None:
    """What is wrong with a product-list answer (None if nothing).

    Cheap checks on the bytes, so that checking costs the clients little: the
    status, no "errors" member, and `first` products (each has one `created`).
    """
    if status != 200:
        return f"HTTP {status}: {body[:300]!r}"
    if b'"errors"' in body:
        return f"GraphQL errors: {body[:300]!r}"
    products = body.count(b'"created"')
    if products != first:
        return f"{products} products (expected {first})"
    return None


# A response as the clients record it: (sent, finished, failure or None, price or None,
# X-Cache or None).
Record = tuple[float, float, "str | None", "float | None", "str | None"]


def connection_loop(
    port: int,
    request: bytes,
    first: int,
    marker: bytes | None,
    start_at: float,
    stop_at: float,
    records: list[Record],
) -> None:
    """One connection: requests back to back from start_at until stop_at."""
    connection = KeepAlive(port)
    time.sleep(max(0.0, start_at - time.monotonic()))
    try:
        while (sent := time.monotonic()) < stop_at:
            price = cached = None
            try:
                status, body, cached = connection.exchange(request)
                failure = judge(status, body, first)
                if failure is None and marker is not None:
                    price = shown_price(body, marker)
                    if price is None:
                        failure = "the watched product is not in the answer"
            except (OSError, KeyError, ValueError, IndexError) as error:
                failure = f"{type(error).__name__}: {error}"
            records.append((sent, time.monotonic(), failure, price, cached))
            if failure:
                time.sleep(FAILURE_PAUSE)  # a server that is down is not hammered in a loop
    finally:
        connection.close()


def client_process(port, request, first, marker, connections, start_at, stop_at, results):
    """A client process: `connections` threads, each a keep-alive connection."""
    cpu_before = time.process_time()
    per_connection: list[list[Record]] = [[] for _ in range(connections)]
    threads = [
        threading.Thread(
            target=connection_loop,
            args=(port, request, first, marker, start_at, stop_at, records),
            daemon=True,
        )
        for records in per_connection
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at + REQUEST_TIMEOUT + 5 - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    records = [record for client in per_connection for record in list(client)]
    results.put((records, time.process_time() - cpu_before, stuck))


def price_writer(conninfo, product_pk, channel, start_at, stop_at, results):
    """Every WRITE_INTERVAL seconds, set every variant listing of one product to a new price.

    A plain SQL UPDATE in its own transaction; the time recorded is when COMMIT
    returned (the new price is visible to readers from then at the latest).
    """
    commits = []
    with psycopg.connect(conninfo, connect_timeout=10) as conn:
        time.sleep(max(0.0, start_at - time.monotonic()))
        k = 0
        while time.monotonic() + WRITE_INTERVAL < stop_at:
            time.sleep(WRITE_INTERVAL)
            k += 1
            conn.execute(
                """UPDATE merch_productvariantchannellisting AS listing
                      SET price_amount = %s
                     FROM merch_productvariant AS variant, merch_channel AS channel
                    WHERE listing.variant_id = variant.id AND variant.product_id = %s
                      AND listing.channel_id = channel.id AND channel.slug = %s""",
                (WRITTEN_PRICE_BASE + k, product_pk, channel),
            )
            conn.commit()
            commits.append((time.monotonic(), float(WRITTEN_PRICE_BASE + k)))
    results.put(commits)


def worker_cpu_ticks(master: int) -> dict[int, int]:
    """utime + stime, in clock ticks, of each of the master's children (its workers)."""
    ticks = {}
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except FileNotFoundError:
        return ticks
    for pid in children:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        ticks[int(pid)] = int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat
    return ticks


def _sockets_by_worker(master: int, port: int) -> dict[int, dict[str, int]]:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.servers import sockets_by_worker

    return sockets_by_worker(master, port)


def connections_by_worker(master: int, port: int) -> list[int]:
    """Established connections each worker holds, seen from the server's side, most first."""
    held = _sockets_by_worker(master, port)
    return sorted((s["connections"] for s in held.values()), reverse=True)


def listeners_by_worker(master: int, port: int) -> list[int]:
    """Listening sockets each worker holds on the port."""
    return [s["listening"] for s in _sockets_by_worker(master, port).values()]


@dataclass
class Phase:
    name: str  # "miss", "hit" or "mixed"
    first: int
    connections: int
    duration: float


@dataclass
class PhaseLoad:
    records: list[Record]
    measure_from: float
    stop_at: float
    worker_cpu_seconds: list[float]  # each worker's CPU in the measured window, most first
    connections_by_worker: list[int]  # sampled in the middle of the window
    client_cpu_cores: float
    stuck_clients: int
    commits: list[tuple[float, float]] = field(default_factory=list)


def run_phase(
    served: Served,
    phase: Phase,
    args: argparse.Namespace,
    payload: dict,
    marker: bytes | None = None,
    writer=None,
) -> PhaseLoad:
    """Load the server for warm-up + duration from client processes; measure the window.

    `writer(start_at, stop_at, results)` runs in a process of its own alongside.
    """
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = max(1, min(args.clients, phase.connections))
    shares = [phase.connections // processes] * processes
    for i in range(phase.connections % processes):
        shares[i] += 1
    start_at = time.monotonic() + CLIENT_START
    measure_from = start_at + args.warmup
    stop_at = measure_from + phase.duration
    request = http_request(served.port, payload)
    children = [
        context.Process(
            target=client_process,
            args=(served.port, request, phase.first, marker, share, start_at, stop_at, results),
            daemon=True,
        )
        for share in shares
    ]
    writers = []
    if writer is not None:
        writers.append(context.Process(target=writer, args=(start_at, stop_at, results)))
    for child in children + writers:
        child.start()
    time.sleep(max(0.0, measure_from - time.monotonic()))
    cpu_before = worker_cpu_ticks(served.process.pid)
    time.sleep(max(0.0, measure_from + phase.duration / 2 - time.monotonic()))
    spread = connections_by_worker(served.process.pid, served.port)
    time.sleep(max(0.0, stop_at - time.monotonic()))
    cpu_after = worker_cpu_ticks(served.process.pid)
    records, client_cpu, stuck, commits = [], 0.0, 0, []
    for _ in children + writers:
        outcome = results.get(timeout=REQUEST_TIMEOUT + 60)
        if isinstance(outcome, list):
            commits = outcome
        else:
            records += outcome[0]
            client_cpu += outcome[1]
            stuck += outcome[2]
    for child in children + writers:
        child.join(timeout=10)
    tick = os.sysconf("SC_CLK_TCK")
    worker_cpu = sorted(
        ((ticks - cpu_before.get(pid, 0)) / tick for pid, ticks in cpu_after.items()),
        reverse=True,
    )
    if stuck:
        log(f"{stuck} connections were still waiting for an answer when the phase ended")
    return PhaseLoad(
        records=records,
        measure_from=measure_from,
        stop_at=stop_at,
        worker_cpu_seconds=[round(s, 2) for s in worker_cpu],
        connections_by_worker=spread,
        client_cpu_cores=round(client_cpu / (stop_at - start_at), 2),
        stuck_clients=stuck,
        commits=commits,
    )


def percentiles(latencies: list[float]) -> dict:
    """p50 and p99 in milliseconds (nearest rank) and how many, for the other benches."""
    if not latencies:
        return {"p50": None, "p99": None, "n": 0}
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p99": round(p99 * 1000, 1),
        "n": len(ordered),
    }


def percentiles_ms(latencies: list[float]) -> dict[str, float | None]:
    if not latencies:
        return {"p50": None, "p90": None, "p99": None, "max": None}
    if len(latencies) == 1:
        only = latencies[0] * 1000
        return {"p50": only, "p90": only, "p99": only, "max": only}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "p50": cuts[49] * 1000,
        "p90": cuts[89] * 1000,
        "p99": cuts[98] * 1000,
        "max": max(latencies) * 1000,
    }


# --- Figures ------------------------------------------------------------------


def summarise(phase: Phase, load: PhaseLoad) -> dict:
    """A phase's figures from the responses that finished inside its measured window."""
    measured = [r for r in load.records if load.measure_from <= r[1] < load.stop_at]
    passed = [r for r in measured if r[2] is None]
    failure_kinds = Counter(r[2][:160] for r in measured if r[2] is not None)
    outside = sum(r[2] is not None for r in load.records) - (len(measured) - len(passed))
    for kind in list(failure_kinds)[:FAILURES_SHOWN]:
        log(f"FAILURE ({phase.name}, first {phase.first}): {kind}")
    cpu = sum(load.worker_cpu_seconds)
    return {
        "phase": phase.name,
        "first": phase.first,
        "connections": phase.connections,
        "requests": len(measured),
        "succeeded": len(passed),
        "failures": len(measured) - len(passed),
        "failures_outside_window": outside,
        "failure_kinds": dict(failure_kinds.most_common()),
        "measured_seconds": phase.duration,
        "requests_per_second": round(len(passed) / phase.duration, 1),
        "latency_ms": {
            name: None if value is None else round(value, 2)
            for name, value in percentiles_ms([r[1] - r[0] for r in passed]).items()
        },
        "worker_cpu_seconds": load.worker_cpu_seconds,
        "connections_by_worker": load.connections_by_worker,
        "cpu_ms_per_request": round(1000 * cpu / len(passed), 2) if passed else None,
        "hit_rate": hit_rate(passed),
        # Cores the load generator itself kept busy; on a small machine it competes
        # with the server for them.
        "client_cpu_cores": load.client_cpu_cores,
    }


def staleness(load: PhaseLoad, initial_price: float, bound: float) -> dict:
    """Responses that showed a price older than the newest one committed `bound` s before sending.

    The k-th write set a price no other write set, so a shown price names the
    write it came from. Checked for every successful response, warm-up included.
    """
    commits = sorted(load.commits)
    order = {initial_price: 0, **{price: i for i, (_t, price) in enumerate(commits, 1)}}

    def newest_before(moment: float) -> int:
        return sum(1 for committed, _price in commits if committed <= moment)

    after_bound = after_commit = unknown = 0
    for sent, _finished, failure, price, _cached in load.records:
        if failure is not None:
            continue
        shown = order.get(price)
        if shown is None:
            unknown += 1
            continue
        after_bound += shown < newest_before(sent - bound)
        after_commit += shown < newest_before(sent)
    return {
        "writes": len(commits),
        "bound_seconds": bound,
        "stale_after_bound": after_bound,
        "older_price_after_commit": after_commit,
        "unknown_price": unknown,
    }


def hit_rate(records: list[Record]) -> float | None:
    """The share of answers the server says came from its response cache (`X-Cache: HIT`).

    None when no answer carried `X-Cache` (the cache switched off).
    """
    said = [r[4] for r in records if r[4] is not None]
    if not said:
        return None
    return round(said.count("HIT") / len(said), 4)


def print_report(report: dict) -> None:
    server = report["server"]
    machine = report["machine"]
    results = report["results"]
    print(f"command     {report['command']}")
    print(f"query       {report['query']}")
    print(
        f"machine     {machine['cores']} cores, {machine['python']}, {machine['platform']}, "
        f"load average {machine['load_average']} before the run"
    )
    print(f"postgresql  {machine['postgresql'] or 'n/a'}")
    print(f"database    {report['database']}")
    print(
        f"server      gunicorn gthread, {server['workers']} workers x {server['threads']} "
        f"threads, one listening socket per worker, DB pool {server['db_pool_max_size']} "
        f"per worker (max_connections {server['max_connections']})"
    )
    print(
        f"load        {report['warmup_seconds']:g} s warm-up per phase, "
        f"{report['clients']} client processes"
    )
    catalogue = report["catalogue"]
    pages = ", ".join(
        f"first {first}: {count}" for first, count in report["products_per_page"].items()
    )
    print(
        f"catalogue   {catalogue['listed']} products listed in the channel "
        f"({catalogue['listed_before']} before widening, {catalogue['copied']} copies added); "
        f"products returned per page: {pages or 'n/a'}"
    )
    print(f"SQL         statements per request (miss path): {report['sql_statements_per_request']}")
    print()
    print(
        f"{'phase':<6} {'first':>5} {'conns':>5} {'req/s':>8} {'p50':>7} {'p90':>7} "
        f"{'p99':>7} {'max':>7} {'cpu ms/req':>10}  worker CPU s / connections per worker"
    )
    for row in results["phases"]:
        lat = row["latency_ms"]

        def ms(name, lat=lat):
            return "n/a" if lat[name] is None else f"{lat[name]:.1f}"

        cpu = row["cpu_ms_per_request"]
        print(
            f"{row['phase']:<6} {row['first']:>5} {row['connections']:>5} "
            f"{row['requests_per_second']:>8.1f} {ms('p50'):>7} {ms('p90'):>7} {ms('p99'):>7} "
            f"{ms('max'):>7} {'n/a' if cpu is None else f'{cpu:.2f}':>10}  "
            f"{'/'.join(f'{s:g}' for s in row['worker_cpu_seconds'])} s; "
            f"{'/'.join(str(n) for n in row['connections_by_worker'])}"
            f"  (clients {row['client_cpu_cores']:.2f} cores"
            + ("" if row["hit_rate"] is None else f"; X-Cache HIT {row['hit_rate']:.1%}")
            + ")"
        )
        for reason, count in row["failure_kinds"].items():
            print(f"       failure: {count} x {reason}")
    stale = results["staleness"]
    rate = results["mixed_hit_rate"]
    print()
    print(
        f"mixed       {stale['writes']} price writes, one a second; responses sent after "
        f"commit + {stale['bound_seconds']:g} s showing an older price: "
        f"{stale['stale_after_bound']} (must be 0); sent after the commit showing an older "
        f"price: {stale['older_price_after_commit']}; unknown prices: {stale['unknown_price']}"
    )
    print(
        "hit rate    "
        + (
            "n/a (no answer carried X-Cache: the response cache is off)"
            if rate is None
            else f"{rate:.2%} of the mixed phase's answers (X-Cache: HIT)"
        )
    )
    print(f"failures    {results['failures']}")
    print(f"reproduce   {report['command']}")


# --- Main -------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        description="Benchmark Saleor storefront's product list over HTTP: miss, hit, mixed.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds a phase")
    parser.add_argument(
        "--mixed-duration", type=float, default=20.0, help="measured seconds of the mixed phase"
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 0.5 s warm-up, 1 s phases, 3 s mixed"
    )
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument(
        "--pool",
        type=int,
        default=None,
        help="DB_POOL_MAX_SIZE per worker; if unset (%(default)s), one per thread, "
        "within the server's max_connections",
    )
    parser.add_argument("--channel", default="china", help="channel slug")
    parser.add_argument(
        "--products",
        type=int,
        default=catalogue_data.DEFAULT_PRODUCTS,
        help="products the channel lists: demo products are copied up to this many",
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help=f"reuse the {BENCH_DATABASE} database instead of dropping and recreating it",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.quick:
        args.warmup, args.duration, args.mixed_duration = 0.5, 1.0, 3.0
    for name in ("duration", "mixed_duration", "clients", "workers", "threads"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.mixed_duration < 2 * WRITE_INTERVAL:
        parser.error(f"--mixed-duration must be at least {2 * WRITE_INTERVAL:g} s")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    if args.pool is not None and args.pool <= 0:
        parser.error("--pool must be positive")
    if args.products < max(PAGE_SIZES):
        parser.error(f"--products must be at least {max(PAGE_SIZES)}, the largest page")
    return args


def database_from_environment() -> Database:
    url = os.environ.get("DATABASE_URL", "")
    return external_database(url) if url else embedded_database()


def payload_for(first: int, channel: str) -> dict:
    return {
        "operationName": "ProductList",
        "query": PRODUCT_LIST_QUERY,
        "variables": {"first": first, "channel": channel, "languageCode": LANGUAGE},
    }


def preflight_failure(url: str, payload: dict) -> str | None:
    """Why the server does not answer this page size, or None if it does."""
    try:
        preflight(url, payload)
    except BenchError as error:
        log(f"not measured: {error}")
        return str(error)
    return None


def refused_phase(name: str, first: int, connections: int, reason: str) -> dict:
    """A phase that could not run because the server refused the operation: one failure."""
    return {
        "phase": name,
        "first": first,
        "connections": connections,
        "requests": 0,
        "succeeded": 0,
        "failures": 1,
        "failures_outside_window": 0,
        "failure_kinds": {f"not measured: {reason[:300]}": 1},
        "measured_seconds": 0,
        "requests_per_second": 0.0,
        "latency_ms": percentiles_ms([]),
        "worker_cpu_seconds": [],
        "connections_by_worker": [],
        "cpu_ms_per_request": None,
        "client_cpu_cores": 0.0,
    }


def preflight(url: str, payload: dict) -> dict:
    """One request before the load: stop early, with the reason, if the answer is wrong."""
    with httpx.Client(trust_env=False, timeout=REQUEST_TIMEOUT) as client:
        response = client.post(url, json=payload)
    failure = judge(response.status_code, response.content, payload["variables"]["first"])
    if failure:
        raise BenchError(f"the product list is not right before any load: {failure}")
    return response.json()["data"]["products"]


def staleness_bound(env: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, "-c", STALENESS_SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    if result.returncode != 0:
        raise BenchError(f"could not read the staleness bound:\n{result.stderr[-2000:]}")
    return float(result.stdout.strip().splitlines()[-1])


def watched_product(products: dict) -> tuple[int, bytes, float]:
    """The first product of the page: its pk, how its id appears in a body, its price now."""
    node = products["edges"][0]["node"]
    kind, _, pk = b64decode(node["id"]).decode().partition(":")
    if kind != "Product":
        raise BenchError(f"unexpected product id {node['id']!r}")
    price = node["pricing"]["priceRangeUndiscounted"]["start"]["gross"]["amount"]
    return int(pk), f'"id":"{node["id"]}"'.encode(), float(price)


def run(args: argparse.Namespace) -> dict:
    report = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "query": "Saleor storefront ProductList "
        f'(first: {" and ".join(map(str, PAGE_SIZES))}, channel: "{args.channel}")',
        "machine": {
            "cores": os.cpu_count(),
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "platform": platform.platform(terse=True),
            "load_average": round(os.getloadavg()[0], 2),
            "postgresql": None,
        },
        "warmup_seconds": args.warmup,
        "clients": args.clients,
    }
    phases: list[dict] = []

    def prepare(env, _database):
        report["catalogue"] = widen_catalogue(env, args.channel, args.products)

    report["products_per_page"] = {}
    with demo_environment(args, report, prepare=prepare, keep=args.keep_db) as (env, database):
        miss_env = {**env, "GRAPHQL_RESPONSE_CACHE_ENABLED": "0"}
        hit_env = {**env, "GRAPHQL_RESPONSE_CACHE_ENABLED": "1"}
        report["sql_statements_per_request"] = {
            first: count_sql_statements(miss_env, payload_for(first, args.channel))
            for first in PAGE_SIZES
        }
        bound = staleness_bound(hit_env)
        for name, server_env in (("miss", miss_env), ("hit", hit_env)):
            cache = server_env["GRAPHQL_RESPONSE_CACHE_ENABLED"]
            log(f"server: the {name} path (GRAPHQL_RESPONSE_CACHE_ENABLED={cache})")
            with serve(args, server_env) as served:
                for first in PAGE_SIZES:
                    payload = payload_for(first, args.channel)
                    refused = preflight_failure(served.url, payload)
                    if not refused:
                        page = preflight(served.url, payload)
                        report["products_per_page"][first] = len(page["edges"])
                    for connections in CONNECTIONS:
                        if refused:
                            phases.append(refused_phase(name, first, connections, refused))
                            continue
                        phase = Phase(name, first, connections, args.duration)
                        log(f"phase: {name}, first {first}, {connections} connections")
                        phases.append(summarise(phase, run_phase(served, phase, args, payload)))
                if name == "hit":
                    mixed, load, initial_price = mixed_phase(served, args, database)
                    phases.append(mixed)
                    stale = staleness(load, initial_price, bound)
    by = {(row["phase"], row["first"], row["connections"]): row for row in phases}
    top = max(CONNECTIONS)
    report["results"] = {
        "phases": phases,
        "staleness": stale,
        "mixed_hit_rate": by[("mixed", 20, top)]["hit_rate"],
        "failures": sum(row["failures"] for row in phases) + stale["stale_after_bound"],
        "succeeded": sum(row["succeeded"] for row in phases),
    }
    return report


def mixed_phase(served: Served, args: argparse.Namespace, database: Database):
    """Readers on the hit path while a writer changes one product's price every second."""
    first, connections = min(PAGE_SIZES), max(CONNECTIONS)
    payload = payload_for(first, args.channel)
    product_pk, marker, initial_price = watched_product(preflight(served.url, payload))
    phase = Phase("mixed", first, connections, args.mixed_duration)
    log(f"phase: mixed, first {first}, {connections} connections, a price write every second")

    def writer(start_at, stop_at, results):
        price_writer(database.conninfo, product_pk, args.channel, start_at, stop_at, results)

    load = run_phase(served, phase, args, payload, marker=marker, writer=writer)
    return summarise(phase, load), load, initial_price


def run_and_report(args, run_fn, print_fn, succeeded) -> int:
    """Run a benchmark, print its report; exit 0 only if it ran cleanly.

    `succeeded(results)` says whether the run produced what it measures.
    """
    # SIGTERM unwinds like Ctrl-C, so that gunicorn is stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        report = run_fn(args)
    except BenchError as error:
        log(f"benchmark failed: {error}")
        return 2
    except (psycopg.Error, httpx.HTTPError, subprocess.TimeoutExpired) as error:
        log(f"benchmark failed: {type(error).__name__}: {error}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    if args.json:
        print(json.dumps(report))
    else:
        print_fn(report)
    results = report["results"]
    return 0 if results["failures"] == 0 and succeeded(results) else 1


def main(argv: list[str] | None = None) -> int:
    return run_and_report(
        parse_args(argv),
        run,
        print_report,
        lambda results: results["succeeded"] > 0 and results["staleness"]["stale_after_bound"] == 0,
    )


if __name__ == "__main__":
    sys.exit(main())
