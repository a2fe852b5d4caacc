"""Catalogue benchmark: the storefront's product list under concurrent load.

What it measures: requests per second and latency (p50/p90/p99/max) of the
product-list query a storefront's category page sends -
`products(first: 100, channel: "china")` with prices, a WEBP thumbnail, the
category, the film and every variant with its stock and price - served by
gunicorn with production settings (DEBUG off, gthread workers, pooled
database connections) and fired over HTTP by concurrent clients on the same
machine. Every response is checked (HTTP 200, no "errors", at least 40
products); failures are counted and printed, never folded into the figures.

How to run, from the repository root:

    .venv/bin/python bench/catalogue.py                  # 16 clients, 3 s warm-up, 20 s
    .venv/bin/python bench/catalogue.py --concurrency 32 --duration 60 --json
    .venv/bin/python bench/catalogue.py --url http://127.0.0.1:8000/graphql/

Without --url it (1) drops and recreates a database named `marquee_bench` -
on the DATABASE_URL server if that is set, else on the embedded server under
.data/pg - and runs `manage.py migrate` and `manage.py loaddemo` on it,
(2) runs `manage.py collectstatic` and starts gunicorn on a free port of
127.0.0.1, (3) runs the load and prints the figures, and (4) always stops
gunicorn. With --url it only runs the load, against a server already
running on 127.0.0.1. Nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
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
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

REPO = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "marquee_bench"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}
RUN_LOCK_KEY = zlib.crc32(b"marquee bench/catalogue.py")  # PostgreSQL advisory lock

MIN_PRODUCTS = 40
READY_TIMEOUT = 60.0  # seconds for gunicorn to answer its first request
REQUEST_TIMEOUT = 30.0  # seconds for one request, so no client waits forever
# Production settings refuse a short or published key; each run makes its own.
SERVER_SECRET_KEY = secrets.token_urlsafe(64)
STOP_TIMEOUT = 10.0  # seconds for gunicorn to exit after SIGTERM before SIGKILL
COMMAND_TIMEOUT = 900.0  # seconds for one manage.py command (migrate, loaddemo, ...)
CONNECTION_HEADROOM = 3  # connections left free for psql, this script and the like
FAILURES_SHOWN = 10  # failures printed in full as they happen; the rest are tallied
FAILURE_PAUSE = 0.05  # seconds a client waits after a failed request

PRODUCT_LIST_QUERY = """
query ProductList($first: Int!, $channel: String!) {
  products(first: $first, channel: $channel) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id
        name
        slug
        pricing {
          priceRange {
            start { gross { amount currency } }
            stop { gross { amount currency } }
          }
        }
        thumbnail(size: 256, format: WEBP) { url alt }
        category { id name slug }
        film { slug title titleEn }
        variants {
          id
          sku
          name
          quantityAvailable
          pricing { price { gross { amount currency } } }
        }
      }
    }
  }
}
"""

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
def gunicorn(env: dict[str, str], port: int, workers: int, threads: int):
    """Run gunicorn for the duration of the block; its output goes to a log file."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "marquee.wsgi:application",
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


@contextmanager
def demo_server(
    args: argparse.Namespace, report: dict, prepare=None, server_env=None, keep: bool = False
):
    """Recreate the bench database with the demo shop and serve it as production would.

    `prepare(env, database)` runs after the demo is loaded (a user, more stock);
    `server_env` adds to gunicorn's environment (DEBUG off, a strong key, a
    pool sized for the server); `keep` reuses a database left by an earlier
    run. Yields the GraphQL URL and the server's environment; fills
    `report`'s database, server and machine facts.
    """
    database = database_from_environment()
    report["database"] = database.description
    with exclusive_use(database):
        log(f"database: {database.description}{' (kept)' if keep else ' (recreated)'}")
        recreate_database(database, keep=keep)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "marquee.settings", **database.django_env}
        env.pop("STRIPE_SECRET_KEY", None)
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
        port = free_port()
        url = f"http://127.0.0.1:{port}/graphql/"
        with gunicorn(env, port, args.workers, args.threads) as process:
            wait_until_ready(url, process)
            yield url, env


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


@dataclass
class Sample:
    started: float
    finished: float
    products: int
    failure: str | None  # None for a request that passed every check

    @property
    def latency(self) -> float:
        return self.finished - self.started


@dataclass
class LoadResult:
    measured: list[Sample]  # requests that finished inside the measured window
    unmeasured_failures: int  # failures during the warm-up or after the window
    seconds: float  # length of the measured window
    client_cpu_cores: float  # cores this process (the clients) kept busy meanwhile


