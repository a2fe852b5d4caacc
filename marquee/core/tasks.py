"""Celery tasks of the shared core (eager in-process without a broker)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger("marquee.core.tasks")


@shared_task(name="marquee.core.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Beat: idempotency keys past their retention are forgotten."""
    from . import idempotency

    purged = idempotency.purge()
    if purged:
        logger.info("purged %s idempotency key(s)", purged)
    return purged
