"""Drop benchmark: a limited drop's first minute, over HTTP, as production serves it.

What it measures: 10,000 buyers for a 500-unit drop, sent by several client
processes over loopback with bounded concurrency (256 connections), each
buyer walking the drop's flow - `dropJoin`/`dropTicket` when the drop has a
waiting room, `dropReserve`, shipping and billing address, delivery method,
`transactionInitialize` (offline gateway), `checkoutComplete` - served by
gunicorn with production settings (DEBUG off, gthread workers, pooled
connections), a Celery worker, real PostgreSQL and real Redis (admission,
rate limits, cache and broker). The flow and the books are those of the
fault tests (`tests/drops/harness.py`). As on the day: the drop is
scheduled an hour ahead, fans refresh `dropReserve` before the opening for
`--warmup` seconds (answered NOT_STARTED; the workers have their database
connections and parsed documents, as a server that has served the shop
for hours has), staff then open it (its start moved to now through the
scheduling service) and the storm is released. It prints:

- units sold (must be 500), oversold (0), duplicate orders (0), 5xx and
  internal errors (0), buyers without a definite answer (0);
- time to sell out (the last unit reserved), reservations/s and orders/s;
- p50/p99 of the winners' `dropReserve` and whole purchase, and of
  `SOLD_OUT` answers - all of them and those sent after the sell-out;
- every answer by kind;
- with wrk installed (Debian's `wrk`), the server alone answering SOLD_OUT
  after the sell-out: wrk at the storm's concurrency for `--wrk-seconds`,
  requests/s and p50/p90/p99, a client that costs next to nothing, so the
  figure is the server's and not what the storm's Python clients leave of
  the machine;
- in the same run, pgbench's TPS for a single-row
  `UPDATE ... SET qty = qty - 1 WHERE qty > 0` at the same client concurrency
  (as many connections as the server has to spare): what one hot row allows.

How to run, from the repository root:

    .venv/bin/python bench/drop.py
    .venv/bin/python bench/drop.py --buyers 10000 --units 500 --concurrency 256 --json
    .venv/bin/python bench/drop.py --admission-rate 200   # with a waiting room

It recreates a database named `marquee_bench_drop` (DATABASE_URL's server,
else the embedded one under .data/pg), loads the demo, schedules the drop
on a demo variant, starts a redis-server of its own on a free port (unless
REDIS_URL is set), a Celery worker and gunicorn on 127.0.0.1, and always
stops them. Exit status 1 when an invariant fails, 2 when it cannot run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import backing_rush  # noqa: E402 - its pgbench run
import catalogue as base  # noqa: E402 - shared server and database functions
import wrk  # noqa: E402 - the C load generator

from tests.drops import harness  # noqa: E402 - the drop flow, shared with the fault tests

base.BENCH_DATABASE = "marquee_bench_drop"
base.RUN_LOCK_KEY = base.zlib.crc32(b"marquee bench/drop.py")
log, BenchError = base.log, base.BenchError

DROP_SLUG = "bench-first-minute"
HOT_ROW_STATEMENT = "UPDATE bench_hot_row SET n = n - 1 WHERE id = 1 AND n > 0;"

# Run with the server's environment: a demo variant nobody has ordered becomes the drop.
SETUP_SCRIPT = """
import json, os
from datetime import timedelta
import django
django.setup()
from django.utils import timezone
from graphql_relay import to_global_id
from marquee.merch import models as m
from marquee.merch.drops.services import DropInput, schedule_drop

