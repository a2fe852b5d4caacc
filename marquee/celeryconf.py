"""Celery application.

Without `CELERY_BROKER_URL` tasks run eagerly in-process (the embedded
default); with it they go to the broker (Redis in production and in the
queue tests).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")

app = Celery("marquee")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
