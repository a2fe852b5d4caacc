"""`manage.py rebuild_royalty_ledger [--compare]`: recompute the ledger from its sources.

Sales events, recorded advances and payments, and issued statements are
replayed in memory. Without `--compare` it prints the rebuilt balance of
every account; with it, it also compares balances and entry counts with
the ledger, prints each difference and exits with status 1 if there is any
(so it can run in a cron job or CI).
See `marquee/licensing/royalties/rebuild.py`.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from marquee.licensing.models import Licence, Licensor
from marquee.licensing.royalties import rebuild


class Command(BaseCommand):
    help = "Recompute the royalty ledger from sales, payments and statements."

    def add_arguments(self, parser):
        parser.add_argument(
            "--compare",
            action="store_true",
            help="Compare with the ledger; exit 1 on any difference.",
        )

    def handle(self, *args, compare=False, **options):
        result = rebuild.replay()
        licensors = dict(Licensor.objects.values_list("pk", "slug"))
        licences = dict(Licence.objects.values_list("pk", "reference"))

        def name(account):
            if account[0] == "entries":
                return f"{account[1]} entries"
            licensor, licence, kind, currency = account
            who = licensors.get(licensor, licensor)
            return f"{who} {licences.get(licence, '-')} {kind} {currency}"

        self.stdout.write(
            f"Replayed {result.events} sales events ({result.undelivered} not yet delivered "
            f"to the ledger), {result.payments} payments and {result.statements} statements "
            f"into {len(result.book.keys)} entries ({len(result.refused)} refused refunds)."
        )
        for key, codes in result.refused:
            self.stdout.write(f"  refused {key}: {', '.join(codes)}")
        if not compare:
            for account, amount in sorted(result.balances.items(), key=lambda i: str(i[0])):
                self.stdout.write(f"  {name(account)}: {amount}")
            return
        differences = rebuild.compare(result)
        if not differences:
            self.stdout.write(self.style.SUCCESS("The ledger matches the rebuild to the cent."))
            return
        for diff in differences:
            self.stdout.write(
                f"  {name(diff.account)}: ledger {diff.ledger}, rebuilt {diff.rebuilt} "
                f"(difference {diff.ledger - diff.rebuilt})"
            )
        self.stderr.write(f"{len(differences)} account(s) differ from the rebuild.")
        sys.exit(1)
