"""Celery application.

Without `CELERY_BROKER_URL` tasks run eagerly in-process (the embedded
default); with it they go to the broker (Redis in production and in the
queue tests).

Celery beat runs `CELERY_BEAT_SCHEDULE` from the settings: the order-event
outbox's sweep every `OUTBOX_SWEEP_SECONDS` (`celery -A marquee beat`, or a
worker started with `-B` on a single machine).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")

app = Celery("marquee")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
