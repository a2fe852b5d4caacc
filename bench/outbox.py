"""Outbox benchmark: how many order events per second the sweep delivers.

What it measures: the delivery throughput (events/s) of the order-event
outbox's dispatcher (marquee/merch/outbox/dispatch.py) through its sweep -
the path Celery beat and `manage.py deliver_outbox` take, and the same
per-event work as the on-commit task - with one trivial idempotent consumer,
so the figure is the outbox's own cost: per event and consumer one
transaction that locks the event (FOR UPDATE SKIP LOCKED), checks and
inserts the delivery row, then one UPDATE that completes the event. It also
counts the SQL statements one delivery takes.

How to run, from the repository root:

    .venv/bin/python bench/outbox.py                 # 20,000 events
    .venv/bin/python bench/outbox.py --events 100000 --json

It drops and recreates a database named `marquee_bench_outbox` - on the
DATABASE_URL server if that is set, else on the embedded server under
.data/pg - runs `manage.py migrate` on it, inserts the events in one
statement (one order, `order.placed`), delivers them all with the sweep in
this process and prints the figures. The database functions come from
bench/catalogue.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue as base  # noqa: E402 - shared database functions

base.BENCH_DATABASE = "marquee_bench_outbox"
base.RUN_LOCK_KEY = base.zlib.crc32(b"marquee bench/outbox.py")
log, BenchError = base.log, base.BenchError
COMMAND = "bench/outbox.py"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="events to deliver")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def setup_django(database: base.Database) -> None:
    os.environ.update(database.django_env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["DB_POOL_ENABLED"] = "0"
    sys.path.insert(0, str(base.REPO))
    import django

    django.setup()


def insert_events(count: int) -> int:
    from django.db import connection

    from marquee.merch.models import Channel, Order, OutboxEvent

    channel = Channel.objects.create(name="Bench", slug="bench", currency_code="CNY")
    order = Order.objects.create(channel=channel, currency="CNY")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {OutboxEvent._meta.db_table} "
            "(type, order_id, payload, key, occurred_at, created_at, attempts, last_error) "
            "SELECT 'order.placed', %s, jsonb_build_object('n', n), 'bench:' || n, "
            "now(), now() - interval '1 hour', 0, '' FROM generate_series(1, %s) AS n",
            [order.pk, count],
        )
    return OutboxEvent.objects.filter(completed_at__isnull=True).count()


def only_a_trivial_consumer() -> set:
    """The dispatcher sees one consumer: it remembers the event ids (idempotent)."""
    from marquee.core.registry import Registry
    from marquee.merch.outbox import dispatch

    seen: set = set()
    only = Registry("bench outbox consumer")
    only.register(lambda event: seen.add(event.pk), order=100, name="bench")
    dispatch.consumers_for = lambda event_type: list(only)
    return seen


def statements_per_delivery() -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from marquee.merch.models import OutboxEvent
    from marquee.merch.outbox import dispatch

    event_id = OutboxEvent.objects.filter(completed_at__isnull=True).values_list("pk", flat=True)[0]
    with CaptureQueriesContext(connection) as queries:
        dispatch.deliver(event_id)
    return len(queries)


def run(args) -> dict:
    database = base.database_from_environment()
    with base.exclusive_use(database):
        base.recreate_database(database, keep=False)
        env = {**os.environ, **database.django_env, "CELERY_BROKER_URL": ""}
        base.manage(env, "migrate", "--no-input")
        setup_django(database)
        from marquee.merch.models import OutboxDelivery, OutboxEvent
        from marquee.merch.outbox import dispatch

        log(f"inserting {args.events} events")
        pending = insert_events(args.events)
        seen = only_a_trivial_consumer()
        statements = statements_per_delivery()
        log("sweeping")
        started = time.perf_counter()
        result = dispatch.sweep(grace=timedelta(0))
        elapsed = time.perf_counter() - started
        left = OutboxEvent.objects.filter(completed_at__isnull=True).count()
        deliveries = OutboxDelivery.objects.count()
        if left or deliveries != pending or len(seen) != pending:
            raise BenchError(
                f"not every event was delivered once: {left} left, {deliveries} deliveries, "
                f"{len(seen)} seen, {pending} events"
            )
        return {
            "command": f".venv/bin/python {COMMAND} --events {args.events}",
            "database": database.description,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
            "events": pending,
            "delivered_by_sweep": result.delivered + 1,
            "seconds": round(elapsed, 3),
            "events_per_second": round(result.delivered / elapsed, 1),
            "sql_statements_per_delivery": statements,
        }


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        report = run(args)
    except BenchError as error:
        log(f"error: {error}")
        return 1
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
