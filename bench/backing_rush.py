"""Backing rush: the opening minute of a sought-after round, over HTTP, as production serves it.

What it measures: 5,000 signed-in members subscribing at once (every client
thread released together) to a 2,000-unit programme with a per-member cap
of 2, through `backerProgrammeSubscribe` served by gunicorn with production
settings (DEBUG off, gthread workers, pooled connections). Each member asks
for 1 or 2 units; one in five asks a second time for one more, so the cap
is contended as well as the total. It prints:

- units sold (must equal the programme's total), cap violations (0) and
  answers that were neither a subscription nor a stable refusal (0), 5xx (0);
- subscriptions per second over the rush, and p50/p99 latency for
  successes and for SOLD_OUT answers;
- pgbench's TPS for a single-row `UPDATE ... SET n = n + 1` at the same
  concurrency in the same run: the most one hot row allows on this server,
  so the subscription rate reads as a fraction of it.

How to run, from the repository root:

    .venv/bin/python bench/backing_rush.py
    .venv/bin/python bench/backing_rush.py --members 5000 --units 2000 --concurrency 64 --json

It recreates a database named `marquee_bench_backing` (DATABASE_URL's server,
else the embedded one under .data/pg), loads the demo, adds the members and
the programme, starts gunicorn on 127.0.0.1 and always stops it. The
server, database and process functions come from bench/catalogue.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue as base  # noqa: E402 - shared server and database functions

base.BENCH_DATABASE = "marquee_bench_backing"
base.RUN_LOCK_KEY = base.zlib.crc32(b"marquee bench/backing_rush.py")
log, BenchError = base.log, base.BenchError

PROGRAMME_SLUG = "bench-opening-minute"
SUBSCRIBE = """
mutation Subscribe($programme: String!, $units: Int!, $key: String) {
  backerProgrammeSubscribe(programme: $programme, units: $units, idempotencyKey: $key) {
    subscription { id units }
    errors { code }
  }
}
"""
REFUSALS = {"SOLD_OUT", "NOT_ENOUGH_UNITS", "CAP_EXCEEDED"}

# Run with the server's environment (its SECRET_KEY signs the members' tokens).
SETUP_SCRIPT = """
import json, os, sys
from datetime import timedelta
from decimal import Decimal
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from marquee.accounts.tokens import create_access_token
from marquee.films.models import Film
from marquee.members.models import BackerProgramme, BackerTier
from marquee.merch.models import Channel

members, units, cap, slug = (int(os.environ["BENCH_MEMBERS"]), int(os.environ["BENCH_UNITS"]),
                             int(os.environ["BENCH_CAP"]), os.environ["BENCH_SLUG"])
User = get_user_model()
unusable = make_password(None)
User.objects.bulk_create(
    [User(email=f"backer{i}@bench.example", password=unusable, is_active=True)
     for i in range(members)],
    batch_size=1000, ignore_conflicts=True,
)
now = timezone.now()
programme, _ = BackerProgramme.objects.update_or_create(
    slug=slug,
    defaults=dict(
        film=Film.objects.order_by("pk").first(),
        channel=Channel.objects.order_by("pk").first(),
        name="Opening minute", unit_price=Decimal("100.00"), currency="CNY",
        total_units=units, per_member_cap=cap, opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=2), payment_minutes=60, status="published",
        expected_return_text="Display only: no return is promised.",
    ),
)
BackerTier.objects.get_or_create(programme=programme, slug="supporter",
                                 defaults=dict(name="Supporter", min_units=1))
