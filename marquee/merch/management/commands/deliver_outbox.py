"""`manage.py deliver_outbox`: run the outbox sweep once, now (for operators).

The same sweep Celery beat runs every `OUTBOX_SWEEP_SECONDS`; `--grace 0`
also takes events recorded a moment ago, `--limit` stops after that many.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from marquee.merch.outbox import dispatch


class Command(BaseCommand):
    help = "Deliver pending order events to their consumers (the periodic sweep, once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="seconds an undelivered event must be old (default OUTBOX_SWEEP_GRACE_SECONDS)",
        )
        parser.add_argument("--limit", type=int, default=None, help="at most this many events")

    def handle(self, *args, grace=None, limit=None, **options):
        seconds = settings.OUTBOX_SWEEP_GRACE_SECONDS if grace is None else grace
        result = dispatch.sweep(grace=timedelta(seconds=seconds), limit=limit)
        self.stdout.write(str(result))
