"""`manage.py rundemo`: migrate, load the demo and serve it — what `make run` does.

Django's autoreloader runs the server in a child process started with this
same command line; the child skips straight to serving, so the database
work and the banner happen once.
"""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from marquee.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, MEMBER_EMAILS, MEMBER_PASSWORD

DEFAULT_ADDRPORT = "127.0.0.1:8000"


class Command(BaseCommand):
    help = "Migrate, load the demo shop and run the development server."

    def add_arguments(self, parser):
        parser.add_argument(
            "--addrport",
            default=DEFAULT_ADDRPORT,
            help=f"Address and port to serve on (default {DEFAULT_ADDRPORT}).",
        )
        parser.add_argument(
            "--noreload",
            action="store_true",
            help="Do not restart the server when code changes.",
        )

    def handle(self, *args, addrport, noreload, **options):
        if os.environ.get("RUN_MAIN") != "true":
            call_command("migrate", interactive=False, verbosity=1)
            call_command("loaddemo")
            self.stdout.write(self.banner(addrport))
        call_command("runserver", addrport, use_reloader=not noreload)

    def banner(self, addrport: str) -> str:
        base = f"http://{display_address(addrport)}"
        graphiql = " (GraphiQL opens in a browser)" if settings.GRAPHIQL_ENABLED else ""
        lines = [
            "",
            "Marquee demo shop",
            f"  Storefront GraphQL API  {base}/graphql/{graphiql}",
            f"  Admin                   {base}/admin/",
            f"  Staff login             {DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}",
            f"  Member logins           {', '.join(MEMBER_EMAILS)} / {MEMBER_PASSWORD}",
            "",
        ]
        return self.style.SUCCESS("\n".join(lines))


def display_address(addrport: str) -> str:
    """The address to print for a runserver `addrport` ("8000", "0.0.0.0:8000", ...)."""
    host, _, port = addrport.rpartition(":")
    if not host:
        host = "127.0.0.1"
    if host in ("0.0.0.0", "[::]", "::"):
        host = "localhost"
    return f"{host}:{port}"