def check(response: httpx.Response, min_products: int) -> tuple[int, str | None]:
    """The number of products in a response, and what is wrong with it (None if nothing)."""
    if response.status_code != 200:
        return 0, f"HTTP {response.status_code}: {response.text[:300]}"
    try:
        body = response.json()
    except ValueError:
        return 0, f"invalid JSON: {response.text[:300]}"
    if "errors" in body:
        messages = "; ".join(str(e.get("message")) for e in body["errors"][:3])
        return 0, f"GraphQL errors: {messages}"
    edges = ((body.get("data") or {}).get("products") or {}).get("edges") or []
    if len(edges) < min_products:
        return len(edges), f"only {len(edges)} products (expected at least {min_products})"
    return len(edges), None


class FailureLog:
    """Prints the first few failures, from any phase, in full as they happen."""

    def __init__(self, shown: int = FAILURES_SHOWN):
        self.shown = shown
        self.seen = 0
        self.lock = threading.Lock()

    def record(self, failure: str) -> None:
        with self.lock:
            self.seen += 1
            if self.seen <= self.shown:
                log(f"FAILURE: {failure}")
            elif self.seen == self.shown + 1:
                log("(further failures are counted, not printed)")


def client_loop(
    url: str,
    payload: dict,
    min_products: int,
    stop_at: float,
    samples: list[Sample],
    failures: FailureLog,
) -> None:
    """One client: send requests back to back until stop_at, recording each one."""
    with httpx.Client(trust_env=False, timeout=REQUEST_TIMEOUT) as client:
        while (started := time.perf_counter()) < stop_at:
            try:
                response = client.post(url, json=payload)
                finished = time.perf_counter()
                products, failure = check(response, min_products)
            except httpx.HTTPError as error:
                finished = time.perf_counter()
                products, failure = 0, f"{type(error).__name__}: {error}"
            samples.append(Sample(started, finished, products, failure))
            if failure:
                failures.record(failure)
                time.sleep(FAILURE_PAUSE)  # a server that is down is not hammered in a tight loop


def run_load(
    url: str, payload: dict, min_products: int, concurrency: int, warmup: float, duration: float
) -> LoadResult:
    """Run the clients; measure the requests that finish between warm-up and stop."""
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    measure_from = time.perf_counter() + warmup
    stop_at = measure_from + duration
    failures = FailureLog()
    per_client: list[list[Sample]] = [[] for _ in range(concurrency)]
    threads = [
        threading.Thread(
            target=client_loop,
            args=(url, payload, min_products, stop_at, samples, failures),
            daemon=True,
        )
        for samples in per_client
    ]
    for thread in threads:
        thread.start()
    join_by = stop_at + REQUEST_TIMEOUT + 5
    for thread in threads:
        thread.join(timeout=max(0.0, join_by - time.perf_counter()))
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        log(f"{stuck} clients were still waiting for a response when the run ended")
    # Copy each list: a stuck client may still append to its own.
    samples = [sample for client in per_client for sample in list(client)]
    measured = [s for s in samples if measure_from <= s.finished < stop_at]
    unmeasured_failures = sum(s.failure is not None for s in samples) - sum(
        s.failure is not None for s in measured
    )
    cores = (time.process_time() - cpu_before) / (time.perf_counter() - wall_before)
    return LoadResult(measured, unmeasured_failures, duration, round(cores, 2))


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


# --- Report -------------------------------------------------------------------


def summarise(load: LoadResult) -> dict:
    samples = load.measured
    passed = [s for s in samples if s.failure is None]
    failure_kinds = Counter(s.failure[:160] for s in samples if s.failure is not None)
    seconds = load.seconds
    return {
        "requests": len(samples),
        "succeeded": len(passed),
        "failures": len(samples) - len(passed),
        "failures_outside_window": load.unmeasured_failures,
        "failure_kinds": dict(failure_kinds.most_common()),
        "measured_seconds": seconds,
        "requests_per_second": round(len(passed) / seconds, 2),
        "latency_ms": {
            name: None if value is None else round(value, 2)
            for name, value in percentiles_ms([s.latency for s in passed]).items()
        },
        # Cores the load generator itself kept busy; on a small machine it competes
        # with the server for them.
        "client_cpu_cores": load.client_cpu_cores,
    }


