"""The meet-and-greet lottery: entries, a recorded draw anyone can rerun, and its check.

The draw is public and reproducible:

- every entry has a random ticket, the only thing published about it;
- ``digest`` is SHA-256 over the sorted tickets joined by newlines, so the
  entry list cannot be changed after the draw without changing it;
- the seed comes from ``secrets`` at draw time and is published with the
  result;
- the winners are the ``places`` tickets with the smallest
  HMAC-SHA256(key=seed, msg=digest + ":" + ticket).

`winning_tickets` is that rule as a pure function: given the published seed,
entry list and number of places, anyone recomputes the winners (the
``verify_lottery`` command does it against the recorded draw).

Entering and drawing meet on the perk row: the draw locks it FOR UPDATE,
and an entry holds a key-share lock on it until it commits, so an entry
either commits before the draw reads the list or waits, finds the draw and
is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from marquee.core.exceptions import DomainError

from ..models import LotteryDraw, LotteryEntry, Perk, PerkKind, PerkRedemption
from .codes import may_operate_perks, new_nonce
from .perks import check_not_expired, check_tier, locked_membership

ALGORITHM = "hmac-sha256-smallest-v1"

NOT_A_LOTTERY = "NOT_A_LOTTERY"
LOTTERY_CLOSED = "LOTTERY_CLOSED"
LOTTERY_OPEN = "LOTTERY_OPEN"
ALREADY_DRAWN = "ALREADY_DRAWN"
PERMISSION_DENIED = "PERMISSION_DENIED"

logger = logging.getLogger("marquee.members.lottery")


# --- the rule, as pure functions ---------------------------------------------------------


def entries_digest(tickets: Iterable[str]) -> str:
    """SHA-256 (hex) of the sorted tickets, one per line."""
    return hashlib.sha256("\n".join(sorted(tickets)).encode()).hexdigest()


def ticket_score(seed: str, digest: str, ticket: str) -> str:
    return hmac.new(seed.encode(), f"{digest}:{ticket}".encode(), hashlib.sha256).hexdigest()


def winning_tickets(seed: str, tickets: Iterable[str], places: int) -> list[str]:
    """The ``places`` tickets with the smallest scores, best first."""
    tickets = sorted(set(tickets))
    digest = entries_digest(tickets)
    ranked = sorted(tickets, key=lambda ticket: (ticket_score(seed, digest, ticket), ticket))
    return ranked[: max(places, 0)]


@dataclass(frozen=True)
class Verification:
    digest_matches: bool
    winners_match: bool
    expected_winners: list[str]
    recorded_winners: list[str]

    @property
    def ok(self) -> bool:
        return self.digest_matches and self.winners_match


def verify(
    seed: str, entries: list[str], digest: str, winners: list[str], places: int
) -> Verification:
    """Recompute a published draw and say whether its digest and winners are what the rule gives."""
    expected = winning_tickets(seed, entries, places)
    return Verification(
        digest_matches=entries_digest(entries) == digest,
        winners_match=list(winners) == expected,
        expected_winners=expected,
        recorded_winners=list(winners),
    )


def verify_draw(draw: LotteryDraw) -> Verification:
    """A recorded draw against the rule, and its entry list against the entries table."""
    result = verify(
        draw.seed, draw.entries, draw.entries_digest, draw.winners, draw.perk.total_quantity
    )
    stored = sorted(
        LotteryEntry.objects.filter(perk_id=draw.perk_id).values_list("ticket", flat=True)
    )
    if stored != sorted(draw.entries):
        return Verification(False, result.winners_match, result.expected_winners, draw.winners)
    return result


# --- entering and drawing ----------------------------------------------------------------


def _check_lottery(perk: Perk) -> None:
    if perk.kind != PerkKind.MEET_AND_GREET:
        raise DomainError.single(NOT_A_LOTTERY, "This perk is not allocated by lottery.", "perk")


def enter(user, perk: Perk, *, now=None) -> LotteryEntry:
    """The member's one entry (entering again returns it), before entries close.

    Refusals: NOT_A_LOTTERY, NOT_A_MEMBER, WRONG_TIER, EXPIRED, LOTTERY_CLOSED.
    """
    _check_lottery(perk)
    now = now or timezone.now()
    with transaction.atomic():
        membership = locked_membership(user, perk)
        existing = LotteryEntry.objects.filter(perk=perk, membership=membership).first()
        if existing is not None:
            return existing
        check_tier(user, perk)
        check_not_expired(perk, now)
        if perk.entries_close_at <= now:
            raise DomainError.single(
                LOTTERY_CLOSED, "Entries for this lottery have closed.", "perk"
            )
        _hold_against_draw(perk)
        if LotteryDraw.objects.filter(perk=perk).exists():
            raise DomainError.single(LOTTERY_CLOSED, "This lottery has been drawn.", "perk")
        entry = LotteryEntry.objects.create(
            perk=perk, membership=membership, ticket=secrets.token_hex(8), created_at=now
        )
    return entry


def _hold_against_draw(perk: Perk) -> None:
    """Share-lock the perk row (FOR KEY SHARE) until the entry commits.

    Entries share it with each other, but not with a draw's FOR UPDATE: a
    draw under way makes the entry wait and then find the draw; an entry
    under way makes the draw wait and then read it. (The foreign key's own
    check cannot do this: Django's constraints are deferred to commit.)
    """
    table = connection.ops.quote_name(Perk._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE", [perk.pk])


def draw(perk: Perk, staff_user=None, *, now=None, seed: str | None = None) -> LotteryDraw:
    """Draw the winners once entries have closed; winners get single-use codes.

    ``staff_user`` None is the scheduled task; otherwise only staff may draw.
    Refusals: PERMISSION_DENIED, NOT_A_LOTTERY, LOTTERY_OPEN, ALREADY_DRAWN.
    """
    if staff_user is not None and not may_operate_perks(staff_user):
        raise DomainError.single(PERMISSION_DENIED, "Only staff can draw a lottery.")
    _check_lottery(perk)
    now = now or timezone.now()
    if perk.entries_close_at > now:
        raise DomainError.single(
            LOTTERY_OPEN,
            f"Entries are open until {perk.entries_close_at:%Y-%m-%d %H:%M} UTC.",
            "perk",
        )
    with transaction.atomic():
        locked = Perk.objects.select_for_update().get(pk=perk.pk)
        if LotteryDraw.objects.filter(perk=locked).exists():
            raise DomainError.single(ALREADY_DRAWN, "This lottery has already been drawn.", "perk")
        entries = {
            entry.ticket: entry
            for entry in LotteryEntry.objects.filter(perk=locked).select_related("membership")
        }
        tickets = sorted(entries)
        seed = seed or secrets.token_hex(32)
        winners = winning_tickets(seed, tickets, locked.total_quantity)
        result = LotteryDraw.objects.create(
            perk=locked,
            seed=seed,
            entries_digest=entries_digest(tickets),
            entries=tickets,
            winners=winners,
            algorithm=ALGORITHM,
            drawn_at=now,
        )
        PerkRedemption.objects.bulk_create(
            PerkRedemption(
                perk=locked,
                membership=entries[ticket].membership,
                idempotency_key=f"lottery:{ticket}",
                nonce=new_nonce(),
                created_at=now,
            )
            for ticket in winners
        )
        if winners:
            Perk.objects.filter(pk=locked.pk).update(redeemed=F("redeemed") + len(winners))
    perk.refresh_from_db(fields=["redeemed"])
    return result


def due_draws(now=None) -> list[Perk]:
    """Lotteries whose entries have closed and that have not been drawn yet (for the task)."""
    now = now or timezone.now()
    return list(
        Perk.objects.filter(
            kind=PerkKind.MEET_AND_GREET, entries_close_at__lte=now, draw__isnull=True
        ).order_by("entries_close_at", "pk")
    )


@dataclass(frozen=True)
class PublicResult:
    """What anyone may see of a lottery: tickets only, never who holds them."""

    perk: Perk
    entries: list[str]
    draw: LotteryDraw | None


def public_result(slug: str) -> PublicResult | None:
    perk = Perk.objects.filter(slug=slug, kind=PerkKind.MEET_AND_GREET).first()
    if perk is None:
        return None
    found = LotteryDraw.objects.filter(perk=perk).first()
    if found is not None:
        return PublicResult(perk, list(found.entries), found)
    tickets = list(
        LotteryEntry.objects.filter(perk=perk).order_by("ticket").values_list("ticket", flat=True)
    )
    return PublicResult(perk, tickets, None)


def draw_due(now=None) -> list[LotteryDraw]:
    """Draw every lottery whose entries have closed (what the scheduled task runs).

    A lottery drawn meanwhile by staff is skipped, so the task may run as
    often as it likes.
    """
    drawn = []
    for perk in due_draws(now):
        try:
            drawn.append(draw(perk, now=now))
        except DomainError as error:
            # One lottery that cannot be drawn (no entries...) must not hold up the others.
            if error.details[0].code != ALREADY_DRAWN:
                logger.warning("lottery %s not drawn: %s", perk.slug, error)
    return drawn
