"""Limits benchmark: the worst requests a client may send, and how fast each is answered.

What it measures: for each case - the largest requests the request limits
still allow, and the abusive ones they refuse (1,000 aliased connections, a
batch of heavy entries, costs hidden in float variables, aliased password
checks, deeply nested JSON) - the HTTP status, the error code and the time
to the whole answer, served by gunicorn with production settings (DEBUG off,
gthread workers, pooled database connections) on the demo shop. The goal is
every case answered, refused or not, in under 2 s on a 2-core machine.

How to run, from the repository root:

    .venv/bin/python bench/limits.py                # every case, 3 runs each
    .venv/bin/python bench/limits.py --runs 5 --json

It (1) drops and recreates a database named `marquee_bench_limits` - on the
DATABASE_URL server if that is set, else on the embedded server under
.data/pg - and runs `manage.py migrate` and `manage.py loaddemo` on it, plus
one customer account for the signed-in cases, and widens the catalogue to
120 products (bench/catalogue_data.py) so that `first: 100` answers 100,
(2) starts gunicorn on a free port of 127.0.0.1 exactly as bench/catalogue.py
does (its server and database functions are reused), (3) sends every case
one after another and (4) always stops gunicorn. Nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue as base  # noqa: E402 - shared server and database functions

base.BENCH_DATABASE = "marquee_bench_limits"
base.RUN_LOCK_KEY = base.zlib.crc32(b"marquee bench/limits.py")
log, BenchError = base.log, base.BenchError

EMAIL, PASSWORD = "bench.fan@marquee.example", "bench-only-password-1"
CREATE_USER = (
    "from django.contrib.auth import get_user_model; "
    f"get_user_model().objects.filter(email={EMAIL!r}).exists() or "
    f"get_user_model().objects.create_user({EMAIL!r}, {PASSWORD!r})"
)
SLOW = 2.0  # seconds: a case slower than this is flagged
CHANNEL = "china"  # the channel every case reads

NESTED = """query ($n: Int) { products(channel: "china", first: $n) { edges { node {
  category { products(channel: "china", first: $n) { edges { node {
    category { products(channel: "china", first: $n) { edges { node { id } } } } } } } } } } } }"""
# Costs as the query-cost model (Saleor's, marquee/graphql/core/query_costs.toml)
# counts them at n = 100, against the default limits of 50,000 per operation
# (GRAPHQL_QUERY_MAX_COMPLEXITY) and per request (GRAPHQL_REQUEST_MAX_COMPLEXITY).
# A page of 100 holds 100 products: the catalogue is widened past the demo's 44.

# Cost 10,100: allowed alone; a batch of ten (101,000) is refused as a whole.
HEAVY_ENTRY = """query ($n: Int) { products(channel: "china", first: $n) { edges { node {
  name productVariants(first: 100) { edges { node { sku } } } } } } }"""
HEAVY_COST = 10_100
# Cost 4,900: ten of them (49,000) are about the largest batch the request budget allows.
BATCH_ENTRY = """{ products(channel: "china", first: 100) { edges { node {
  name slug productVariants(first: 48) { edges { node { sku } } } } } } }"""
BATCH_COST = 4_900
# Cost 40,100: about the most expensive product list the per-operation limit allows
# (each variant's attributes and their values are counted per variant).
MAX_COST = """{ products(channel: "china", first: 100) { edges { node {
  productVariants(first: 100) { edges { node {
    sku attributes { attribute { slug } values { slug } } } } } } } } }"""
MAX_COST_COST = 40_100


def aliases(count: int, field: str) -> str:
    return "{" + " ".join(f"a{i}: {field}" for i in range(count)) + "}"


def mutation_aliases(count: int, field) -> str:
    return "mutation {" + " ".join(f"a{i}: {field(i)}" for i in range(count)) + "}"


def token_create(i: int) -> str:
    return f'tokenCreate(email: "{EMAIL}", password: "guess{i}") {{ token errors {{ code }} }}'


def cases(token: str) -> list[tuple[str, dict]]:
    """(name, request) pairs; a request is httpx keyword arguments for a POST."""
    signed_in = {"Authorization": f"Bearer {token}"}
    totals = 'products(channel: "china", first: 1) { totalCount }'
    return [
        (
            "1,000 aliases of products(first:1){totalCount}",
            {"json": {"query": aliases(1000, totals)}},
        ),
        (
            "20 aliases of products(first:1){totalCount} (the cap)",
            {"json": {"query": aliases(20, totals)}},
        ),
        (
            f"batch of 10 entries of cost {HEAVY_COST:,} each",
            {"json": [{"query": HEAVY_ENTRY, "variables": {"n": 100}}] * 10},
        ),
        (
            f"batch of 10 entries of cost {BATCH_COST:,} each (allowed)",
            {"json": [{"query": BATCH_ENTRY}] * 10},
        ),
        (
            "products nested 3 deep, first: 100",
            {"json": {"query": NESTED, "variables": {"n": 100}}},
        ),
        (
            "products nested 3 deep, first: 100.0",
            {"json": {"query": NESTED, "variables": {"n": 100.0}}},
        ),
        (f"max-cost product list allowed (cost {MAX_COST_COST:,})", {"json": {"query": MAX_COST}}),
        (
            "200 aliased tokenCreate",
            {"json": {"query": mutation_aliases(200, token_create)}},
        ),
        (
            "2 aliased tokenCreate",
            {"json": {"query": mutation_aliases(2, token_create)}},
        ),
        (
            "batch of 10 tokenCreate entries",
            {"json": [{"query": mutation_aliases(1, token_create)}] * 10},
        ),
        (
            "40 aliased passwordChange (signed in)",
            {
                "json": {
                    "query": mutation_aliases(
                        40,
                        lambda i: (
                            f'passwordChange(oldPassword: "guess{i}", '
                            'newPassword: "x-new-password-1") { errors { code } }'
                        ),
                    )
                },
                "headers": signed_in,
            },
        ),
        (
            "2 KB body of nested brackets",
            {
                "content": ("[" * 1024 + "]" * 1024).encode(),
                "headers": {"Content-Type": "application/json"},
            },
        ),
    ]


def outcome(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "not JSON"
    entries = body if isinstance(body, list) else [body]
    codes = sorted(
        {
            ((error.get("extensions") or {}).get("exception") or {}).get("code", "?")
            for entry in entries
            for error in entry.get("errors") or []
        }
    )
    return ",".join(codes) if codes else "ok"


def sign_in(url: str) -> str:
    query = (
        "mutation ($e: String!, $p: String!) "
        "{ tokenCreate(email: $e, password: $p) { token errors { code } } }"
    )
    with httpx.Client(trust_env=False, timeout=base.REQUEST_TIMEOUT) as client:
        body = client.post(
            url, json={"query": query, "variables": {"e": EMAIL, "p": PASSWORD}}
        ).json()
    token = ((body.get("data") or {}).get("tokenCreate") or {}).get("token")
    if not token:
        raise BenchError(f"could not sign in the bench customer: {body}")
    return token


def fresh(request: dict, run: int) -> dict:
    """The request with its documents made unique, so no run is served from the
    server's parse-and-validate cache: an abuser would not send the same text twice."""
    payload = request.get("json")
    if payload is None:
        return request
    entries = payload if isinstance(payload, list) else [payload]
    marked = [{**entry, "query": f"{entry['query']}\n# run {run}"} for entry in entries]
    return {**request, "json": marked if isinstance(payload, list) else marked[0]}


