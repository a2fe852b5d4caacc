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


def _pay_or_cancel_or_sweep(action, sub_pk, fan, barrier, gate):
    from marquee.members.services.payables import KIND
    from marquee.merch.payments import services as payments

    barrier.wait()
    with gate:
        return _act(payments, KIND, action, sub_pk, fan)


def _act(payments, kind, action, sub_pk, fan):
    try:
        if action == "pay":
            payments.start_payment(kind, str(sub_pk), fan, gateway_id="saleor.io.dummy-payment-app")
        elif action == "cancel":
            backing.cancel(fan, sub_pk)
        else:
            backing.expire_overdue()
        return ("done", action)
    except DomainError as error:
        return ("refused", error.details[0].code)
    except Exception as error:  # noqa: BLE001 - the figure counts anything undefined
        return ("error", repr(error))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_payments_cancellations_and_the_sweep_racing_keep_every_counter_in_step(settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.OFFLINE_PAYMENTS_ENABLED = True
    programme = make_programme(total_units=60, per_member_cap=2)
    fans = [make_fan() for _ in range(30)]
    subs = [backing.subscribe(fan, programme, 2) for fan in fans]
    # Half of them are past their time: payment, cancellation and the sweep race for them.
    BackerSubscription.objects.filter(pk__in=[s.pk for s in subs[::2]]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    jobs = []
    for i, (sub, fan) in enumerate(zip(subs, fans, strict=True)):
        jobs.append(("pay", sub.pk, fan))
        if i % 3 == 0:
            jobs.append(("cancel", sub.pk, fan))
    jobs += [("sweep", None, None)] * 4
    barrier = threading.Barrier(len(jobs))
    gate = threading.BoundedSemaphore(CONNECTIONS)
    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [
            pool.submit(_pay_or_cancel_or_sweep, action, pk, fan, barrier, gate)
            for action, pk, fan in jobs
        ]
        results = [future.result(timeout=300) for future in futures]
    assert not [r for r in results if r[0] == "error"], results
    assert ("done", "pay") in results and any(r[0] == "refused" for r in results)

    programme.refresh_from_db()
    live = BackerSubscription.objects.filter(programme=programme, status__in=("pending", "paid"))
    paid = live.filter(status="paid")
    assert programme.units_committed == (live.aggregate(u=Sum("units"))["u"] or 0)
    assert programme.units_paid == (paid.aggregate(u=Sum("units"))["u"] or 0)
    for membership in Membership.objects.filter(programme=programme):
        mine = live.filter(membership=membership)
        assert membership.units_committed == (mine.aggregate(u=Sum("units"))["u"] or 0)
        held = mine.filter(status="paid").aggregate(u=Sum("units"))["u"] or 0
        assert membership.units_held == held
        assert (membership.tier_id is not None) == (held > 0)
    # Every subscription that took money kept it or gave it back, never half.
    from marquee.merch import models as m

    for sub in BackerSubscription.objects.filter(programme=programme):
        items = m.TransactionItem.objects.filter(
            source_kind="BackerSubscription", source_key=str(sub.pk)
        )
        charged = sum((i.charged_value for i in items), 0)
        if sub.status == "paid":
            assert charged == sub.amount
        else:
            assert charged == 0, (sub.status, charged)
