"""The Celery worker is killed mid-drop and started again after it: buyers never notice
(the web side only publishes to the broker), and the work queued meanwhile - every order's
outbox events - is done once the worker is back."""

import signal

import pytest

from tests.drops import harness

from .conftest import assert_survived, mid_drop

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_celery_worker_stopped_during_the_drop(drop_run):
    worker = drop_run.worker

    fault = harness.Fault(
        "celery worker killed", mid_drop(drop_run), lambda: worker.stop(signal.SIGKILL)
    )
    drop_run.storm(fault)
    window = fault.result()
    print(
        "KINDS",
        harness.tally(drop_run.outcomes),
        harness.answers_by_kind(drop_run.outcomes),
        window,
    )
    # Down for the rest of the drop: orders placed meanwhile left their events undelivered.
    assert drop_run.books().outbox_pending > 0

    worker.start()
    # No retryable answer at all: the worker's absence is invisible to buyers.
    assert_survived(drop_run, windows=[])
    assert window.opened > 0
    harness.wait_for(
        lambda: drop_run.books().outbox_pending == 0,
        timeout=30,
        what="the restarted worker to deliver the outbox backlog",
    )
