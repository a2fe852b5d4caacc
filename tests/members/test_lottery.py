"""The meet-and-greet lottery: entries, a reproducible draw, and an audit that catches tampering."""

from __future__ import annotations

import hashlib
import hmac
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from marquee.core.exceptions import DomainError
from marquee.members.models import LotteryDraw, LotteryEntry, Perk, PerkKind, PerkRedemption
from marquee.members.services import codes, lottery

from .test_perks import PerkWorld, codes_of, fast_passwords

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings):
    fast_passwords(settings)
    return PerkWorld()


def open_lottery(world, places=2, **fields):
    return world.perk(PerkKind.MEET_AND_GREET, total_quantity=places, **fields)


def close(perk, world):
    Perk.objects.filter(pk=perk.pk).update(entries_close_at=world.now - timedelta(seconds=1))
    perk.refresh_from_db()


# --- the pure rule -----------------------------------------------------------------------


def test_winning_tickets_is_the_published_rule():
    tickets = ["c3", "a1", "b2", "d4", "e5"]
    seed = "00ff" * 16
    digest = hashlib.sha256("\n".join(sorted(tickets)).encode()).hexdigest()
    by_hand = sorted(
        tickets,
        key=lambda t: hmac.new(seed.encode(), f"{digest}:{t}".encode(), hashlib.sha256).hexdigest(),
    )[:3]
    assert lottery.entries_digest(tickets) == digest
    assert lottery.winning_tickets(seed, tickets, 3) == by_hand
    # The order tickets are listed in does not matter; the seed does.
    assert lottery.winning_tickets(seed, list(reversed(tickets)), 3) == by_hand
    seeds = {tuple(lottery.winning_tickets(f"seed-{i}", tickets, 3)) for i in range(20)}
    assert len(seeds) > 1


def test_more_places_than_entries_makes_everyone_a_winner():
    assert sorted(lottery.winning_tickets("s", ["b", "a"], 5)) == ["a", "b"]
    assert lottery.winning_tickets("s", [], 5) == []
    assert lottery.winning_tickets("s", ["a"], 0) == []


# --- entering ----------------------------------------------------------------------------


def test_members_enter_once_each_with_a_random_ticket(world):
    perk = open_lottery(world)
    entry = lottery.enter(world.supporter_user, perk)
    assert len(entry.ticket) == 16
    assert lottery.enter(world.supporter_user, perk).pk == entry.pk
    other = lottery.enter(world.producer_user, perk)
    assert other.ticket != entry.ticket
    assert LotteryEntry.objects.count() == 2


def test_entry_refusals(world):
    perk = open_lottery(world)
    with pytest.raises(DomainError) as raised:
        lottery.enter(world.fan, perk)
    assert codes_of(raised) == ["NOT_A_MEMBER"]
    high = open_lottery(world, tier=world.producer)
    with pytest.raises(DomainError) as raised:
        lottery.enter(world.supporter_user, high)
    assert codes_of(raised) == ["WRONG_TIER"]
    with pytest.raises(DomainError) as raised:
        lottery.enter(world.supporter_user, world.perk(PerkKind.SCREENING_PASS))
    assert codes_of(raised) == ["NOT_A_LOTTERY"]
    close(perk, world)
    with pytest.raises(DomainError) as raised:
        lottery.enter(world.supporter_user, perk)
    assert codes_of(raised) == ["LOTTERY_CLOSED"]
    expired = open_lottery(world, expires_at=world.now - timedelta(minutes=1))
    with pytest.raises(DomainError) as raised:
        lottery.enter(world.supporter_user, expired)
    assert codes_of(raised) == ["EXPIRED"]
    assert not LotteryEntry.objects.exists()


# --- drawing -----------------------------------------------------------------------------


def entered(world, perk, count):
    users = [world.new_member() for _ in range(count)]
    return {lottery.enter(user, perk).ticket: user for user in users}


def test_a_draw_records_seed_digest_entries_and_winners_who_get_codes(world):
    perk = open_lottery(world, places=3)
    tickets = entered(world, perk, 8)
    close(perk, world)
    result = lottery.draw(perk, world.staff)
    assert len(result.seed) == 64
    assert result.entries == sorted(tickets)
    assert result.entries_digest == lottery.entries_digest(tickets)
    assert result.winners == lottery.winning_tickets(result.seed, tickets, 3)
    assert result.algorithm == lottery.ALGORITHM
    winners = PerkRedemption.objects.filter(perk=perk).select_related("membership__user", "perk")
    assert {r.membership.user_id for r in winners} == {tickets[t].pk for t in result.winners}
    perk.refresh_from_db()
    assert perk.redeemed == 3
    # A winner's place is a code the door checks once.
    code = codes.code_for(winners[0])
    assert codes.consume(code, world.staff, "Studio lot").status == "consumed"


def test_the_draw_is_reproducible_from_the_recorded_seed(world):
    perk = open_lottery(world, places=2)
    tickets = entered(world, perk, 6)
    close(perk, world)
    result = lottery.draw(perk, world.staff, seed="published-seed")
    assert result.winners == lottery.winning_tickets("published-seed", list(tickets), 2)
    assert lottery.verify_draw(result).ok


