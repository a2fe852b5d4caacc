"""`manage.py import_backers <csv> --list NAME`: import an external backer list, print the report.

Importing the same list again is safe: rows already imported are reported
as such and change nothing. Exits with status 1 when any row is an error,
so a script can tell a clean import from one that needs a look.
See `marquee/members/services/imports.py` for the columns and the rules.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from marquee.core.exceptions import DomainError
from marquee.members.services import imports


class Command(BaseCommand):
    help = "Import backers from a CSV list (email, film, units[, programme])."

    def add_arguments(self, parser):
        parser.add_argument("csv", help="Path of the CSV file.")
        parser.add_argument(
            "--list",
            required=True,
            dest="list_name",
            help="The list's name; with each row's email and programme it makes the row's key.",
        )

    def handle(self, *args, csv, list_name, **options):
        try:
            report = imports.import_backers(csv, list_name)
        except OSError as error:
            raise CommandError(f"Cannot read {csv}: {error.strerror or error}") from error
        except DomainError as error:
            reasons = "; ".join(f"{d.code}: {d.message}" for d in error.details)
            raise CommandError(reasons) from error
        for row in report.rows:
            status = row.code or row.status
            self.stdout.write(f"row {row.row}\t{row.email}\t{status}\t{row.message}")
        self.stdout.write(report.summary())
        if report.errors:
            sys.exit(1)