units, slug = int(os.environ["BENCH_UNITS"]), os.environ["BENCH_SLUG"]
rate = float(os.environ["BENCH_RATE"]) if os.environ.get("BENCH_RATE") else None
channel = m.Channel.objects.get(slug=os.environ["BENCH_CHANNEL"])
variant = (
    m.ProductVariant.objects.filter(
        product__channel_listings__channel=channel,
        product__channel_listings__is_published=True,
        channel_listings__channel=channel,
        track_inventory=True,
    )
    .exclude(stocks__quantity_allocated__gt=0)
    .exclude(product__drops__isnull=False)  # the demo's own drops
    .exclude(pk__in=m.OrderLine.objects.filter(variant__isnull=False).values("variant_id"))
    .order_by("product_id", "pk")
    .first()
)
m.Stock.objects.filter(product_variant=variant).update(quantity=0)
# An hour ahead: fans arrive before the opening (the warm-up), then staff open it (OPEN_SCRIPT).
drop = schedule_drop(DropInput(
    slug=slug, name="The first minute", channel_id=channel.pk, product_id=variant.product_id,
    variants=[(variant.pk, units)], starts_at=timezone.now() + timedelta(hours=1),
    reservation_minutes=10, admission_rate=rate,
    admission_burst=int(os.environ["BENCH_BURST"]),
))
print(json.dumps({"drop": to_global_id("Drop", drop.pk), "variant_pk": variant.pk,
                  "variant": to_global_id("ProductVariant", variant.pk),
                  "product": variant.product.name}))
"""


# Run with the server's environment: staff open the drop now, through the scheduling service.
OPEN_SCRIPT = """
import os
from datetime import timedelta
import django
django.setup()
from django.utils import timezone
from marquee.merch import models as m
from marquee.merch.drops.services import DropInput, schedule_drop