def print_report(report: dict) -> None:
    server = report["server"]
    latency = report["results"]["latency_ms"]
    results = report["results"]
    machine = report["machine"]

    def ms(name: str) -> str:
        value = latency[name]
        return "n/a" if value is None else f"{value:.1f}"

    if server["workers"]:
        server_line = (
            f"gunicorn gthread, {server['workers']} workers x {server['threads']} threads, "
            f"DB pool {server['db_pool_max_size']} per worker "
            f"(max_connections {server['max_connections']})"
        )
    else:
        server_line = f"already running at {report['url']}"
    sql_count = report["sql_statements_per_request"]
    rows = [
        ("command", report["command"]),
        ("query", report["query"]),
        (
            "machine",
            f"{machine['cores']} cores, {machine['python']}, {machine['platform']}, "
            f"load average {machine['load_average']} before the run",
        ),
        ("postgresql", machine["postgresql"] or "n/a"),
        ("database", report["database"] or "n/a (--url)"),
        ("server", server_line),
        (
            "load",
            f"{report['concurrency']} clients, {report['warmup_seconds']:g} s warm-up, "
            f"{results['measured_seconds']:.1f} s measured",
        ),
        (
            "products",
            f"{report['products_per_response']} per response (totalCount {report['total_count']})",
        ),
        ("SQL", "n/a" if sql_count is None else f"{sql_count} statements per request"),
        ("requests", f"{results['requests']} completed, {results['failures']} failed"),
        ("throughput", f"{results['requests_per_second']:.1f} requests/s"),
        (
            "latency ms",
            f"p50 {ms('p50')}  p90 {ms('p90')}  p99 {ms('p99')}  max {ms('max')}",
        ),
        ("clients", f"used {results['client_cpu_cores']:.2f} cores of CPU themselves"),
    ]
    for reason, count in results["failure_kinds"].items():
        rows.append(("failure", f"{count} x {reason}"))
    if results["failures_outside_window"]:
        rows.append(
            ("failure", f"{results['failures_outside_window']} more in warm-up or after the window")
        )
    for label, value in rows:
        print(f"{label:<11} {value}")


# --- Main -------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        description="Benchmark the storefront's product-list query over HTTP.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument(
        "--pool",
        type=int,
        default=None,
        help="DB_POOL_MAX_SIZE per worker; if unset (%(default)s), one per thread, "
        "within the server's max_connections",
    )
    parser.add_argument("--first", type=int, default=100, help="products per request")
    parser.add_argument("--channel", default="china", help="channel slug")
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help=f"reuse the {BENCH_DATABASE} database instead of dropping and recreating it",
    )
    parser.add_argument(
        "--url",
        help="benchmark a server already running on 127.0.0.1 (its /graphql/ URL); "
        "no database is prepared and no server is started",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    for name in ("duration", "concurrency", "workers", "threads", "first"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be positive")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    if args.pool is not None and args.pool <= 0:
        parser.error("--pool must be positive")
    if args.url and urlsplit(args.url).hostname not in LOOPBACK_HOSTS:
        parser.error("--url must point at 127.0.0.1 (or localhost)")
    return args


def database_from_environment() -> Database:
    url = os.environ.get("DATABASE_URL", "")
    return external_database(url) if url else embedded_database()


def preflight(url: str, payload: dict, min_products: int) -> tuple[int, int | None]:
    """One request before the load: stop early, with the reason, if the answer is wrong."""
    with httpx.Client(trust_env=False, timeout=REQUEST_TIMEOUT) as client:
        response = client.post(url, json=payload)
    products, failure = check(response, min_products)
    if failure:
        raise BenchError(f"the product list is not right before any load: {failure}")
    return products, response.json()["data"]["products"].get("totalCount")


def benchmark(args: argparse.Namespace, url: str, payload: dict, min_products: int) -> dict:
    products, total = preflight(url, payload, min_products)
    log(
        f"load: {args.concurrency} clients, {args.warmup:g} s warm-up, {args.duration:g} s measured"
    )
    load = run_load(url, payload, min_products, args.concurrency, args.warmup, args.duration)
    return {
        "url": url,
        "concurrency": args.concurrency,
        "warmup_seconds": args.warmup,
        "products_per_response": products,
        "total_count": total,
        "results": summarise(load),
    }


def base_report(args: argparse.Namespace) -> dict:
    return {
        "command": shlex.join([sys.executable, *sys.argv]),
        "query": f'products(first: {args.first}, channel: "{args.channel}")',
        "machine": {
            "cores": os.cpu_count(),
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "platform": platform.platform(terse=True),
            "load_average": round(os.getloadavg()[0], 2),
            "postgresql": None,
        },
        "database": None,
        "server": {"workers": None, "threads": None, "db_pool_max_size": None},
        "sql_statements_per_request": None,
    }


def run(args: argparse.Namespace) -> dict:
    payload = {
        "operationName": "ProductList",
        "query": PRODUCT_LIST_QUERY,
        "variables": {"first": args.first, "channel": args.channel},
    }
    min_products = min(MIN_PRODUCTS, args.first)
    report = base_report(args)
    if args.url:
        wait_until_ready(args.url, None)
        return {**report, **benchmark(args, args.url, payload, min_products)}

    with demo_server(args, report, keep=args.keep_db) as (url, server_env):
        report["sql_statements_per_request"] = count_sql_statements(server_env, payload)
        figures = benchmark(args, url, payload, min_products)
    return {**report, **figures}


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
        parse_args(argv), run, print_report, lambda results: results["succeeded"] > 0
    )


if __name__ == "__main__":
    sys.exit(main())
