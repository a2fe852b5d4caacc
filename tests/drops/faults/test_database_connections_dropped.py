"""Every PostgreSQL session of the servers is terminated, three times, mid-drop
(`pg_terminate_backend` from a second connection while buyers are in flight): the
transactions cut short roll back, the pools replace the dead connections, buyers retry;
nothing is oversold, no order or unit is lost."""

import time

import psycopg
import pytest

from tests.drops import harness

from .conftest import APPLICATION_NAME, assert_survived, mid_drop

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3


def test_database_connections_dropped_mid_transaction(drop_run):
    terminated = []

    def terminate():
        with psycopg.connect(drop_run.conninfo, autocommit=True) as conn:
            for _ in range(ROUNDS):
                rows = conn.execute(
                    "SELECT pid, state, pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = %s AND pid <> pg_backend_pid()",
                    (APPLICATION_NAME,),
                ).fetchall()
                terminated.extend(rows)
                time.sleep(0.3)

    fault = harness.Fault("database sessions terminated", mid_drop(drop_run), terminate)
    outcomes = drop_run.storm(fault)
    window = fault.result()
    print(
        "KINDS",
        harness.tally(drop_run.outcomes),
        harness.answers_by_kind(drop_run.outcomes),
        window,
    )
    assert_survived(drop_run, [window])
    # Sessions were cut, some of them inside a transaction, and buyers felt it.
    assert terminated, "no server session was found to terminate"
    assert any(state != "idle" for _pid, state, _ok in terminated), terminated
    kinds = harness.answers_by_kind(outcomes)
    assert any(kind in harness.RETRYABLE_CODES or kind.startswith("http:5") for kind in kinds), (
        kinds
    )