drop = m.Drop.objects.get(slug=os.environ["BENCH_SLUG"])
schedule_drop(DropInput(
    slug=drop.slug, name=drop.name, channel_id=drop.channel_id, product_id=drop.product_id,
    variants=list(drop.drop_variants.values_list("variant_id", "quantity")),
    starts_at=timezone.now() - timedelta(seconds=1), reservation_minutes=drop.reservation_minutes,
    admission_rate=drop.admission_rate, admission_burst=drop.admission_burst,
), drop=drop)
"""

# Workers keep a drop's row for at most this long (`merch.drops.selectors.hot`): after the
# opening the storm waits for every worker to see it open.
SNAPSHOT_SECONDS = 1.0


def open_drop(env: dict) -> None:
    result = subprocess.run(
        [sys.executable, "-c", OPEN_SCRIPT],
        cwd=base.REPO,
        env={**env, "BENCH_SLUG": DROP_SLUG},
        capture_output=True,
        text=True,
        timeout=base.COMMAND_TIMEOUT,
    )
    if result.returncode != 0:
        raise BenchError(f"could not open the drop:\n{result.stderr[-4000:]}")
    time.sleep(SNAPSHOT_SECONDS + 0.5)


def warm_up(flow: harness.Flow, seconds: float, connections: int) -> Counter:
    """Fans refreshing before the opening: dropReserve from `connections` keep-alive
    connections for `seconds`, each answered NOT_STARTED. A server on the day of a drop has
    served the shop for hours: its workers have their database connections, their parsed
    documents and the drop's row; a bench that storms freshly started workers measures
    their start, not the drop. Returns the answers by kind."""
    kinds: Counter = Counter()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    def fan(number: int) -> None:
        with httpx.Client(trust_env=False, timeout=flow.request_timeout, limits=limits) as client:
            while time.monotonic() < deadline:
                variables = {
                    "drop": flow.drop,
                    "variant": flow.variant,
                    "quantity": 1,
                    "email": f"early-{number}@example.com",
                }
                try:
                    body = client.post(
                        flow.url, json={"query": harness.DROP_RESERVE, "variables": variables}
                    ).json()
                    errors = (body.get("data") or {}).get("dropReserve", {}).get("errors") or []
                    kinds[errors[0]["code"] if errors else "ok"] += 1
                except (httpx.HTTPError, ValueError, AttributeError) as error:
                    kinds[type(error).__name__] += 1

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(fan, range(connections)))
    return kinds


def sold_out_capacity(flow: harness.Flow, args) -> dict | None:
    """The server alone answering SOLD_OUT after the sell-out: wrk (`bench/wrk.py`) at the
    storm's concurrency for `--wrk-seconds`, so what the storm's Python clients leave of the
    machine is not the limit. None without wrk."""
    if args.wrk_seconds <= 0:
        return None
    if not wrk.available():
        log("wrk not installed (Debian: apt install wrk): the SOLD_OUT capacity is not measured")
        return None
    variables = {
        "drop": flow.drop,
        "variant": flow.variant,
        "quantity": 1,
        "email": "late@example.com",
    }
    return wrk.run(
        flow.url,
        {"query": harness.DROP_RESERVE, "variables": variables},
        connections=args.concurrency,
        seconds=args.wrk_seconds,
        log=log,
    )


def schedule(env: dict, args) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SETUP_SCRIPT],
        cwd=base.REPO,
        env={
            **env,
            "BENCH_UNITS": str(args.units),
            "BENCH_SLUG": DROP_SLUG,
            "BENCH_CHANNEL": args.channel,
            "BENCH_RATE": "" if args.admission_rate is None else str(args.admission_rate),
            "BENCH_BURST": str(args.admission_burst),
        },
        capture_output=True,
        text=True,
        timeout=base.COMMAND_TIMEOUT,
    )
    if result.returncode != 0:
        raise BenchError(f"could not schedule the drop:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def figures(outcomes: list[harness.Outcome], started: float, units: int) -> dict:
    """Latencies, rates and answer kinds from every buyer's record."""
    reserves = [
        a for o in outcomes for a in o.answers if a.step == "dropReserve" and a.kind == "ok"
    ]
    completes = [
        a
        for o in outcomes
        if o.result == "ORDER"
        for a in o.answers
        if a.step == "checkoutComplete" and a.kind == "ok"
    ]
    sold_out = [a for o in outcomes for a in o.answers if a.kind == "SOLD_OUT"]
    # Sold out: the last unit that could be reserved was (units held by checkouts their
    # buyers abandoned, after an answer that never came, are not for sale until they expire).
    sold_out_at = max((a.received for a in reserves), default=None) if sold_out else None
    last_order = max((a.received for a in completes), default=None)
    sell_out_seconds = (sold_out_at - started) if sold_out_at else None
    order_seconds = (last_order - started) if last_order else None
    winners = [o for o in outcomes if o.result == "ORDER"]
    kinds = harness.answers_by_kind(outcomes)
    return {
        "buyers": len(outcomes),
        "results": dict(harness.tally(outcomes).most_common()),
        "answers": dict(kinds.most_common()),
        "requests": sum(kinds.values()),
        "five_xx": sum(n for kind, n in kinds.items() if kind.startswith("http:5")),
        "internal_errors": kinds.get("INTERNAL_ERROR", 0),
        # Answered REQUEST_TIMEOUT (past GRAPHQL_REQUEST_DEADLINE_SECONDS): retried, not a 5xx.
        "deadline_answers": kinds.get("REQUEST_TIMEOUT", 0),
        "transport_errors": sum(n for kind, n in kinds.items() if kind.startswith("transport:")),
        "hangs": len(harness.hangs(outcomes)),
        "hangs_by_step": dict(Counter(a.step for a in harness.hangs(outcomes)).most_common()),
        "undefined": len(harness.undefined(outcomes)),
        "sell_out_seconds": round(sell_out_seconds, 3) if sell_out_seconds else None,
        "reservations_per_second": round(len(reserves) / sell_out_seconds, 1)
        if sell_out_seconds
        else None,
        "orders_per_second": round(len(completes) / order_seconds, 1) if order_seconds else None,
        "storm_seconds": round(max(o.finished for o in outcomes) - started, 2),
        "winner_reserve_ms": base.percentiles([a.latency for a in reserves]),
        "winner_purchase_ms": base.percentiles([o.finished - o.answers[0].sent for o in winners]),
        "sold_out_ms": base.percentiles([a.latency for a in sold_out]),
        "sold_out_after_sell_out_ms": base.percentiles(
            [a.latency for a in sold_out if sold_out_at and a.sent > sold_out_at]
        ),
    }


