"""Redis (broker and shared store) is killed mid-drop and started again, empty: requests
that needed it while it was down get a retryable answer, the retry gets the buyer's order
(the order had committed), and the outbox delivers what the broker lost."""

import pytest

from tests.drops import harness

from .conftest import assert_survived, mid_drop

pytestmark = pytest.mark.django_db(transaction=True)

DOWN_SECONDS = 1.0


def test_redis_restarted_during_the_drop(drop_run):
    redis = drop_run.redis

    fault = harness.Fault(
        "redis restarted", mid_drop(drop_run), lambda: redis.restart(down_seconds=DOWN_SECONDS)
    )
    drop_run.storm(fault)
    window = fault.result()
    print(
        "KINDS",
        harness.tally(drop_run.outcomes),
        harness.answers_by_kind(drop_run.outcomes),
        window,
    )
    assert window.closed - window.opened >= DOWN_SECONDS
    assert_survived(drop_run, [window])
    # The broker came back empty: events whose task was lost are re-queued by the sweep.
    harness.wait_for(
        lambda: drop_run.books().outbox_pending == 0,
        timeout=30,
        what="the outbox sweep to deliver what Redis lost",
    )
