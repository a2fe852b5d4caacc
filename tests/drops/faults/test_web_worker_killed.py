"""A gunicorn worker is SIGKILLed mid-drop: its requests fail, the master forks another,
buyers retry; nothing is oversold, no order or unit is lost."""

import os
import signal
import time

import pytest

from tests.drops import harness

from .conftest import assert_survived, mid_drop

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_web_worker_killed_mid_drop(drop_run):
    web = drop_run.web
    workers = web.worker_pids()

    def kill_one():
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        # Repaired when the master has forked a replacement and it answers.
        harness.wait_for(
            lambda: victim not in web.worker_pids() and len(web.worker_pids()) == len(workers),
            timeout=30,
            what="the replacement worker",
        )
        time.sleep(0.5)

    fault = harness.Fault("web worker killed", mid_drop(drop_run), kill_one)
    outcomes = drop_run.storm(fault)
    window = fault.result()
    print(
        "KINDS",
        harness.tally(drop_run.outcomes),
        harness.answers_by_kind(drop_run.outcomes),
        window,
    )
    assert_survived(drop_run, [window])
    # The kill was felt: some buyer lost a connection and retried.
    kinds = harness.answers_by_kind(outcomes)
    assert any(kind.startswith(("transport:", "http:5")) for kind in kinds), kinds