def duplicate_orders(database: base.Database, variant_pk: int) -> int:
    """Orders beyond one per buyer (each buyer has an email of its own)."""
    import psycopg

    with psycopg.connect(database.conninfo, connect_timeout=10) as conn:
        return conn.execute(
            """SELECT count(*) - count(DISTINCT o.user_email) FROM merch_order o
               WHERE EXISTS (SELECT 1 FROM merch_orderline l
                             WHERE l.order_id = o.id AND l.variant_id = %s)""",
            (variant_pk,),
        ).fetchone()[0]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=500, help="the drop's quantity")
    parser.add_argument("--concurrency", type=int, default=256, help="client connections")
    parser.add_argument("--clients", type=int, default=8, help="client processes")
    parser.add_argument(
        "--admission-rate", type=float, default=None, help="buyers/s; unset: no waiting room"
    )
    parser.add_argument("--admission-burst", type=int, default=50)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument(
        "--wrk-seconds",
        type=int,
        default=10,
        help="seconds of wrk sending dropReserve after the sell-out (0: not measured)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=3.0,
        help="seconds of fans refreshing dropReserve before the opening (NOT_STARTED answers); "
        "0: storm freshly started workers",
    )
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--pool", type=int, default=None, help="DB connections per worker")
    parser.add_argument("--channel", default="china", help="the drop's channel")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="a hang, seconds")
    parser.add_argument(
        "--interleaved",
        action="store_true",
        help="each client connection walks one buyer through the whole purchase before the next "
        "buyer arrives (default: every buyer arrives first, the winners then check out)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    for name in ("buyers", "units", "concurrency", "clients", "workers", "threads"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be positive")
    return args


def run(args: argparse.Namespace) -> dict:
    report = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "machine": {"cores": os.cpu_count(), "load_average": round(os.getloadavg()[0], 2)},
    }
    database = base.database_from_environment()
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-drop-")))
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            redis = harness.RedisServer(directory)
            redis.start()
            stack.callback(redis.stop)
            redis_url = redis.url(0)
        report["redis"] = redis_url
        server_env = {
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "OFFLINE_PAYMENTS_ENABLED": "1",  # the offline test gateway is the one measured
            "OFFLINE_PAYMENTS_IN_PRODUCTION_TAKE_NO_MONEY": "1",
            # Every buyer comes from 127.0.0.1: the per-IP limit would refuse the storm.
            "DROP_RATE_LIMIT_PER_IP": "0",
            "LOG_LEVEL": "WARNING",
        }
        drop = {}

        def prepare(env, _database):
            drop.update(schedule({**env, **server_env}, args))

        url, env = stack.enter_context(
            base.demo_server(args, report, prepare=prepare, server_env=server_env)
        )
        report["drop"] = {**drop, "units": args.units, "admission_rate": args.admission_rate}
        worker = harness.CeleryWorker(env, directory)
        worker.start()
        stack.callback(worker.stop)
        flow = harness.Flow(
            url=url,
            drop=drop["drop"],
            variant=drop["variant"],
            waiting_room=args.admission_rate is not None,
            request_timeout=args.request_timeout,
            give_up_after=120.0,
            arrivals_first=not args.interleaved,
        )
        if args.warmup > 0:
            log(f"warm-up: {args.warmup:g} s of dropReserve before the opening, 64 connections")
            report["warm_up"] = dict(warm_up(flow, args.warmup, 64).most_common())
            if report["warm_up"].get("ok"):
                raise BenchError("the drop sold units before it opened")
        log("opening the drop (staff move its start to now)")
        open_drop(env)
        log(
            f"storm: {args.buyers} buyers for {args.units} units of {drop['product']!r}, "
            f"{args.concurrency} connections from {args.clients} client processes"
        )
        storm = harness.Storm(
            flow, args.buyers, processes=args.clients, concurrency=args.concurrency
        )
        stack.callback(storm.stop)
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        storm.start(timeout=120)
        outcomes = storm.wait(timeout=1800)
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        results = figures(outcomes, storm.started_at, args.units)
        books = harness.books(database.conninfo, drop["variant_pk"], outcomes)
        results.update(
            units_sold=books.units_ordered,
            oversold=max(0, books.units_ordered - args.units),
            orders=books.orders,
            duplicate_orders=duplicate_orders(database, drop["variant_pk"])
            + max(0, books.orders_per_checkout_max - 1),
            held_by_abandoned_checkouts=sum(row.get("reserved", 0) for row in books.stock_rows),
            violations=books.violations(),
            stock_rows=books.stock_rows,
        )
        results["client_cpu_seconds"] = round(
            (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime),
            1,
        )
        results["sold_out_wrk"] = sold_out_capacity(flow, args)
        clients = max(1, min(args.concurrency, backing_rush.spare_connections(database)))
        results["pgbench_hot_row"] = backing_rush.hot_row_tps(
            database,
            clients,
            args.pgbench_seconds,
            statement=HOT_ROW_STATEMENT,
            initial=10**15,
        )
        tps = results["pgbench_hot_row"]["tps"]
        rate = results["reservations_per_second"]
        results["reservations_of_hot_row"] = round(rate / tps, 3) if tps and rate else None
        results["invariants_failed"] = failures(results, args.units)
        results["failures"] = len(results["invariants_failed"])
    report["results"] = results
    return report


