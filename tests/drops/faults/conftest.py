"""A small drop served by real processes, for the fault tests.

Each test gets: a shop with one product of `UNITS` units (committed, so the
servers see it: `transaction=True`), a redis-server of its own (broker, and
shared store once admission uses `REDIS_URL`), a Celery worker with beat,
and gunicorn with production settings and several workers - all on the
test database. `DropRun.storm()` sends `BUYERS` buyers, as separate client
processes, while a `Fault` fires mid-drop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from graphql_relay import to_global_id

from tests.drops import harness
from tests.orders.conftest import ShopBuilder
from tests.servers import database_url

UNITS = 30
BUYERS = 120
APPLICATION_NAME = "marquee-faults"  # the servers' PostgreSQL sessions, so a test finds them
# Retryable answers may come this long after a fault's repair (a pooled connection
# found dead on its next use, a worker respawned but still importing).
GRACE_SECONDS = 3.0


@dataclass
class DropRun:
    directory: Path
    env: dict
    conninfo: str  # for the test's own SQL (books, pg_terminate_backend)
    variant_pk: int
    variant_id: str
    redis: harness.RedisServer
    web: harness.Web | None = None
    worker: harness.CeleryWorker | None = None
    outcomes: list = field(default_factory=list)

    def flow(self, **options) -> harness.Flow:
        return harness.Flow(url=self.web.url, channel="china", variant=self.variant_id, **options)

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
    shop = ShopBuilder()
    (variant,) = shop.variants("Drop Tee", stock=UNITS)
    db_url = f"{database_url(connection.settings_dict)}?application_name={APPLICATION_NAME}"
    redis = harness.RedisServer(tmp_path)
    redis.start()
    env = harness.server_env(
        db_url,
        broker_url=redis.url(0),
        redis_url=redis.url(1),
        data_dir=tmp_path,
        LICENCE_GATE_ENABLED="0",
        DB_POOL_MAX_SIZE="4",
        OUTBOX_SWEEP_SECONDS="1",
        OUTBOX_SWEEP_GRACE_SECONDS="1",
    )
    conninfo = database_url(connection.settings_dict)
    run = DropRun(
        directory=tmp_path,
        env=env,
        conninfo=conninfo,
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
    """The invariants every fault test checks once the storm is over."""
    outcomes = run.outcomes
    assert len(outcomes) == BUYERS
    assert harness.hangs(outcomes) == [], "a request hit the client timeout"
    assert harness.undefined(outcomes) == [], harness.tally(outcomes)
    outside = harness.failures_outside(outcomes, windows, GRACE_SECONDS)
    assert outside == [], outside[:5]
    books = run.books()
    assert books.violations() == [], books
    tally = harness.tally(outcomes)
    assert books.units_ordered == UNITS, (books, tally)  # sold out: no unit lost
    assert tally["ORDER"] == books.orders == UNITS, (books, tally)
    return books
