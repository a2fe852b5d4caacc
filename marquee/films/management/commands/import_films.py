"""`manage.py import_films [PATH ...]`: load film datasets (JSON or CSV).

Invalid rows are printed as `file:line: reason` and do not fail the run, so
a large file with a few bad rows still gets its good rows in; the exit
status is non-zero only when a file could not be read at all.
"""

from django.core.management.base import BaseCommand, CommandError

from marquee.films.importer import DEFAULT_DATASET, DatasetUnreadable, import_films


class Command(BaseCommand):
    help = "Import films from JSON or CSV files; with no PATH, the dataset shipped with Marquee."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", metavar="PATH", help=".json or .csv file(s) to import"
        )

    def handle(self, *args, paths, **options):
        unreadable = 0
        for path in paths or [str(DEFAULT_DATASET)]:
            try:
                report = import_films(path)
            except DatasetUnreadable as exc:
                unreadable += 1
                self.stderr.write(str(exc))
                continue
            for error in report.errors:
                self.stderr.write(str(error))
            self.stdout.write(report.summary())
        if unreadable:
            raise CommandError(
                f"{unreadable} file(s) could not be read; nothing was imported from them"
            )
