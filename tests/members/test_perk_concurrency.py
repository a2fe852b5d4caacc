"""Quotas, totals, idempotency and single use under real parallel requests on PostgreSQL.

Each thread has its own database connection, and a barrier releases them
together, so the limits are tested against true races rather than a
sequence of calls.
"""

from __future__ import annotations

import pytest

from marquee.members.models import LotteryEntry, Perk, PerkKind, PerkRedemption
from marquee.members.services import codes, lottery, perks
from tests.concurrency import in_parallel

from .test_perks import PerkWorld, fast_passwords

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(settings):
    fast_passwords(settings)
    return PerkWorld()


def test_forty_members_racing_for_ten_passes_get_exactly_ten(world):
    members = [world.new_member() for _ in range(40)]
    for round_number in range(3):
        perk = world.perk(total_quantity=10, per_member_quota=1)
        key = f"round-{round_number}"
        results = in_parallel(
            [lambda u=user, p=perk, k=key: perks.redeem(u, p, k) for user in members]
        )
        won = [r for r in results if isinstance(r, PerkRedemption)]
        assert len(won) == 10
        assert sorted(r for r in results if isinstance(r, str)) == ["SOLD_OUT"] * 30
        perk.refresh_from_db()
        assert perk.redeemed == 10
        assert PerkRedemption.objects.filter(perk=perk).count() == 10
        assert len({r.membership_id for r in won}) == 10


def test_one_member_in_ten_threads_with_a_quota_of_two_gets_two(world):
    perk = world.perk(total_quantity=100, per_member_quota=2)
    user = world.supporter_user
    results = in_parallel([lambda i=i: perks.redeem(user, perk, f"key-{i}") for i in range(10)])
    assert sum(isinstance(r, PerkRedemption) for r in results) == 2
    assert sorted(r for r in results if isinstance(r, str)) == ["QUOTA_EXCEEDED"] * 8
    perk.refresh_from_db()
    assert perk.redeemed == 2


def test_one_request_retried_in_ten_threads_is_one_redemption(world):
    perk = world.perk(total_quantity=100, per_member_quota=5)
    user = world.supporter_user
    results = in_parallel([lambda: perks.redeem(user, perk, "the-same-key") for _ in range(10)])
    assert all(isinstance(r, PerkRedemption) for r in results)
    assert len({r.pk for r in results}) == 1
    assert Perk.objects.get(pk=perk.pk).redeemed == 1


def test_discount_codes_under_a_race_are_one_voucher_each(world):
    members = [world.new_member() for _ in range(12)]
    perk = world.perk(PerkKind.DISCOUNT_CODE, total_quantity=5)
    results = in_parallel([lambda user=user: perks.redeem(user, perk, "k") for user in members])
    won = [r for r in results if isinstance(r, PerkRedemption)]
    assert len(won) == 5
    assert len({r.voucher_code for r in won}) == 5


def test_ten_doors_scanning_one_code_admit_once(world):
    redemption = perks.redeem(world.supporter_user, world.perk(), "k")
    code = codes.code_for(redemption)
    results = in_parallel(
        [lambda i=i: codes.consume(code, world.staff, f"Door {i}") for i in range(10)]
    )
    admitted = [r for r in results if isinstance(r, PerkRedemption)]
    assert len(admitted) == 1
    assert sorted(r for r in results if isinstance(r, str)) == ["ALREADY_USED"] * 9
    redemption.refresh_from_db()
    assert redemption.consumed_at_venue == admitted[0].consumed_at_venue


def test_one_member_entering_a_lottery_from_ten_threads_has_one_entry(world):
    perk = world.perk(PerkKind.MEET_AND_GREET)
    results = in_parallel([lambda: lottery.enter(world.supporter_user, perk) for _ in range(10)])
    assert len({entry.pk for entry in results}) == 1
    assert LotteryEntry.objects.filter(perk=perk).count() == 1


def test_parallel_draws_draw_once(world):
    from datetime import timedelta

    perk = world.perk(PerkKind.MEET_AND_GREET, total_quantity=2)
    for _ in range(6):
        lottery.enter(world.new_member(), perk)
    Perk.objects.filter(pk=perk.pk).update(entries_close_at=world.now - timedelta(seconds=1))
    perk.refresh_from_db()
    results = in_parallel([lambda: lottery.draw(perk, world.staff) for _ in range(5)])
    assert sorted(r for r in results if isinstance(r, str)) == ["ALREADY_DRAWN"] * 4
    assert PerkRedemption.objects.filter(perk=perk).count() == 2
    assert Perk.objects.get(pk=perk.pk).redeemed == 2


def test_entries_racing_the_draw_are_either_in_its_list_or_refused(world):
    from datetime import timedelta

    perk = world.perk(PerkKind.MEET_AND_GREET, total_quantity=3)
    members = [world.new_member() for _ in range(20)]
    before_close = perk.entries_close_at - timedelta(seconds=1)
    after_close = perk.entries_close_at + timedelta(seconds=1)
    calls = [lambda u=user: lottery.enter(u, perk, now=before_close) for user in members]
    calls.insert(10, lambda: lottery.draw(perk, world.staff, now=after_close))
    results = in_parallel(calls)
    (draw,) = [r for r in results if isinstance(r, lottery.LotteryDraw)]
    entered = {r.ticket for r in results if isinstance(r, LotteryEntry)}
    refused = [r for r in results if isinstance(r, str)]
    assert set(refused) <= {"LOTTERY_CLOSED"}
    assert len(entered) + len(refused) == 20
    # No entry the lottery accepted is missing from the list it was drawn from.
    assert sorted(entered) == draw.entries
    assert sorted(LotteryEntry.objects.filter(perk=perk).values_list("ticket", flat=True)) == (
        draw.entries
    )
