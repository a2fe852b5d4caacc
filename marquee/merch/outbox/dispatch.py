"""Delivering outbox events to their consumers, at least once and never concurrently.

`deliver(event_id)` gives an event to every consumer that wants its type
and has no `OutboxDelivery` row for it yet, in the consumers' `order`. Each
consumer runs in a transaction of its own that:

1. locks the event row (``SELECT ... FOR UPDATE SKIP LOCKED``): a second
   worker holding the same event (the on-commit task and the sweep, or a
   redelivered task) skips it instead of waiting, so one event is never
   given to one consumer twice at the same time;
2. reads, under that lock, which consumers took the event already, so a
   delivery committed a moment ago by another worker is not repeated;
3. calls the consumer and inserts its `OutboxDelivery` row, so the
   consumer's writes and the mark commit together or not at all; the
   transaction of the last consumer owed the event also sets `completed_at`
   (the sweep stops looking at it).

A consumer that raises stops the event there
(later consumers may read what earlier ones wrote): the failure is counted
(`attempts`, `last_error`) and `next_attempt_at` is pushed back
exponentially (`backoff`); consumers that already took it are not re-run.

`sweep()` delivers whatever is pending and due: events whose task was lost
(a worker killed mid-delivery, a broker down at commit) once they are
`grace` old, and failed events once their backoff has passed. It runs
periodically from Celery beat (`OUTBOX_SWEEP_SECONDS`) and from
``manage.py deliver_outbox``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import OuterRef, Q
from django.utils import timezone

from ..models.outbox import OutboxDelivery, OutboxEvent
from .consumers import consumers_for

logger = logging.getLogger("marquee.merch.outbox")

# Backoff after the n-th failure: 2**n seconds, at most an hour.
BACKOFF_BASE_SECONDS = 2
BACKOFF_MAX_SECONDS = 3600
DELIVERED, PENDING, BUSY, FAILED, GONE = "delivered", "pending", "busy", "failed", "gone"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS ** min(attempts, 20), BACKOFF_MAX_SECONDS))


def deliver(event_id: int) -> str:
    """Give one event to the consumers still owed it; returns what became of it."""
    while True:
        current: list = []
        try:
            with transaction.atomic():
                outcome = _deliver_next(event_id, current)
        except Exception as error:  # a consumer's failure must never lose the event
            _failed(event_id, current[0].name if current else "dispatcher", error)
            return FAILED
        if outcome != PENDING:
            return outcome


def _deliver_next(event_id: int, current: list) -> str:
    """One transaction: lock the event, give it to the next consumer owed it, mark that.

    The transaction that gives the event to its last consumer also completes
    it, so an event with one consumer costs one commit. PENDING means
    another consumer is still owed it; `current` receives the consumer called.
    """
    _relax_commit()
    # The event, locked, with the consumers that took it already: one statement.
    event = (
        OutboxEvent.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("order")
        .annotate(
            taken_by=ArraySubquery(
                OutboxDelivery.objects.filter(event_id=OuterRef("pk")).values("consumer")
            )
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return BUSY if OutboxEvent.objects.filter(pk=event_id).exists() else GONE
    if event.completed_at is not None:
        return DELIVERED
    done = set(event.taken_by)
    owed = [entry for entry in consumers_for(event.type) if entry.name not in done]
    if owed:
        entry = owed[0]
        current.append(entry)
        entry.fn(event)
        OutboxDelivery.objects.create(event_id=event_id, consumer=entry.name)
        if len(owed) > 1:
            return PENDING
    OutboxEvent.objects.filter(pk=event_id).update(
        completed_at=timezone.now(), next_attempt_at=None
    )
    return DELIVERED


def _relax_commit() -> None:
    """Do not wait for the WAL flush when a delivery commits (PostgreSQL's
    ``synchronous_commit = off``, for this transaction only).

    Safe for at-least-once delivery: a database crash can only lose the last
    moments of commits whole - the consumer's writes together with their
    delivery mark - so the event is simply delivered again. The event itself
    was written by the change's own, fully durable, transaction. Inside a
    caller's transaction (tests, a consumer run by hand) the caller decides.
    """
    if connection.in_atomic_block and not connection.savepoint_ids:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _failed(event_id: int, consumer: str, error: Exception) -> None:
    logger.exception("outbox event %s: consumer %r failed", event_id, consumer)
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return
        attempts = event.attempts + 1
        OutboxEvent.objects.filter(pk=event_id).update(
            attempts=attempts,
            last_error=f"{consumer}: {type(error).__name__}: {error}"[:2000],
            next_attempt_at=timezone.now() + backoff(attempts),
        )


@dataclass
class SweepResult:
    seen: int = 0
    delivered: int = 0
    failed: int = 0
    busy: int = 0

    def __str__(self) -> str:
        return (
            f"{self.seen} pending events: {self.delivered} delivered, "
            f"{self.failed} failed, {self.busy} busy elsewhere"
        )


def due(*, grace: timedelta, now=None):
    """Pending events the sweep may take now: old enough, and past any backoff."""
    now = now or timezone.now()
    return OutboxEvent.objects.filter(completed_at__isnull=True).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - grace)
    )


def sweep(*, grace: timedelta = timedelta(seconds=10), limit: int | None = None) -> SweepResult:
    """Deliver every due pending event, oldest first, in batches by id."""
    result = SweepResult()
    last_id = 0
    batch = 500
    while limit is None or result.seen < limit:
        size = batch if limit is None else min(batch, limit - result.seen)
        ids = list(
            due(grace=grace)
            .filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            break
        for event_id in ids:
            result.seen += 1
            outcome = deliver(event_id)
            if outcome == DELIVERED:
                result.delivered += 1
            elif outcome == FAILED:
                result.failed += 1
            elif outcome == BUSY:
                result.busy += 1
        last_id = ids[-1]
    return result