def failures(results: dict, units: int) -> list[str]:
    """The invariants that do not hold (an empty list: the run is good)."""
    found = list(results["violations"])
    if results["units_sold"] != units:
        found.append(f"units sold {results['units_sold']} != {units}")
    for name in ("oversold", "duplicate_orders", "five_xx", "internal_errors", "hangs"):
        if results[name]:
            found.append(f"{name}: {results[name]}")
    if results["undefined"]:
        found.append(f"{results['undefined']} buyers without a definite answer")
    return found


def _ms(figures: dict) -> str:
    return f"p50 {figures['p50']} ms  p99 {figures['p99']} ms  (n {figures['n']})"


def print_report(report: dict) -> None:
    r = report["results"]
    drop = report["drop"]
    print()
    print(
        f"drop:                  {drop['units']} units of {drop['product']!r}, {r['buyers']} buyers"
    )
    if report.get("warm_up") is not None:
        print(f"before the opening:    {report['warm_up']} (warm-up answers; must hold no 'ok')")
    print(f"units sold:            {r['units_sold']} (must be {drop['units']})")
    print(f"oversold:              {r['oversold']}")
    print(f"duplicate orders:      {r['duplicate_orders']}")
    print(
        f"5xx:                   {r['five_xx']}  internal errors: {r['internal_errors']}  "
        f"transport errors: {r['transport_errors']}  hangs: {r['hangs']}  "
        f"REQUEST_TIMEOUT answers: {r['deadline_answers']}  "
        f"without a definite answer: {r['undefined']}"
    )
    print(
        f"units still held:      {r['held_by_abandoned_checkouts']} (reserved by checkouts their "
        "buyers left after an answer that never came; back on sale when they expire)"
    )
    print(f"hangs by step:         {r['hangs_by_step']}")
    print(f"time to sell out:      {r['sell_out_seconds']} s  (storm {r['storm_seconds']} s)")
    print(f"reservations/s:        {r['reservations_per_second']}")
    print(f"orders/s:              {r['orders_per_second']}")
    print(f"winners' dropReserve:  {_ms(r['winner_reserve_ms'])}")
    print(f"winners' purchase:     {_ms(r['winner_purchase_ms'])}")
    print(f"SOLD_OUT:              {_ms(r['sold_out_ms'])}")
    print(f"SOLD_OUT after it:     {_ms(r['sold_out_after_sell_out_ms'])}")
    print(f"buyers' results:       {r['results']}")
    print(f"answers by kind:       {r['answers']}")
    pg = r["pgbench_hot_row"]
    print(
        f"pgbench hot-row TPS:   {pg['tps']} at {pg['clients']} clients "
        f"(`{HOT_ROW_STATEMENT}`; reservations/s are {r['reservations_of_hot_row']} of it)"
    )
    alone = r.get("sold_out_wrk")
    if alone:
        latency = alone["latency_ms"]
        print(
            f"SOLD_OUT, wrk:         {alone['requests_per_second']} requests/s at "
            f"{alone['connections']} connections, p50 {latency.get('p50')} ms "
            f"p90 {latency.get('p90')} ms p99 {latency.get('p99')} ms "
            f"(non-2xx {alone['non_2xx']}; the server alone, after the sell-out)"
        )
    print(f"client CPU:            {r['client_cpu_seconds']} s")
    if r["invariants_failed"]:
        print(f"FAILED:                {r['invariants_failed']}")
    print(f"server: {report['server']}; redis: {report['redis']}; machine: {report['machine']}")
    print(f"reproduce: {report['command']}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return base.run_and_report(
        args, run, print_report, lambda results: not results["invariants_failed"]
    )


if __name__ == "__main__":
    sys.exit(main())