def warm_up(client: httpx.Client, url: str, workers: int) -> None:
    """A few requests per worker first, so no case pays for a worker's first request."""
    for _ in range(4 * workers):
        client.post(url, json={"query": base.READY_QUERY})


def run_cases(url: str, runs: int, workers: int) -> list[dict]:
    results = []
    with httpx.Client(trust_env=False, timeout=base.REQUEST_TIMEOUT) as client:
        warm_up(client, url, workers)
        for name, request in cases(sign_in(url)):
            timings, statuses, codes = [], set(), set()
            for run in range(runs):
                started = time.perf_counter()
                response = client.post(url, **fresh(request, run))
                timings.append(time.perf_counter() - started)
                statuses.add(response.status_code)
                codes.add(outcome(response))
            results.append(
                {
                    "case": name,
                    "status": ",".join(str(s) for s in sorted(statuses)),
                    "code": " | ".join(sorted(codes)),
                    "median_ms": round(statistics.median(timings) * 1000, 1),
                    "max_ms": round(max(timings) * 1000, 1),
                }
            )
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=3, help="times each case is sent")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--pool", type=int, default=None, help="DB connections per worker")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.runs <= 0:
        parser.error("--runs must be positive")
    return args


def run(args: argparse.Namespace) -> dict:
    report = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "machine": {"cores": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2)},
    }

    def prepare(env, _database):
        base.manage(env, "shell", "-c", CREATE_USER)
        report["catalogue"] = base.widen_catalogue(
            env, CHANNEL, base.catalogue_data.DEFAULT_PRODUCTS
        )

    with base.demo_server(args, report, prepare=prepare) as (url, _env):
        log(f"cases: {args.runs} runs each")
        report["results"] = run_cases(url, args.runs, args.workers)
    return report


def print_report(report: dict) -> None:
    print()
    print(f"{'case':<56} {'status':>6}  {'median':>9}  {'max':>9}  code")
    for row in report["results"]:
        flag = "  SLOW" if row["max_ms"] > SLOW * 1000 else ""
        print(
            f"{row['case']:<56} {row['status']:>6}  {row['median_ms']:>7} ms  "
            f"{row['max_ms']:>7} ms  {row['code']}{flag}"
        )
    catalogue = report["catalogue"]
    print(
        f"catalogue: {catalogue['listed']} products listed in {CHANNEL} "
        f"({catalogue['listed_before']} before widening, {catalogue['copied']} copies added)"
    )
    print(f"server: {report['server']}; machine: {report['machine']}")
    print(f"reproduce: {report['command']}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = run(args)
    except BenchError as error:
        log(f"error: {error}")
        return 2
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 1 if any(row["max_ms"] > SLOW * 1000 for row in report["results"]) else 0


if __name__ == "__main__":
    sys.exit(main())
