"""The confirmation email through a real Celery worker on Redis (not eager), and without one."""

import contextlib
import os
import time
import uuid

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from marquee.celeryconf import app
from marquee.merch import models as m
from marquee.merch.orders.placement import complete_checkout

from .conftest import ShopBuilder

BROKER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
# A queue of this run's own: another test run on the same Redis must not take our tasks.
QUEUE = f"marquee-orders-test-{uuid.uuid4().hex}"


@contextlib.contextmanager
def current_app(name: str, **conf):
    """A Celery app of the test's own (not eager), made current so that shared tasks (the
    outbox's deliver_outbox_event.delay, whose order.placed consumer mails the confirmation)
    publish through it; the project's app is current again afterwards."""
    own = Celery(name, set_as_current=False)
    own.config_from_object("django.conf:settings", namespace="CELERY")
    own.conf.update(task_always_eager=False, result_backend=None, **conf)
    own.autodiscover_tasks(force=True)
    own.set_current()
    own.set_default()
    try:
        yield own
    finally:
        app.set_current()
        app.set_default()


@pytest.fixture
def real_worker():
    """The app on Redis, with a worker thread consuming its queue."""
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs a Redis server at {BROKER} (set TEST_REDIS_URL)")
    with (
        current_app("marquee-test", broker_url=BROKER, task_default_queue=QUEUE) as worker_app,
        start_worker(worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        yield worker_app


def place_order(quantity: int) -> m.Order:
    """A paid checkout of `quantity` tees for buyer@example.com, completed and committed."""
    shop = ShopBuilder()
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, quantity)], email="buyer@example.com")
    shop.pay(checkout)
    with transaction.atomic():
        return complete_checkout(checkout.token).order


@pytest.mark.django_db(transaction=True)
def test_order_confirmation_sent_by_a_worker(real_worker):
    order = place_order(2)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not mail.outbox:
        time.sleep(0.1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@example.com"]
    assert f"order #{order.number} confirmed" in message.subject
    assert "2 x Tee" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert m.OrderEvent.objects.filter(order=order, type="email_sent").count() == 1


@pytest.fixture
def broker_down():
    """The app with a broker that does not answer (nothing listens on port 1)."""
    with current_app(
        "marquee-test-down",
        broker_url="redis://127.0.0.1:1/0",
        task_publish_retry=False,
        broker_connection_retry=False,
        broker_connection_timeout=0.5,
        redis_socket_connect_timeout=0.5,
    ) as down:
        yield down


@pytest.mark.django_db(transaction=True)
def test_a_broker_down_at_the_commit_loses_no_confirmation(broker_down):
    """The order is placed and answered; the outbox's sweep mails it once the queue lost it."""
    from datetime import timedelta

    from marquee.merch.outbox import dispatch

    order = place_order(1)  # no error after the commit
    assert m.Order.objects.filter(pk=order.pk).exists()
    assert mail.outbox == []
    assert dispatch.sweep(grace=timedelta(0)).delivered >= 1
    assert dispatch.sweep(grace=timedelta(0)).delivered == 0
    assert [message.to for message in mail.outbox] == [["buyer@example.com"]]
    assert m.OrderEvent.objects.filter(order=order, type="email_sent").count() == 1
