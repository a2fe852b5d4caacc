"""200 parallel subscriptions for 100 units, cap 2: exactly 100 units, nobody above 2.

Real PostgreSQL, committed transactions: every request runs in its own
thread on its own database connection, all released at once by a barrier.
The server allows a limited number of connections (100 by default, shared
with whatever else runs), so at most `CONNECTIONS` requests hold one at the
same moment; the others queue for a connection, not for the programme row.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum

from marquee.core.exceptions import DomainError
from marquee.members.models import BackerProgramme, BackerSubscription, Membership
from marquee.members.services import backing

from .test_backing import make_fan, make_programme

REQUESTS = 200
UNITS = 100
CAP = 2
FANS = 90  # fewer fans than requests: some send two or three, so the cap is contended too
CONNECTIONS = int(os.environ.get("BACKING_TEST_CONNECTIONS", "40"))
REFUSALS = {"SOLD_OUT", "NOT_ENOUGH_UNITS", "CAP_EXCEEDED"}


def _request(programme_id, fan, units, key, barrier, gate):
    barrier.wait()
    with gate:
        try:
            programme = BackerProgramme.objects.get(pk=programme_id)
            sub = backing.subscribe(fan, programme, units, idempotency_key=key)
            return ("subscribed", sub.pk, sub.units)
        except DomainError as error:
            return ("refused", error.details[0].code, units)
        except Exception as error:  # noqa: BLE001 - the figure counts anything undefined
            return ("error", repr(error), units)
        finally:
            connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_hundred_parallel_subscriptions_for_a_hundred_units():
    programme = make_programme(total_units=UNITS, per_member_cap=CAP)
    fans = [make_fan() for _ in range(FANS)]
    plan = []
    for i in range(REQUESTS):
        # Fan i % FANS asks for 1 or 2 units two or three times; the last twenty
        # requests repeat an earlier one of the same fan (a double click).
        key = f"rush-{i - FANS}" if i >= 2 * FANS else f"rush-{i}"
        plan.append((fans[i % FANS], 1 + (i % 2), key))
    barrier = threading.Barrier(REQUESTS)
    gate = threading.BoundedSemaphore(CONNECTIONS)
    with ThreadPoolExecutor(REQUESTS) as pool:
        futures = [
            pool.submit(_request, programme.pk, fan, units, key, barrier, gate)
            for fan, units, key in plan
        ]
        results = [future.result(timeout=300) for future in futures]

    outcomes = Counter(result[0] for result in results)
    assert outcomes["error"] == 0, [r for r in results if r[0] == "error"][:5]
    assert outcomes["subscribed"] + outcomes["refused"] == REQUESTS
    refused = Counter(result[1] for result in results if result[0] == "refused")
    assert set(refused) <= REFUSALS, refused

    programme.refresh_from_db()
    assert programme.units_committed == UNITS
    subs = BackerSubscription.objects.filter(programme=programme)
    assert subs.aggregate(units=Sum("units"))["units"] == UNITS
    # Answers of one idempotency key name one subscription.
    subscribed = {result[1] for result in results if result[0] == "subscribed"}
    assert subscribed == set(subs.values_list("pk", flat=True))
    for membership in Membership.objects.filter(programme=programme):
        own = subs.filter(membership=membership).aggregate(units=Sum("units"))["units"] or 0
        assert membership.units_committed == own <= CAP
    assert "SOLD_OUT" in refused
