"""Add the demo licences to a database whose demo shop was loaded before licensing existed."""

from django.core.management.base import BaseCommand

from marquee.licensing.demo import load_licensing_demo


class Command(BaseCommand):
    help = "Load the demo licensors, licences, royalty terms and approvals (once)."

    def handle(self, *args, **options):
        counts = load_licensing_demo()
        if not counts:
            self.stdout.write("Demo licensing data is already loaded.")
            return
        self.stdout.write("Created " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
