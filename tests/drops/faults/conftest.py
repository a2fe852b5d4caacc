"""A small drop served by real processes, for the fault tests.

Each test gets: a live drop of `UNITS` units of one variant, with a waiting
room admitting `ADMISSION_RATE` buyers a second (committed, so the servers
see it: `transaction=True`), a redis-server of its own (broker, and
shared store once admission uses `REDIS_URL`), a Celery worker with beat,
and gunicorn with production settings and several workers - all on the
test database. `DropRun.storm()` sends `BUYERS` buyers, as separate client
processes, while a `Fault` fires mid-drop.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from graphql_relay import to_global_id

from marquee.merch.reservations.reconcile import reconcile
from tests.drops import harness
from tests.drops.conftest import DropShop
from tests.servers import database_url, production_env

UNITS = 30
BUYERS = 120
ADMISSION_RATE = 40.0  # buyers/s: the storm lasts a few seconds, so a fault lands mid-drop
ADMISSION_BURST = 10
RESERVATION_MINUTES = 10
APPLICATION_NAME = "marquee-faults"  # the servers' PostgreSQL sessions, so a test finds them
# Retryable answers may come this long after a fault's repair (a pooled connection
# found dead on its next use, a worker respawned but still importing).
GRACE_SECONDS = 3.0


@dataclass
class DropRun:
    directory: Path
    env: dict
    conninfo: str  # for the test's own SQL (books, pg_terminate_backend)
    drop_id: str
    variant_pk: int
    variant_id: str
    redis: harness.RedisServer
    web: harness.Web | None = None
    worker: harness.CeleryWorker | None = None
    outcomes: list = field(default_factory=list)

    def flow(self, **options) -> harness.Flow:
        return harness.Flow(
            url=self.web.url,
            drop=self.drop_id,
            variant=self.variant_id,
            waiting_room=True,
            poll_cap=0.25,
            **options,
        )

    def orders(self) -> int:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            return conn.execute("SELECT count(*) FROM merch_order").fetchone()[0]

    def storm(self, fault: harness.Fault | None = None, **options) -> list[harness.Outcome]:
        storm = harness.Storm(self.flow(), BUYERS, processes=4, concurrency=16, **options)
        try:
            storm.start()
            if fault is not None:
                fault.start()
            self.outcomes = storm.wait()
        finally:
            storm.stop()
        return self.outcomes

    def books(self) -> harness.Books:
        return harness.books(self.conninfo, self.variant_pk, self.outcomes)


def mid_drop(run: DropRun, orders: int = 5):
    """A trigger: true once `orders` orders are placed (the drop is under way, not over)."""
    return lambda: run.orders() >= orders


@pytest.fixture
def drop_run(transactional_db, tmp_path, settings):
    if not shutil.which(os.environ.get("REDIS_SERVER", "redis-server")):
        pytest.skip("the fault tests start a redis-server of their own: none on PATH")
    shop = DropShop()
    drop = shop.drop(
        quantity=UNITS, rate=ADMISSION_RATE, burst=ADMISSION_BURST, minutes=RESERVATION_MINUTES
    )
    variant = shop.variant(drop)
    db_url = f"{database_url(connection.settings_dict)}?application_name={APPLICATION_NAME}"
    redis = harness.RedisServer(tmp_path)
    redis.start()
    env = production_env(
        db_url,
        broker_url=redis.url(0),
        redis_url=redis.url(1),
        data_dir=tmp_path,
        LICENCE_GATE_ENABLED="0",
        DB_POOL_MAX_SIZE="4",
        OUTBOX_SWEEP_SECONDS="1",
        OUTBOX_SWEEP_GRACE_SECONDS="1",
        # Every buyer comes from 127.0.0.1: the per-IP limit would refuse the storm.
        DROP_RATE_LIMIT_PER_IP="1000000",
    )
    conninfo = database_url(connection.settings_dict)
    run = DropRun(
        directory=tmp_path,
        env=env,
        conninfo=conninfo,
        drop_id=to_global_id("Drop", drop.pk),
        variant_pk=variant.pk,
        variant_id=to_global_id("ProductVariant", variant.pk),
        redis=redis,
    )
    try:
        with harness.drop_servers(env, tmp_path) as (web, worker):
            run.web, run.worker = web, worker
            yield run
    finally:
        redis.stop()


def assert_survived(run: DropRun, windows: list[harness.Window]) -> harness.Books:
    """The invariants every fault test checks once the storm is over.

    No oversell (the books' CHECKs and counters), no paid order lost (every
    order a buyer was given exists, every charged transaction has its order,
    one order per checkout), no unit lost: every unit is in an order or in a
    reservation, and reconciliation - run as of the moment those reservations
    expire - gives the held ones back and finds nothing else to repair.
    Buyers got only definite answers, retryable ones only during a fault,
    and no request hung.
    """
    outcomes = run.outcomes
    assert len(outcomes) == BUYERS
    assert harness.hangs(outcomes) == [], "a request hit the client timeout"
    assert harness.undefined(outcomes) == [], harness.tally(outcomes)
    outside = harness.failures_outside(outcomes, windows, GRACE_SECONDS)
    assert outside == [], outside[:5]
    books = run.books()
    assert books.violations() == [], books
    tally = harness.tally(outcomes)
    assert tally["ORDER"] == books.orders, (books, tally)
    (row,) = books.stock_rows
    # Sold out: every unit is ordered or held. A unit is held only when a reservation's
    # answer was lost in the fault and the buyer's retry reserved again (its first
    # checkout is abandoned until the reservation expires).
    assert books.units_ordered + row["reserved"] == UNITS, books
    assert row["reserved"] <= len(harness.retried(outcomes, "dropReserve")), books
    later = timezone.now() + timedelta(minutes=RESERVATION_MINUTES + 1)
    report = reconcile([run.variant_pk], repair=True, now=later)
    assert report.balanced and not report.drifted, report.lines()
    assert report.expired_units == row["reserved"], report.lines()
    after = run.books()
    assert after.violations() == [] and after.stock_rows[0]["reserved"] == 0, after
    return books