def test_draw_refusals(world):
    perk = open_lottery(world)
    entered(world, perk, 2)
    with pytest.raises(DomainError) as raised:
        lottery.draw(perk, world.staff)
    assert codes_of(raised) == ["LOTTERY_OPEN"]
    close(perk, world)
    with pytest.raises(DomainError) as raised:
        lottery.draw(perk, world.supporter_user)
    assert codes_of(raised) == ["PERMISSION_DENIED"]
    with pytest.raises(DomainError) as raised:
        lottery.draw(world.perk(PerkKind.SCREENING_PASS), world.staff)
    assert codes_of(raised) == ["NOT_A_LOTTERY"]
    lottery.draw(perk)  # the scheduled task draws without a user
    with pytest.raises(DomainError) as raised:
        lottery.draw(perk, world.staff)
    assert codes_of(raised) == ["ALREADY_DRAWN"]
    assert LotteryDraw.objects.count() == 1


def test_a_draw_without_entries_has_no_winners(world):
    perk = open_lottery(world)
    close(perk, world)
    result = lottery.draw(perk)
    assert result.entries == [] and result.winners == []
    assert lottery.verify_draw(result).ok


def test_due_draws_are_closed_undrawn_lotteries(world):
    due = open_lottery(world)
    open_lottery(world)
    drawn = open_lottery(world)
    close(due, world)
    close(drawn, world)
    lottery.draw(drawn)
    assert lottery.due_draws() == [due]


def test_the_public_result_shows_tickets_never_people(world):
    perk = open_lottery(world, places=1)
    tickets = entered(world, perk, 3)
    before = lottery.public_result(perk.slug)
    assert before.draw is None and before.entries == sorted(tickets)
    close(perk, world)
    lottery.draw(perk)
    after = lottery.public_result(perk.slug)
    assert after.draw.winners[0] in tickets
    assert lottery.public_result("no-such-lottery") is None


# --- verify_lottery ----------------------------------------------------------------------


@pytest.fixture
def drawn(world):
    perk = open_lottery(world, places=2, slug="meet-wu-jing")
    entered(world, perk, 5)
    close(perk, world)
    return lottery.draw(perk)


def run_verify(slug):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_lottery", slug, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_verify_lottery_confirms_an_untouched_draw(drawn):
    status, out, _err = run_verify("meet-wu-jing")
    assert status == 0
    assert "OK" in out and drawn.seed in out


def test_verify_lottery_detects_a_tampered_winner_list(drawn):
    loser = next(t for t in drawn.entries if t not in drawn.winners)
    LotteryDraw.objects.filter(pk=drawn.pk).update(winners=[drawn.winners[0], loser])
    status, _out, err = run_verify("meet-wu-jing")
    assert status == 1
    assert "winners" in err


def test_verify_lottery_detects_a_reordered_or_shortened_winner_list(drawn):
    LotteryDraw.objects.filter(pk=drawn.pk).update(winners=drawn.winners[:1])
    assert run_verify("meet-wu-jing")[0] == 1
    LotteryDraw.objects.filter(pk=drawn.pk).update(winners=list(reversed(drawn.winners)))
    assert run_verify("meet-wu-jing")[0] == 1


def test_verify_lottery_detects_a_tampered_entry_list_or_seed(drawn):
    LotteryDraw.objects.filter(pk=drawn.pk).update(entries=[*drawn.entries, "ffffffffffffffff"])
    status, _out, err = run_verify("meet-wu-jing")
    assert status == 1 and "entry list" in err
    # A seed swapped after the fact (one that picks other winners) is caught too.
    swapped = next(
        seed
        for seed in (f"another-{i}" for i in range(100))
        if lottery.winning_tickets(seed, drawn.entries, 2) != drawn.winners
    )
    LotteryDraw.objects.filter(pk=drawn.pk).update(entries=drawn.entries, seed=swapped)
    assert lottery.verify_draw(LotteryDraw.objects.get()).winners_match is False


def test_verify_lottery_detects_an_entry_list_that_differs_from_the_entries(drawn):
    LotteryEntry.objects.filter(ticket=drawn.entries[0]).update(ticket="0" * 16)
    assert run_verify("meet-wu-jing")[0] == 1


def test_verify_lottery_without_a_draw_is_an_error(world):
    with pytest.raises(CommandError):
        call_command("verify_lottery", "nothing-here", stdout=io.StringIO())


def test_draw_due_draws_each_closed_lottery_once(world):
    due = open_lottery(world, places=1)
    entered(world, due, 3)
    later = open_lottery(world)
    close(due, world)
    drawn = lottery.draw_due()
    assert [d.perk_id for d in drawn] == [due.pk]
    assert lottery.draw_due() == []
    assert not LotteryDraw.objects.filter(perk=later).exists()


def test_closed_lotteries_are_drawn_on_schedule_once_each(world):
    from django.conf import settings

    from marquee.celeryconf import app
    from marquee.members import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["lottery-draw"]
    assert entry["task"] == "marquee.members.tasks.draw_closed_lotteries" in app.tasks
    empty = open_lottery(world, places=1)
    due = open_lottery(world, places=1)
    entered(world, due, 2)
    close(empty, world)
    close(due, world)
    assert tasks.draw_closed_lotteries.delay().get() == 2
    assert len(LotteryDraw.objects.get(perk=due).winners) == 1
    assert LotteryDraw.objects.get(perk=empty).winners == []  # drawn, with nobody to win
    assert tasks.draw_closed_lotteries.delay().get() == 0