users = User.objects.filter(email__endswith="@bench.example").order_by("pk")
json.dump([create_access_token(u) for u in users], sys.stdout)
"""


def setup_members(env: dict, args) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", SETUP_SCRIPT],
        cwd=base.REPO,
        env={
            **env,
            "BENCH_MEMBERS": str(args.members),
            "BENCH_UNITS": str(args.units),
            "BENCH_CAP": str(args.cap),
            "BENCH_SLUG": PROGRAMME_SLUG,
        },
        capture_output=True,
        text=True,
        timeout=base.COMMAND_TIMEOUT,
    )
    if result.returncode != 0:
        raise BenchError(f"could not create the members:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout)


def plan_requests(tokens: list[str], seed: int) -> list[tuple[str, int, str]]:
    """(token, units, idempotency key) per request, in a shuffled order."""
    rng = random.Random(seed)
    plan = [(token, 1 + (i % 2), f"rush-{i}") for i, token in enumerate(tokens)]
    # One in five asks again for one more: those who got two are then above the cap.
    plan += [(tokens[i], 1, f"rush-{i}-again") for i in range(0, len(tokens), 5)]
    rng.shuffle(plan)
    return plan


def rush(url: str, plan, concurrency: int) -> dict:
    samples: list[tuple[str, float]] = []  # (outcome, seconds)
    lock = threading.Lock()
    queue = iter(plan)
    barrier = threading.Barrier(concurrency + 1)

    def client_loop():
        with httpx.Client(trust_env=False, timeout=base.REQUEST_TIMEOUT) as client:
            barrier.wait()
            while True:
                with lock:
                    item = next(queue, None)
                if item is None:
                    return
                token, units, key = item
                started = time.perf_counter()
                outcome = _subscribe(client, url, token, units, key)
                elapsed = time.perf_counter() - started
                with lock:
                    samples.append((outcome, elapsed))

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"samples": samples, "wall_seconds": wall}


def _subscribe(client: httpx.Client, url: str, token: str, units: int, key: str) -> str:
    try:
        response = client.post(
            url,
            json={
                "query": SUBSCRIBE,
                "variables": {"programme": PROGRAMME_SLUG, "units": units, "key": key},
            },
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as error:
        return f"transport:{type(error).__name__}"
    if response.status_code >= 500:
        return "5xx"
    try:
        body = response.json()
        payload = body["data"]["backerProgrammeSubscribe"]
    except (ValueError, KeyError, TypeError):
        return f"http{response.status_code}"
    if payload.get("subscription"):
        return "subscribed"
    codes = [e["code"] for e in payload.get("errors") or []]
    return codes[0] if codes else "no-answer"


def percentiles(latencies: list[float]) -> dict:
    if not latencies:
        return {"p50": None, "p99": None}
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p99": round(p99 * 1000, 1),
    }


def database_figures(database: base.Database, cap: int) -> dict:
    with psycopg.connect(database.conninfo, connect_timeout=10) as conn:
        programme_id, total, committed = conn.execute(
            "SELECT id, total_units, units_committed FROM members_backerprogramme WHERE slug = %s",
            (PROGRAMME_SLUG,),
        ).fetchone()
        sold = conn.execute(
            "SELECT coalesce(sum(units), 0) FROM members_backersubscription "
            "WHERE programme_id = %s AND status IN ('pending', 'paid')",
            (programme_id,),
        ).fetchone()[0]
        over_cap = conn.execute(
            "SELECT count(*) FROM members_membership WHERE programme_id = %s "
            "AND units_committed > %s",
            (programme_id, cap),
        ).fetchone()[0]
        mismatched = conn.execute(
            """SELECT count(*) FROM members_membership m WHERE m.programme_id = %s
               AND m.units_committed <> (SELECT coalesce(sum(s.units), 0)
                 FROM members_backersubscription s
                 WHERE s.membership_id = m.id AND s.status IN ('pending', 'paid'))""",
            (programme_id,),
        ).fetchone()[0]
    return {
        "total_units": total,
        "units_committed": committed,
        "units_in_subscriptions": int(sold),
        "cap_violations": over_cap,
        "memberships_out_of_step": mismatched,
    }


def pgbench_binary() -> str | None:
    try:
        import pgserver

        bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    return shutil.which("pgbench")


HOT_ROW_UPDATE = "UPDATE bench_hot_row SET n = n + 1 WHERE id = 1;"


def hot_row_tps(
    database: base.Database,
    clients: int,
    seconds: int,
    *,
    statement: str = HOT_ROW_UPDATE,
    initial: int = 0,
) -> dict:
    """pgbench: one row of `bench_hot_row (id, n)` (n starts at `initial`), `statement`
    from `clients` connections (by default `UPDATE ... SET n = n + 1`)."""
    binary = pgbench_binary()
    if binary is None:
        return {"tps": None, "clients": clients, "note": "pgbench not found"}
    with psycopg.connect(database.conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_hot_row")
        conn.execute("CREATE TABLE bench_hot_row (id int PRIMARY KEY, n bigint NOT NULL)")
        conn.execute("INSERT INTO bench_hot_row VALUES (1, %s)", (initial,))
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(statement + "\n")
    argv = [
        binary,
        "-n",
        "-c",
        str(clients),
        "-j",
        str(min(clients, os.cpu_count() or 1)),
        "-T",
        str(seconds),
        "-f",
        script.name,
        database.conninfo,
    ]
    log(f"$ {shlex.join(argv[:-1])} <bench database>")
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(script.name)
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", result.stdout)
    if result.returncode != 0 or not found:
        return {"tps": None, "clients": clients, "note": result.stderr[-500:]}
    return {"tps": round(float(found.group(1)), 1), "clients": clients, "seconds": seconds}


def spare_connections(database: base.Database) -> int:
    facts = base.server_facts(database)
    return (
        facts.max_connections
        - facts.reserved_connections
        - facts.connections_in_use
        - base.CONNECTION_HEADROOM
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--units", type=int, default=2000, help="the programme's total")
    parser.add_argument("--cap", type=int, default=2, help="units per member at most")
    parser.add_argument("--concurrency", type=int, default=64, help="client threads")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2014, help="shuffles the requests")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--pool", type=int, default=None, help="DB connections per worker")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    for name in ("members", "units", "cap", "concurrency", "workers", "threads"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def run(args: argparse.Namespace) -> dict:
    report = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "machine": {"cores": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2)},
    }
    database = base.database_from_environment()
    with base.demo_server(args, report) as (url, env):
        log(f"members: creating {args.members} and a {args.units}-unit programme")
        tokens = setup_members(env, args)
        plan = plan_requests(tokens, args.seed)
        log(f"rush: {len(plan)} requests from {args.concurrency} clients at once")
        done = rush(url, plan, args.concurrency)
        figures = database_figures(database, args.cap)
        clients = max(1, min(args.concurrency, spare_connections(database)))
        pgbench = hot_row_tps(database, clients, args.pgbench_seconds)

    outcomes = Counter(outcome for outcome, _ in done["samples"])
    subscribed = outcomes["subscribed"]
    undefined = sum(
        n for outcome, n in outcomes.items() if outcome != "subscribed" and outcome not in REFUSALS
    )
    rate = subscribed / done["wall_seconds"] if done["wall_seconds"] else 0.0
    answered = len(done["samples"]) / done["wall_seconds"] if done["wall_seconds"] else 0.0
    report["results"] = {
        "requests": len(plan),
        "outcomes": dict(outcomes),
        "units_sold": figures["units_committed"],
        **figures,
        "five_xx": outcomes["5xx"],
        "failures": undefined,
        "rush_seconds": round(done["wall_seconds"], 2),
        "subscriptions_per_second": round(rate, 1),
        "answers_per_second": round(answered, 1),
        "success_ms": percentiles([s for o, s in done["samples"] if o == "subscribed"]),
        "sold_out_ms": percentiles([s for o, s in done["samples"] if o == "SOLD_OUT"]),
        "pgbench_hot_row": pgbench,
        "fraction_of_hot_row": round(answered / pgbench["tps"], 3) if pgbench["tps"] else None,
    }
    return report


def print_report(report: dict) -> None:
    r = report["results"]
    print()
    print(f"units sold:            {r['units_sold']} of {r['total_units']}")
    print(f"in subscriptions:      {r['units_in_subscriptions']}")
    print(
        f"cap violations:        {r['cap_violations']}  "
        f"(memberships out of step with their subscriptions: {r['memberships_out_of_step']})"
    )
    print(f"5xx:                   {r['five_xx']}  undefined answers: {r['failures']}")
    print(f"outcomes:              {r['outcomes']}")
    print(
        f"subscriptions/s:       {r['subscriptions_per_second']}  "
        f"(answers/s {r['answers_per_second']}, rush {r['rush_seconds']} s)"
    )
    print(
        f"success latency:       p50 {r['success_ms']['p50']} ms  p99 {r['success_ms']['p99']} ms"
    )
    print(
        f"SOLD_OUT latency:      p50 {r['sold_out_ms']['p50']} ms  p99 {r['sold_out_ms']['p99']} ms"
    )
    pg = r["pgbench_hot_row"]
    print(
        f"pgbench hot-row TPS:   {pg['tps']} at {pg['clients']} clients "
        f"(answers/s are {r['fraction_of_hot_row']} of it)"
    )
    print(f"server: {report['server']}; machine: {report['machine']}")
    print(f"reproduce: {report['command']}")


def _succeeded(results: dict) -> bool:
    return (
        results["units_sold"] == results["total_units"] == results["units_in_subscriptions"]
        and results["cap_violations"] == 0
        and results["memberships_out_of_step"] == 0
        and results["five_xx"] == 0
    )


def main(argv: list[str] | None = None) -> int:
    return base.run_and_report(parse_args(argv), run, print_report, _succeeded)


if __name__ == "__main__":
    sys.exit(main())
