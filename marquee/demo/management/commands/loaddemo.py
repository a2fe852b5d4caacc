"""`manage.py loaddemo`: fill an empty database with the demo shop and its licence register."""

from django.core.management.base import BaseCommand

from marquee.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from marquee.demo.loader import load_demo


class Command(BaseCommand):
    help = (
        "Load the demo shop (films, catalogue, pages, menus, a staff login) and its licence "
        "register once; a shop loaded before the register existed gets the register."
    )

    def handle(self, *args, **options):
        if not load_demo(stdout=self.stdout):
            self.stdout.write("Nothing to do.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shop ready. Staff login: {DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}"
            )
        )
