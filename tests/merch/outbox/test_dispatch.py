"""The dispatcher: each event once per consumer, in consumer order, failures retried.

A delivery is a consumer's call and its `OutboxDelivery` row in one
transaction; these tests call the dispatcher directly, as the Celery task
and the sweep do.
"""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from marquee.merch.models import OutboxDelivery, OutboxEvent
from marquee.merch.orders.placement import complete_checkout
from marquee.merch.outbox import dispatch

NOW = timedelta(0)


def _order(shop):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    shop.pay(checkout)
    return complete_checkout(checkout.token).order


def _placed(order):
    return OutboxEvent.objects.get(order=order, type="order.placed")


@pytest.mark.django_db
def test_each_consumer_takes_an_event_once_even_when_delivered_twice(shop, consumers):
    consumers.add("ledger", event_types=["order.placed"])
    consumers.add("mailer", event_types=["order.placed", "order.paid"])
    order = _order(shop)
    event = _placed(order)
    assert dispatch.deliver(event.pk) == dispatch.DELIVERED
    assert dispatch.deliver(event.pk) == dispatch.DELIVERED
    dispatch.sweep(grace=NOW)
    assert consumers.of("ledger") == [event.pk]
    assert sorted(consumers.of("mailer")) == sorted(
        OutboxEvent.objects.filter(order=order).values_list("pk", flat=True)
    )
    event.refresh_from_db()
    assert event.completed_at is not None
    assert set(event.deliveries.values_list("consumer", flat=True)) == {"ledger", "mailer"}


@pytest.mark.django_db
def test_consumers_run_in_their_declared_order(shop, consumers):
    consumers.add("second", order=200, event_types=["order.placed"])
    consumers.add("first", order=100, event_types=["order.placed"])
    event = _placed(_order(shop))
    dispatch.deliver(event.pk)
    assert [name for name, _ in consumers.calls] == ["first", "second"]


@pytest.mark.django_db
def test_a_failing_consumer_is_retried_by_the_sweep_and_the_others_are_not_rerun(shop, consumers):
    consumers.add("ledger", order=100, event_types=["order.placed"])
    consumers.add("flaky", order=200, event_types=["order.placed"], fail=1)
    consumers.add("after", order=300, event_types=["order.placed"])
    event = _placed(_order(shop))

    assert dispatch.deliver(event.pk) == dispatch.FAILED
    event.refresh_from_db()
    assert event.completed_at is None
    assert event.attempts == 1
    assert event.last_error == "flaky: RuntimeError: flaky is down"
    assert event.next_attempt_at > timezone.now()
    # A later consumer may read what an earlier one wrote: it waits for the failed one.
    assert consumers.of("after") == []
    assert list(event.deliveries.values_list("consumer", flat=True)) == ["ledger"]

    # Backing off: the sweep leaves it alone until next_attempt_at.
    dispatch.sweep(grace=NOW)
    assert consumers.of("flaky") == []
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    result = dispatch.sweep(grace=NOW)
    assert (result.seen, result.delivered) == (1, 1)
    assert consumers.of("ledger") == [event.pk]
    assert consumers.of("flaky") == [event.pk]
    assert consumers.of("after") == [event.pk]
    event.refresh_from_db()
    assert event.completed_at is not None and event.attempts == 1


@pytest.mark.django_db
def test_a_failure_rolls_back_what_the_consumer_wrote(shop, consumers):
    order = _order(shop)

    def half_done(event):
        OutboxDelivery.objects.create(event=event, consumer="half-written")
        raise RuntimeError("crashed half way")

    from marquee.merch.outbox.consumers import register_consumer

    register_consumer(half_done, name="half", order=100, event_types=["order.placed"])
    event = _placed(order)
    assert dispatch.deliver(event.pk) == dispatch.FAILED
    assert not OutboxDelivery.objects.filter(event=event).exists()


def test_backoff_grows_and_is_capped():
    assert [dispatch.backoff(n).total_seconds() for n in (1, 2, 3, 10)] == [2, 4, 8, 1024]
    assert dispatch.backoff(40).total_seconds() == dispatch.BACKOFF_MAX_SECONDS


@pytest.mark.django_db
def test_the_sweep_waits_for_the_on_commit_task_then_takes_what_it_lost(shop, consumers):
    consumers.add("ledger", event_types=["order.placed"])
    event = _placed(_order(shop))
    assert dispatch.sweep(grace=timedelta(seconds=60)).seen == 0
    OutboxEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(seconds=61)
    )
    assert dispatch.sweep(grace=timedelta(seconds=60)).delivered == 1
    assert consumers.of("ledger") == [event.pk]


@pytest.mark.django_db
def test_events_are_delivered_when_the_change_commits(
    shop, consumers, django_capture_on_commit_callbacks
):
    consumers.add("ledger", event_types=["order.placed", "order.paid"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = _order(shop)
        assert consumers.calls == []
    assert len(callbacks) >= 2
    assert sorted(consumers.of("ledger")) == sorted(
        OutboxEvent.objects.filter(order=order).values_list("pk", flat=True)
    )
    assert not OutboxEvent.objects.filter(order=order, completed_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_failing_consumer_does_not_fail_the_change(
    shop, consumers, django_capture_on_commit_callbacks
):
    consumers.add("broken", event_types=["order.placed"], fail=5)
    with django_capture_on_commit_callbacks(execute=True):
        order = _order(shop)
    event = _placed(order)
    assert (event.attempts, event.completed_at) == (1, None)


@pytest.mark.django_db
def test_the_management_command_runs_the_sweep(shop, consumers, capsys):
    consumers.add("ledger", event_types=["order.placed", "order.paid"])
    _order(shop)
    call_command("deliver_outbox", grace=0)
    assert "2 pending events: 2 delivered, 0 failed, 0 busy elsewhere" in capsys.readouterr().out
    assert len(consumers.calls) == 2


@pytest.mark.django_db(transaction=True)
def test_an_event_another_worker_holds_is_skipped_not_waited_for(shop, consumers):
    consumers.add("ledger", event_types=["order.placed"])
    with transaction.atomic():
        order = _order(shop)
    event = _placed(order)
    OutboxDelivery.objects.filter(event=event).delete()
    OutboxEvent.objects.filter(pk=event.pk).update(completed_at=None)
    consumers.calls.clear()  # the on-commit delivery took it once; start again
    held, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                OutboxEvent.objects.select_for_update().get(pk=event.pk)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert held.wait(10)
        assert dispatch.deliver(event.pk) == dispatch.BUSY
        assert consumers.of("ledger") == []
    finally:
        release.set()
        thread.join()
    assert dispatch.deliver(event.pk) == dispatch.DELIVERED
    assert consumers.of("ledger") == [event.pk]


def test_celery_beat_sweeps_the_outbox_on_the_configured_interval(settings):
    from marquee.celeryconf import app
    from marquee.merch.outbox.tasks import sweep_outbox

    entry = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert entry == {"task": sweep_outbox.name, "schedule": float(settings.OUTBOX_SWEEP_SECONDS)}
    assert sweep_outbox.name in app.tasks
