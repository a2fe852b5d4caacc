"""Backing rush benchmark: the opening minute of a backer programme.

What it measures: thousands of signed-in members subscribing at the same
moment to a programme with fewer units than they ask for, over HTTP
against gunicorn with production settings (DEBUG off, pooled database
connections). Every member sends `--requests-per-member` subscriptions at
once (1 or 2 units each, with different idempotency keys: a double click,
two tabs) so the per-member cap is raced as well as the programme total.

It prints, from the database after the storm: units sold (must equal the
programme's total), members above the cap (must be 0), subscriptions
written; from the answers: every request's outcome (subscribed, SOLD_OUT,
CAP_EXCEEDED, other errors, 5xx, transport failures), subscriptions/s over
the storm, and p50/p99 latency for successes and for SOLD_OUT, measured
from the moment the whole storm was released (what a member waits, queue
included). Then pgbench runs one conditional single-row UPDATE at the same
concurrency against the same server, so the rate reads as a fraction of
what one hot row allows on this machine.

How to run, from the repository root:

    .venv/bin/python bench/backing_rush.py                          # 5,000 members, 2,000 units
    .venv/bin/python bench/backing_rush.py --members 500 --units 200
    .venv/bin/python bench/backing_rush.py --concurrency 128 --json

It drops and recreates a database named `marquee_bench_backing` (on the
DATABASE_URL server if set, else on the embedded server under .data/pg),
migrates it and loads the demo, adds the programme and the members, serves
it with gunicorn on 127.0.0.1 and always stops gunicorn afterwards. Nothing
is sent anywhere but 127.0.0.1. The exit status is 0 only if units sold
equal the total, no member is above the cap and no answer was a 5xx or a
transport failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
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

PROGRAMME_SLUG = "bench-rush"
PGBENCH_SECONDS = 10

SUBSCRIBE = """
mutation Subscribe($programme: String!, $units: Int!, $key: String) {
  backerProgrammeSubscribe(programme: $programme, units: $units, idempotencyKey: $key) {
    subscription { units status }
    errors { field code message }
  }
}
"""

# Runs in a Django process: the programme and its members, and one access token each.
PREPARE_SCRIPT = """
import json, os, sys
from datetime import timedelta
from decimal import Decimal
import django
django.setup()
from django.contrib.auth import get_user_model
from django.utils import timezone
from marquee.accounts.tokens import create_access_token
from marquee.films.models import Film
from marquee.merch.models import Channel
from marquee.members.models import BackerProgramme, BackerTier

