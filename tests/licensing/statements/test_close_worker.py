"""A period close through a real Celery worker on Redis (not eager), progress observed."""

from __future__ import annotations

import os
import time
import uuid
from datetime import date
from decimal import Decimal

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from marquee.celeryconf import app
from marquee.licensing.models import PeriodCloseStatus, RoyaltyPeriodClose, Statement
from marquee.licensing.statements import close as closing
from marquee.licensing.statements import rendering
from tests.licensing.conftest import Register
from tests.orders.conftest import ShopBuilder

from .conftest import Q1_2025
from .factories import sale, terms

BROKER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
QUEUE = f"marquee-royalty-close-test-{uuid.uuid4().hex}"


@pytest.fixture
def real_worker():
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs a Redis server at {BROKER} (set TEST_REDIS_URL)")
    worker_app = Celery("marquee-royalty-test", set_as_current=False)
    worker_app.config_from_object("django.conf:settings", namespace="CELERY")
    worker_app.conf.update(
        broker_url=BROKER, task_always_eager=False, result_backend=None, task_default_queue=QUEUE
    )
    worker_app.autodiscover_tasks(force=True)
    worker_app.set_current()
    worker_app.set_default()
    try:
        with start_worker(worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield worker_app
    finally:
        app.set_current()
        app.set_default()


@pytest.mark.django_db(transaction=True)
def test_period_close_runs_in_a_worker_with_progress(real_worker):
    register = Register(ShopBuilder())
    licences = []
    for n, licensor in enumerate((register.licensor_a, register.licensor_b)):
        prop = register.property_a if n == 0 else register.property_b
        licence = register.licence(
            licensor, f"W-{n}", [prop], term_start=date(2024, 4, 1), term_end=date(2027, 3, 31)
        )
        terms(licence, rate="10")
        licences.append(licence)
        for day in range(1, 4):
            sale(register.shop, licence, on=date(2025, 2, day), unit_net=str(100 * (n + 1)))
    seen = []
    # Each statement's "files" take a moment, so progress between licensors is visible.
    slow = rendering.register_statement_renderer(lambda statement: time.sleep(0.5))
    try:
        with transaction.atomic():
            request = closing.close_period(*Q1_2025, register.staff)
        close_id = request.close.pk
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            close = RoyaltyPeriodClose.objects.get(pk=close_id)
            seen.append((close.status, close.licensors_done, close.licensors_total))
            if close.status in (PeriodCloseStatus.DONE, PeriodCloseStatus.FAILED):
                break
            time.sleep(0.05)
    finally:
        rendering._renderers.remove(slow)
    assert seen[-1] == (PeriodCloseStatus.DONE, 2, 2), seen[-5:]
    assert (PeriodCloseStatus.RUNNING, 1, 2) in seen  # progress observed mid-close
    royalties = dict(Statement.objects.values_list("licensor__slug", "royalty"))
    assert royalties == {"studio-a": Decimal("30"), "studio-b": Decimal("60")}
