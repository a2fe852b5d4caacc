"""`manage.py verify_lottery <perk-slug>`: recompute a lottery from its published seed and entries.

Prints the seed, the digest, the number of entries and places, the winners
the rule gives and the recorded ones, and whether they match. Exits with
status 1 when anything differs (the digest, the entry list against the
entries table, or the winners), so an audit can run it in a script. The
rule is `marquee.members.services.lottery.winning_tickets`.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from marquee.members.models import LotteryDraw
from marquee.members.services import lottery


class Command(BaseCommand):
    help = "Recompute a meet-and-greet lottery's winners and compare them with the recorded draw."

    def add_arguments(self, parser):
        parser.add_argument("perk_slug", help="The slug of the meet-and-greet perk.")

    def handle(self, *args, perk_slug, **options):
        draw = LotteryDraw.objects.select_related("perk").filter(perk__slug=perk_slug).first()
        if draw is None:
            raise CommandError(f"No recorded draw for a perk with slug {perk_slug!r}.")
        result = lottery.verify_draw(draw)
        out = self.stdout
        drawn = f"{draw.drawn_at:%Y-%m-%d %H:%M} UTC"
        out.write(f"Lottery: {draw.perk.name} ({draw.perk.slug}), drawn {drawn}")
        out.write(f"Algorithm: {draw.algorithm}")
        out.write(f"Seed: {draw.seed}")
        out.write(f"Entries: {len(draw.entries)}, places: {draw.perk.total_quantity}")
        out.write(f"Digest recorded: {draw.entries_digest}")
        out.write(f"Digest computed: {lottery.entries_digest(draw.entries)}")
        out.write(f"Winners recomputed: {', '.join(result.expected_winners) or '-'}")
        out.write(f"Winners recorded:   {', '.join(result.recorded_winners) or '-'}")
        if result.ok:
            out.write(
                self.style.SUCCESS(
                    "OK: the recorded winners are the ones the seed and entries give."
                )
            )
            return
        problems = []
        if not result.digest_matches:
            problems.append("the entry list does not match its digest or the entries table")
        if not result.winners_match:
            problems.append("the recorded winners are not the ones the seed and entries give")
        self.stderr.write(self.style.ERROR("MISMATCH: " + "; ".join(problems) + "."))
        raise SystemExit(1)
