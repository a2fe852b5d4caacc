"""Celery task of drops (eager in-process without a broker)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def refresh_sold_out_flags() -> int:
    """Beat: open drops' sold-out flags follow their stock (units given back reopen them)."""
    from django.utils import timezone

    from ..models import Drop
    from .selectors import current_and_upcoming
    from .states import refresh_sold_out

    drops = list(current_and_upcoming().filter(starts_at__lte=timezone.now()))
    drops += list(
        Drop.objects.filter(
            early_access_starts_at__lte=timezone.now(), starts_at__gt=timezone.now()
        )
    )
    refresh_sold_out(drops)
    return len(drops)
