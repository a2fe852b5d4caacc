"""Celery tasks of the licensing domain (eager in-process without a broker)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def close_royalty_period(close_id: int) -> dict:
    """Close a royalty period licensor by licensor (see `statements.close`)."""
    from .statements.close import run_close

    close = run_close(close_id)
    return {
        "status": close.status,
        "licensors_done": close.licensors_done,
        "licensors_total": close.licensors_total,
    }
