"""`manage.py loaddemo`: fill an empty database with the demo shop."""

from django.core.management.base import BaseCommand

from marquee.merch.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo shop (films, catalogue, pages, menus, a staff login) once."

    def handle(self, *args, **options):
        if not load_demo(stdout=self.stdout):
            self.stdout.write("Nothing to do.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shop ready. Staff login: {DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}"
            )
        )
