"""Celery tasks of the merch domain (eager in-process without a broker)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction

logger = logging.getLogger("marquee.merch.tasks")


@shared_task
def retry_stripe_event(provider_event_id: int, attempt: int = 1) -> str:
    """Apply a Stripe event whose payment was not recorded yet when it arrived."""
    from .models import ProviderEvent
    from .payments import stripe_events
    from .payments.webhooks import schedule_retry

    with transaction.atomic():
        event = ProviderEvent.objects.get(pk=provider_event_id)
        outcome = stripe_events.handle(event.payload)
        if outcome == stripe_events.MISSING:
            if attempt < settings.STRIPE_WEBHOOK_MAX_RETRIES:
                schedule_retry(provider_event_id, attempt + 1)
            else:
                logger.error(
                    "stripe event %s: payment still unknown after %s attempts",
                    event.event_id,
                    attempt,
                )
    return outcome


@shared_task(name="marquee.merch.sweep_reservations")
def sweep_reservations() -> int:
    """Give the units of expired reservations back (Celery beat, `RESERVATION_SWEEP_SECONDS`)."""
    from .reservations.expiry import sweep

    return sweep()


@shared_task(name="marquee.merch.reconcile_stock")
def reconcile_stock() -> dict:
    """Check every stock row's counters against its reservations and allocations; repair drift.

    Celery beat runs it every `RESERVATION_RECONCILE_SECONDS`; what it found
    and fixed is logged (a warning when anything drifted) and returned.
    """
    from .reservations.reconcile import reconcile

    report = reconcile()
    log = logger.warning if report.drifted else logger.info
    for line in report.lines():
        log("reconcile_stock: %s", line)
    return report.as_dict()


# The outbox's tasks live with the outbox; importing them here registers them
# with Celery's autodiscovery (which looks for `<app>.tasks`).
from .outbox.tasks import deliver_outbox_event, sweep_outbox  # noqa: E402

__all__ = [
    "deliver_outbox_event",
    "reconcile_stock",
    "retry_stripe_event",
    "sweep_outbox",
    "sweep_reservations",
]
