"""A real Celery worker on Redis, killed mid-delivery: nothing lost, nothing doubled.

The worker (`worker_app.py`, a subprocess on the test database) takes one
delivery task per event. One event makes its consumer hang after writing
its effect, with the event row locked; the test SIGKILLs the worker there,
so that delivery's transaction (the effect row and the delivery mark) dies
with its connection. A new worker takes the tasks still queued, and the
sweep (sent to it as a task, as Celery beat would) delivers the event whose
task died unacknowledged. Every event then has exactly one effect row and
one delivery, and the killed event was attempted twice.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.db import connection, transaction

from marquee.merch.models import OutboxDelivery, OutboxEvent
from marquee.merch.orders.placement import complete_checkout
from tests.servers import REPO, database_url

pytestmark = pytest.mark.django_db(transaction=True)

BROKER = os.environ.get("TEST_OUTBOX_REDIS_URL", "redis://127.0.0.1:6379/12")
EVENTS = 60
HANG_AT = 20  # the n-th event hangs its consumer


@pytest.fixture
def broker():
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs a Redis server at {BROKER} (set TEST_OUTBOX_REDIS_URL)")
    queue = f"marquee-outbox-test-{uuid.uuid4().hex}"
    client = Celery("outbox-test-client", set_as_current=False)
    client.conf.update(broker_url=BROKER, result_backend=None, task_default_queue=queue)
    yield client, queue
    redis.Redis.from_url(BROKER).delete(queue)


@pytest.fixture
def effect_table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE outbox_test_effect (event_id bigint PRIMARY KEY)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE outbox_test_effect")


@contextmanager
def worker(queue, work, log_name):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DB_POOL_ENABLED": "0",
        "DEBUG": "1",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "CELERY_BROKER_URL": BROKER,
        "OUTBOX_TEST_QUEUE": queue,
        "OUTBOX_TEST_DIR": str(work),
        "MARQUEE_DATA_DIR": str(work),
    }
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tests.merch.outbox.worker_app",
        "worker",
        "--pool=solo",
        f"--queues={queue}",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]
    with (work / log_name).open("w") as output:
        process = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _wait(condition, timeout, what, log):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def _effects():
    with connection.cursor() as cursor:
        cursor.execute("SELECT event_id FROM outbox_test_effect")
        return [row[0] for row in cursor.fetchall()]


def test_a_worker_killed_mid_delivery_loses_and_doubles_nothing(
    shop, consumers, broker, effect_table, tmp_path
):
    client, queue = broker
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    shop.pay(checkout)
    with transaction.atomic():
        order = complete_checkout(checkout.token).order
    # Events of the test's own, written without the on-commit task: this
    # process's consumers are not the worker's.
    events = OutboxEvent.objects.bulk_create(
        OutboxEvent(order=order, type="order.placed", key=f"test:{i}", payload={"i": i})
        for i in range(EVENTS)
    )
    ids = [event.pk for event in events]
    hung = ids[HANG_AT]
    (tmp_path / "hang").write_text(str(hung))
    for event_id in ids:
        client.send_task("marquee.merch.outbox.deliver_outbox_event", args=[event_id], queue=queue)

    with worker(queue, tmp_path, "first.log") as first:
        _wait(lambda: (tmp_path / "hanging").exists(), 40, "the hang", tmp_path / "first.log")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    delivered = set(
        OutboxDelivery.objects.filter(event_id__in=ids).values_list("event_id", flat=True)
    )
    assert delivered == set(ids[:HANG_AT])
    assert hung not in _effects()  # its transaction died with the worker

    (tmp_path / "hang").unlink()
    with worker(queue, tmp_path, "second.log"):
        pending = lambda: OutboxEvent.objects.filter(pk__in=ids, completed_at__isnull=True)  # noqa: E731
        # The tasks still queued are taken; the killed one's task is not redelivered yet.
        _wait(
            lambda: list(pending().values_list("pk", flat=True)) == [hung],
            40,
            "the queued tasks",
            tmp_path / "second.log",
        )
        client.send_task(
            "marquee.merch.outbox.sweep_outbox", kwargs={"grace_seconds": 0}, queue=queue
        )
        _wait(lambda: not pending().exists(), 40, "the sweep", tmp_path / "second.log")

    effects = _effects()
    assert sorted(effects) == sorted(ids)  # every event's effect, once (the key is the id)
    assert OutboxDelivery.objects.filter(event_id__in=ids).count() == EVENTS
    attempts = [int(x) for x in (tmp_path / "attempts.log").read_text().split()]
    assert attempts.count(hung) == 2
    assert all(attempts.count(event_id) == 1 for event_id in ids if event_id != hung)
