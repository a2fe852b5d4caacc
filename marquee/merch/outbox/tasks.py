"""Celery tasks of the outbox: one event on commit, and the periodic sweep.

`deliver_outbox_event` is queued by `events.record` when the change's
transaction commits; it never raises for a consumer's failure (the failure
is recorded on the event and the sweep retries it), so in the eager
embedded default a failing consumer cannot turn a placed order into an
error. `sweep_outbox` runs from Celery beat every `OUTBOX_SWEEP_SECONDS`.
Both are registered with Celery through `marquee.merch.tasks`.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import dispatch


@shared_task(name="marquee.merch.outbox.deliver_outbox_event")
def deliver_outbox_event(event_id: int) -> str:
    return dispatch.deliver(event_id)


@shared_task(name="marquee.merch.outbox.sweep_outbox")
def sweep_outbox(grace_seconds: float | None = None, limit: int | None = None) -> str:
    grace = settings.OUTBOX_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    return str(dispatch.sweep(grace=timedelta(seconds=grace), limit=limit))
