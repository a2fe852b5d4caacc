"""`manage.py reconcile_stock`: check (and repair) every stock row's counters, now.

The same reconciliation Celery beat runs every `RESERVATION_RECONCILE_SECONDS`
(`merch/reservations/reconcile.py`): per stock row, the reserved and
allocated counters against the sums of its reservation and allocation rows,
expired reservations given back. `--check` only reports; `--variant` limits
it to some variants. Exits 1 when a row is left unbalanced.
"""

from django.core.management.base import BaseCommand, CommandError

from marquee.merch.reservations.reconcile import reconcile


class Command(BaseCommand):
    help = "Check every stock row: quantity = available + reserved + allocated; repair drift."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report only, repair nothing")
        parser.add_argument(
            "--variant", type=int, action="append", help="only this variant (repeatable)"
        )

    def handle(self, *args, check=False, variant=None, **options):
        report = reconcile(variant_ids=variant, repair=not check)
        for line in report.lines():
            self.stdout.write(line)
        if not report.balanced:
            raise CommandError(f"{len(report.unresolved)} stock rows are not balanced.")
