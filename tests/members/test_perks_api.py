"""Perks through the API: me.perks, redeeming, consuming codes, the lottery; refusals as codes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from graphql_relay import to_global_id

from marquee.accounts.tokens import create_access_token
from marquee.members.models import LotteryDraw, Perk, PerkKind, PerkRedemption

from .test_perks import PerkWorld, fast_passwords

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings):
    fast_passwords(settings)
    return PerkWorld()


def api(user=None):
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_access_token(user)}"} if user else {}

    def run(query, variables=None):
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **headers,
        )
        assert response.status_code in (200, 400), response.content[:500]
        return response.json()

    return run


def gid(perk):
    return to_global_id("Perk", perk.pk)


ME_PERKS = """
{ me { perks {
    id slug name kind programmeSlug tierSlug tierName tierMinUnits
    totalQuantity remaining perMemberQuota quotaLeft expiresAt venue eventAt entriesCloseAt
    lotteryTicket
    redemptions { id status code qrCodeSvg voucherCode createdAt consumedAt consumedAtVenue }
} } }
"""

REDEEM = """
mutation Redeem($perk: ID!, $key: String!) {
  perkRedeem(perk: $perk, idempotencyKey: $key) {
    redemption { id status code qrCodeSvg voucherCode }
    perk { slug remaining quotaLeft }
    errors { field code message }
  }
}
"""

CONSUME = """
mutation Consume($code: String!, $venue: String!) {
  perkCodeConsume(code: $code, venue: $venue) {
    redemption { status consumedAt consumedAtVenue }
    perkName
    errors { field code message usedAt usedAtVenue }
  }
}
"""

ENTER = """
mutation Enter($perk: ID!) {
  perkLotteryEnter(perk: $perk) { entry { ticket createdAt } errors { field code message } }
}
"""

DRAW = """
mutation Draw($perk: ID!) {
  perkLotteryDraw(perk: $perk) {
    lottery { slug places isDrawn seed entriesDigest entries winners algorithm drawnAt }
    errors { field code message }
  }
}
"""

LOTTERY = """
query Lottery($slug: String!) {
  perkLottery(slug: $slug) {
    slug name places entriesCloseAt isDrawn algorithm seed entriesDigest entries winners drawnAt
  }
}
"""


def redeem(user, perk, key="k"):
    return api(user)(REDEEM, {"perk": gid(perk), "key": key})["data"]["perkRedeem"]


def error_codes(payload):
    return [error["code"] for error in payload["errors"]]


def test_me_perks_lists_what_the_member_can_redeem(world):
    world.perk(PerkKind.SCREENING_PASS, slug="premiere-pass", total_quantity=5)
    world.perk(PerkKind.SCREENING_PASS, slug="producer-pass", tier=world.producer)
    body = api(world.supporter_user)(ME_PERKS)
    assert "errors" not in body
    listed = body["data"]["me"]["perks"]
    assert [p["slug"] for p in listed] == ["premiere-pass"]
    perk = listed[0]
    assert perk["kind"] == "SCREENING_PASS"
    assert perk["remaining"] == 5 and perk["quotaLeft"] == 1
    assert perk["tierSlug"] == "supporter" and perk["programmeSlug"] == "ww2-round-1"
    assert perk["redemptions"] == []
    producer = api(world.producer_user)(ME_PERKS)["data"]["me"]["perks"]
    assert {p["slug"] for p in producer} == {"premiere-pass", "producer-pass"}
    assert api(world.fan)(ME_PERKS)["data"]["me"]["perks"] == []


def test_redeeming_a_pass_returns_its_code_and_qr_and_me_shows_it(world):
    perk = world.perk(PerkKind.SCREENING_PASS, total_quantity=5)
    payload = redeem(world.supporter_user, perk)
    assert payload["errors"] == []
    redemption = payload["redemption"]
    assert redemption["status"] == "ISSUED"
    assert redemption["code"] and redemption["qrCodeSvg"].startswith("<svg")
    assert payload["perk"] == {"slug": perk.slug, "remaining": 4, "quotaLeft": 0}
    listed = api(world.supporter_user)(ME_PERKS)["data"]["me"]["perks"][0]
    assert listed["redemptions"][0]["code"] == redemption["code"]


def test_the_same_idempotency_key_returns_the_same_redemption(world):
    perk = world.perk(per_member_quota=2)
    first = redeem(world.supporter_user, perk, "same")
    again = redeem(world.supporter_user, perk, "same")
    assert again["errors"] == []
    assert again["redemption"]["id"] == first["redemption"]["id"]
    assert PerkRedemption.objects.count() == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda w: (w.supporter_user, w.perk(tier=w.producer)), "WRONG_TIER"),
        (lambda w: (w.fan, w.perk()), "NOT_A_MEMBER"),
        (lambda w: (w.supporter_user, w.perk(expires_at=w.now - timedelta(1))), "EXPIRED"),
        (lambda w: (w.supporter_user, w.perk(PerkKind.MEET_AND_GREET)), "LOTTERY_ONLY"),
        (lambda w: (w.supporter_user, w.perk(total_quantity=0)), "SOLD_OUT"),
    ],
)
def test_redeem_refusals_are_stable_codes_and_write_nothing(world, setup, code):
    user, perk = setup(world)
    payload = redeem(user, perk)
    assert error_codes(payload) == [code]
    assert payload["errors"][0]["field"] == "perk"
    assert payload["redemption"] is None
    assert not PerkRedemption.objects.exists()


def test_beyond_quota_is_quota_exceeded(world):
    perk = world.perk(per_member_quota=1)
    redeem(world.supporter_user, perk, "1")
    assert error_codes(redeem(world.supporter_user, perk, "2")) == ["QUOTA_EXCEEDED"]


@pytest.mark.parametrize(
    "perk_id",
    ["", "nonsense", to_global_id("Perk", 999999), to_global_id("Product", 1), "UGVyazox" * 40],
)
def test_an_unknown_or_malformed_perk_is_not_found(world, perk_id):
    payload = api(world.supporter_user)(REDEEM, {"perk": perk_id, "key": "k"})["data"]
    assert error_codes(payload["perkRedeem"]) == ["NOT_FOUND"]
    assert payload["perkRedeem"]["errors"][0]["field"] == "perk"


def test_redeeming_needs_a_signed_in_member(world):
    perk = world.perk()
    payload = api()(REDEEM, {"perk": gid(perk), "key": "k"})["data"]["perkRedeem"]
    assert error_codes(payload) == ["PERMISSION_DENIED"]


def test_a_bad_idempotency_key_is_a_field_error(world):
    payload = redeem(world.supporter_user, world.perk(), "")
    assert error_codes(payload) == ["REQUIRED"]
    assert payload["errors"][0]["field"] == "idempotencyKey"


def test_a_discount_perk_gives_a_voucher_code(world):
    payload = redeem(world.supporter_user, world.perk(PerkKind.DISCOUNT_CODE))
    assert payload["redemption"]["voucherCode"].startswith("BACKER50-")
    assert payload["redemption"]["code"] is None and payload["redemption"]["qrCodeSvg"] is None


def test_staff_consume_a_code_once(world):
    code = redeem(world.supporter_user, world.perk())["redemption"]["code"]
    door = api(world.staff)
    first = door(CONSUME, {"code": code, "venue": "Wanda CBD"})["data"]["perkCodeConsume"]
    assert first["errors"] == []
    assert first["redemption"]["status"] == "CONSUMED"
    assert first["redemption"]["consumedAtVenue"] == "Wanda CBD"
    second = door(CONSUME, {"code": code, "venue": "Elsewhere"})["data"]["perkCodeConsume"]
    assert error_codes(second) == ["ALREADY_USED"]
    assert second["errors"][0]["usedAtVenue"] == "Wanda CBD"
    assert second["errors"][0]["usedAt"] == first["redemption"]["consumedAt"]
    shown = api(world.supporter_user)(ME_PERKS)["data"]["me"]["perks"][0]["redemptions"][0]
    assert shown["status"] == "CONSUMED" and shown["consumedAtVenue"] == "Wanda CBD"


def test_forged_codes_and_non_staff_are_refused(world):
    code = redeem(world.supporter_user, world.perk())["redemption"]["code"]
    door = api(world.staff)
    for forged in (code[:-2] + "zz", "hello", "", "1.x:y" * 300):
        payload = door(CONSUME, {"code": forged, "venue": "Hall"})["data"]["perkCodeConsume"]
        assert error_codes(payload) == ["INVALID_CODE"], forged
    for user in (None, world.supporter_user):
        payload = api(user)(CONSUME, {"code": code, "venue": "Hall"})["data"]["perkCodeConsume"]
        assert error_codes(payload) == ["PERMISSION_DENIED"]
    assert PerkRedemption.objects.get().status == "issued"


def test_the_lottery_through_the_api(world):
    perk = world.perk(PerkKind.MEET_AND_GREET, slug="meet-wu-jing", total_quantity=1)
    members = [world.supporter_user, world.producer_user, world.new_member()]
    tickets = []
    for user in members:
        payload = api(user)(ENTER, {"perk": gid(perk)})["data"]["perkLotteryEnter"]
        assert payload["errors"] == []
        tickets.append(payload["entry"]["ticket"])
    again = api(members[0])(ENTER, {"perk": gid(perk)})["data"]["perkLotteryEnter"]
    assert again["entry"]["ticket"] == tickets[0]
    listed = api(members[0])(ME_PERKS)["data"]["me"]["perks"][0]
    assert listed["lotteryTicket"] == tickets[0]

    public = api()(LOTTERY, {"slug": "meet-wu-jing"})["data"]["perkLottery"]
    assert public["isDrawn"] is False and public["seed"] is None
    assert sorted(public["entries"]) == sorted(tickets) and public["winners"] == []

    early = api(world.staff)(DRAW, {"perk": gid(perk)})["data"]["perkLotteryDraw"]
    assert error_codes(early) == ["LOTTERY_OPEN"]
    Perk.objects.filter(pk=perk.pk).update(entries_close_at=world.now - timedelta(seconds=1))
    late = api(world.new_member())(ENTER, {"perk": gid(perk)})["data"]["perkLotteryEnter"]
    assert error_codes(late) == ["LOTTERY_CLOSED"]
    denied = api(members[0])(DRAW, {"perk": gid(perk)})["data"]["perkLotteryDraw"]
    assert error_codes(denied) == ["PERMISSION_DENIED"]

    drawn = api(world.staff)(DRAW, {"perk": gid(perk)})["data"]["perkLotteryDraw"]
    assert drawn["errors"] == []
    result = drawn["lottery"]
    assert result["isDrawn"] and len(result["winners"]) == 1
    assert result["seed"] == LotteryDraw.objects.get().seed
    public = api()(LOTTERY, {"slug": "meet-wu-jing"})["data"]["perkLottery"]
    assert public == {**public, **{k: result[k] for k in ("seed", "winners", "entriesDigest")}}
    assert "@" not in json.dumps(public)
    twice = api(world.staff)(DRAW, {"perk": gid(perk)})["data"]["perkLotteryDraw"]
    assert error_codes(twice) == ["ALREADY_DRAWN"]

    winner = members[tickets.index(result["winners"][0])]
    mine = api(winner)(ME_PERKS)["data"]["me"]["perks"][0]
    assert mine["redemptions"][0]["code"] and mine["remaining"] == 0
    assert api()(LOTTERY, {"slug": "no-such"})["data"]["perkLottery"] is None


def test_entering_something_that_is_not_a_lottery(world):
    payload = api(world.supporter_user)(ENTER, {"perk": gid(world.perk())})["data"]
    assert error_codes(payload["perkLotteryEnter"]) == ["NOT_A_LOTTERY"]


def test_perks_of_another_user_are_not_shown_through_token_create(world):
    body = api()(
        'mutation { tokenCreate(email: "supporter@example.com", password: "pw") '
        "{ user { perks { slug } } errors { code } } }"
    )
    world.perk()
    assert body["data"]["tokenCreate"]["errors"] == []
    assert body["data"]["tokenCreate"]["user"]["perks"] == []


def test_me_perks_reads_a_constant_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as captured:
            body = api(world.producer_user)(ME_PERKS)
        assert "errors" not in body
        return len(captured.captured_queries), body["data"]["me"]["perks"]

    first = world.perk(per_member_quota=3)
    redeem(world.producer_user, first, "1")
    few, listed = count()
    assert len(listed) == 1
    for index in range(4):
        perk = world.perk(
            [PerkKind.SCREENING_PASS, PerkKind.DISCOUNT_CODE, PerkKind.MEMBER_VARIANT][index % 3],
            tier=world.producer,
            per_member_quota=2,
        )
        redeem(world.producer_user, perk, f"a{index}")
        redeem(world.producer_user, perk, f"b{index}")
    lottery_perk = world.perk(PerkKind.MEET_AND_GREET)
    api(world.producer_user)(ENTER, {"perk": gid(lottery_perk)})
    many, listed = count()
    assert len(listed) == 6
    assert many == few