members, units, cap = (int(v) for v in sys.argv[1:4])
now = timezone.now()
channel = Channel.objects.get(slug="china")
programme = BackerProgramme.objects.create(
    film=Film.objects.order_by("pk").first(), channel=channel, slug=sys.argv[4],
    name="Opening minute", unit_price=Decimal("100.00"), currency=channel.currency_code,
    total_units=units, per_member_cap=cap, opens_at=now - timedelta(minutes=1),
    closes_at=now + timedelta(hours=2), status="published", payment_minutes=60,
)
BackerTier.objects.create(programme=programme, slug="supporter", name="Supporter", min_units=1)
User = get_user_model()
User.objects.bulk_create(
    [User(email=f"rush{n}@bench.example", is_active=True, password="!") for n in range(members)],
    batch_size=1000,
)
users = User.objects.filter(email__endswith="@bench.example").order_by("pk")
json.dump([create_access_token(user) for user in users], open(os.environ["BENCH_TOKENS"], "w"))
"""


def prepare(env: dict[str, str], args: argparse.Namespace, tokens_path: str) -> None:
    """The programme and its members; tokens signed with the key the server will use."""
    log(f"preparing {args.members} members and a {args.units}-unit programme (cap {args.cap})")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PREPARE_SCRIPT,
            *(str(v) for v in (args.members, args.units, args.cap)),
            PROGRAMME_SLUG,
        ],
        cwd=base.REPO,
        env={
            **env,
            "SECRET_KEY": base.SERVER_SECRET_KEY,
            "JWT_ACCESS_TOKEN_LIFETIME_SECONDS": "7200",
            "BENCH_TOKENS": tokens_path,
        },
        capture_output=True,
        text=True,
        timeout=base.COMMAND_TIMEOUT,
    )
    if result.returncode != 0:
        raise BenchError(f"could not prepare the programme:\n{result.stderr[-4000:]}")


async def storm(url: str, tokens: list[str], args: argparse.Namespace) -> dict:
    """Release every request at once; at most `concurrency` are on the wire at a time."""
    rng = random.Random(args.seed)
    requests = [
        (token, rng.randint(1, args.cap), f"rush-{member}-{attempt}")
        for member, token in enumerate(tokens)
        for attempt in range(args.requests_per_member)
    ]
    rng.shuffle(requests)
    gate = asyncio.Semaphore(args.concurrency)
    outcomes: Counter = Counter()
    latencies: dict[str, list[float]] = {"subscribed": [], "SOLD_OUT": []}
    failures: list[str] = []
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=None)
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(trust_env=False, limits=limits, timeout=timeout) as client:
        released = time.perf_counter()

        async def one(token: str, units: int, key: str) -> None:
            async with gate:
                try:
                    response = await client.post(
                        url,
                        json={
                            "query": SUBSCRIBE,
                            "variables": {"programme": PROGRAMME_SLUG, "units": units, "key": key},
                        },
                        headers={"Authorization": f"Bearer {token}"},
                    )
                except httpx.HTTPError as error:
                    outcomes["transport failure"] += 1
                    failures.append(f"{type(error).__name__}: {error}")
                    return
            waited = time.perf_counter() - released
            outcome = classify(response)
            outcomes[outcome] += 1
            if outcome in latencies:
                latencies[outcome].append(waited)
            elif outcome.startswith(("HTTP", "unreadable")) and len(failures) < 10:
                failures.append(f"{outcome}: {response.text[:300]}")

        await asyncio.gather(*(one(*request) for request in requests))
        seconds = time.perf_counter() - released
    return {
        "requests": len(requests),
        "seconds": round(seconds, 2),
        "outcomes": dict(outcomes.most_common()),
        "subscriptions_per_second": round(outcomes["subscribed"] / seconds, 1),
        "answers_per_second": round(sum(outcomes.values()) / seconds, 1),
        "latency_ms": {k: base.percentiles_ms(v) for k, v in latencies.items()},
        "failures_shown": failures[:10],
    }


def classify(response: httpx.Response) -> str:
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return "unreadable answer"
    payload = (body.get("data") or {}).get("backerProgrammeSubscribe")
    if payload is None:
        return f"HTTP {response.status_code} without a payload"
    if payload["errors"]:
        return payload["errors"][0]["code"]
    return "subscribed"


def ledger_of_units(database: base.Database, cap: int) -> dict:
    with psycopg.connect(database.conninfo, connect_timeout=10) as conn:
        total, committed = conn.execute(
            "SELECT total_units, units_committed FROM members_backerprogramme WHERE slug = %s",
            (PROGRAMME_SLUG,),
        ).fetchone()
        written, units = conn.execute(
            "SELECT count(*), COALESCE(sum(s.units), 0) FROM members_backersubscription s "
            "JOIN members_backerprogramme p ON p.id = s.programme_id "
            "WHERE p.slug = %s AND s.status IN ('pending', 'paid')",
            (PROGRAMME_SLUG,),
        ).fetchone()
        above_cap = conn.execute(
            "SELECT count(*) FROM (SELECT s.membership_id FROM members_backersubscription s "
            "JOIN members_backerprogramme p ON p.id = s.programme_id "
            "WHERE p.slug = %s AND s.status IN ('pending', 'paid') "
            "GROUP BY s.membership_id HAVING sum(s.units) > %s) over_cap",
            (PROGRAMME_SLUG, cap),
        ).fetchone()[0]
    return {
        "total_units": total,
        "units_sold": committed,
        "units_in_subscriptions": units,
        "subscriptions_written": written,
        "members_above_cap": above_cap,
    }


def pgbench_hot_row(database: base.Database, clients: int) -> float | None:
    """TPS of one conditional single-row UPDATE at `clients` connections (None: no pgbench)."""
    binary = shutil.which("pgbench") or next(
        iter(
            sorted(
                Path(base.REPO).glob(
                    ".venv/lib/python*/site-packages/pgserver/pginstall/bin/pgbench"
                )
            )
        ),
        None,
    )
    if binary is None:
        log("pgbench not found; skipping the hot-row figure")
        return None
    with psycopg.connect(database.conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_hot_row")
        conn.execute("CREATE TABLE bench_hot_row (id int PRIMARY KEY, n bigint NOT NULL)")
        conn.execute("INSERT INTO bench_hot_row VALUES (1, 0)")
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write("UPDATE bench_hot_row SET n = n + 1 WHERE id = 1 AND n < 9000000000000;\n")
        script.flush()
        argv = [
            str(binary),
            "-n",
            "-f",
            script.name,
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(PGBENCH_SECONDS),
            database.conninfo,
        ]
        log(f"$ {shlex.join(argv[:-1])} <bench database>")
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    found = re.search(r"tps = ([0-9.]+)", result.stdout)
    if result.returncode != 0 or found is None:
        log(f"pgbench failed:\n{result.stderr[-2000:]}")
        return None
    return float(found.group(1))


def run(args: argparse.Namespace) -> dict:
    report = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "members": args.members,
        "requests_per_member": args.requests_per_member,
        "concurrency": args.concurrency,
        "cap": args.cap,
        "machine": {"cores": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2)},
    }
    with tempfile.TemporaryDirectory() as scratch:
        tokens_path = os.path.join(scratch, "tokens.json")
        holder: dict = {}

        def setup(env, database):
            holder["database"] = database
            prepare(env, args, tokens_path)

        with base.demo_server(args, report, prepare=setup) as (url, _env):
            with open(tokens_path) as handle:
                tokens = json.load(handle)
            log(
                f"storm: {len(tokens)} members x {args.requests_per_member} requests, "
                f"{args.concurrency} on the wire at a time"
            )
            results = asyncio.run(storm(url, tokens, args))
            results.update(ledger_of_units(holder["database"], args.cap))
        results["pgbench_hot_row_tps"] = pgbench_hot_row(holder["database"], args.concurrency)
    rate = results["pgbench_hot_row_tps"]
    results["fraction_of_hot_row"] = (
        round(results["subscriptions_per_second"] / rate, 4) if rate else None
    )
    fives = sum(n for k, n in results["outcomes"].items() if k.startswith("HTTP 5"))
    results["server_errors"] = fives
    results["failures"] = fives + results["outcomes"].get("transport failure", 0)
    report["results"] = results
    return report


def print_report(report: dict) -> None:
    r = report["results"]
    print()
    print(f"units sold:          {r['units_sold']} of {r['total_units']}")
    print(f"members above cap:   {r['members_above_cap']} (cap {report['cap']})")
    print(f"subscriptions:       {r['subscriptions_written']} written")
    print(f"answers:             {r['outcomes']}")
    print(f"5xx:                 {r['server_errors']}")
    print(
        f"subscriptions/s:     {r['subscriptions_per_second']} "
        f"(answers/s {r['answers_per_second']}, storm {r['seconds']} s)"
    )
    for outcome, figures in r["latency_ms"].items():
        print(f"  {outcome:<16} p50 {figures['p50']} ms   p99 {figures['p99']} ms")
    print(
        f"pgbench hot row:     {r['pgbench_hot_row_tps']} UPDATE/s at {report['concurrency']} "
        f"clients; subscriptions are {r['fraction_of_hot_row']} of it"
    )
    for failure in r["failures_shown"]:
        print(f"  failure: {failure}")
    print(f"server: {report['server']}; machine: {report['machine']}")
    print(f"reproduce: {report['command']}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        description="Members rushing a backer programme's opening over HTTP.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--units", type=int, default=2000, help="the programme's total")
    parser.add_argument("--cap", type=int, default=2, help="units per member at most")
    parser.add_argument("--requests-per-member", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64, help="requests on the wire")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--pool", type=int, default=None, help="DB connections per worker")
    parser.add_argument("--seed", type=int, default=2014, help="who asks for how many units")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    for name in ("members", "units", "cap", "requests_per_member", "concurrency", "workers"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def sold_right(results: dict) -> bool:
        return (
            results["units_sold"] == results["total_units"]
            and results["units_in_subscriptions"] == results["units_sold"]
            and results["members_above_cap"] == 0
        )

    return base.run_and_report(args, run, print_report, sold_right)


if __name__ == "__main__":
    sys.exit(main())
