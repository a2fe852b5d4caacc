"""Perk codes: signed, consumed once by venue staff, forgeries and reuse refused."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from marquee.core.exceptions import DomainError
from marquee.members.models import Perk, PerkKind, PerkRedemption
from marquee.members.services import codes, perks

from .test_perks import PerkWorld, codes_of, fast_passwords

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings):
    fast_passwords(settings)
    return PerkWorld()


@pytest.fixture
def pass_code(world):
    perk = world.perk(PerkKind.SCREENING_PASS)
    redemption = perks.redeem(world.supporter_user, perk, "k")
    return codes.code_for(redemption)


def test_staff_consume_a_code_once_at_a_venue(world, pass_code):
    redemption = codes.consume(pass_code, world.staff, "Wanda CBD, hall 3")
    assert redemption.status == "consumed"
    assert redemption.consumed_by == world.staff
    assert redemption.consumed_at_venue == "Wanda CBD, hall 3"
    assert redemption.consumed_at is not None


def test_a_second_scan_says_when_and_where_it_was_used(world, pass_code):
    first = codes.consume(pass_code, world.staff, "Hall 3")
    with pytest.raises(DomainError) as raised:
        codes.consume(pass_code, world.staff, "Hall 4")
    assert codes_of(raised) == ["ALREADY_USED"]
    detail = raised.value.details[0]
    assert "Hall 3" in detail.message
    assert detail.extra["used_at"] == first.consumed_at
    assert detail.extra["used_at_venue"] == "Hall 3"
    assert PerkRedemption.objects.get().consumed_at_venue == "Hall 3"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"),
        lambda code: "9" + code,
        lambda code: code.split(":")[0],
        lambda code: code.split(":")[0] + ":forged",
        lambda code: "",
        lambda code: "x" * 5000,
        lambda code: "1.nonce:" + "A" * 27,
    ],
)
def test_a_forged_or_altered_code_is_invalid(world, pass_code, tamper):
    with pytest.raises(DomainError) as raised:
        codes.consume(tamper(pass_code), world.staff, "Hall 3")
    assert codes_of(raised) == ["INVALID_CODE"]
    assert PerkRedemption.objects.get().status == "issued"


def test_a_code_signed_with_another_key_is_invalid(world, pass_code, settings):
    settings.SECRET_KEY = "another-secret-key-entirely-" + "x" * 30
    forged = codes.code_for(PerkRedemption.objects.get())
    settings.SECRET_KEY = settings.SECRET_KEY.replace("another", "the-real")
    with pytest.raises(DomainError) as raised:
        codes.consume(forged, world.staff, "Hall 3")
    assert codes_of(raised) == ["INVALID_CODE"]


def test_codes_are_unguessable_each_redemption_its_own_nonce(world):
    perk = world.perk(per_member_quota=5)
    issued = [codes.code_for(perks.redeem(world.supporter_user, perk, str(i))) for i in range(5)]
    assert len(set(issued)) == 5
    nonces = [codes.unsign(code).nonce for code in issued]
    assert all(len(nonce) >= 24 for nonce in nonces)


def test_an_expired_perks_code_is_refused(world, pass_code):
    Perk.objects.update(expires_at=world.now - timedelta(minutes=1))
    with pytest.raises(DomainError) as raised:
        codes.consume(pass_code, world.staff, "Hall 3")
    assert codes_of(raised) == ["EXPIRED"]


def test_a_void_redemptions_code_is_invalid(world, pass_code):
    PerkRedemption.objects.update(status="void")
    with pytest.raises(DomainError) as raised:
        codes.consume(pass_code, world.staff, "Hall 3")
    assert codes_of(raised) == ["INVALID_CODE"]


def test_only_venue_staff_may_consume(world, pass_code):
    for user in (None, world.fan, world.supporter_user):
        with pytest.raises(DomainError) as raised:
            codes.consume(pass_code, user, "Hall 3")
        assert codes_of(raised) == ["PERMISSION_DENIED"]
    doorman = get_user_model().objects.create_user("doorman@example.com", "pw")
    doorman.user_permissions.add(Permission.objects.get(codename="change_perkredemption"))
    doorman = get_user_model().objects.get(pk=doorman.pk)
    assert codes.consume(pass_code, doorman, "Hall 3").consumed_by == doorman


@pytest.mark.parametrize("venue", ["", "   ", "v" * 256])
def test_the_venue_is_required(world, pass_code, venue):
    with pytest.raises(DomainError) as raised:
        codes.consume(pass_code, world.staff, venue)
    assert codes_of(raised) == ["INVALID"]


def test_the_qr_code_is_an_svg_of_the_code(pass_code):
    svg = codes.qr_svg(pass_code)
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    path = root.find("{http://www.w3.org/2000/svg}path")
    assert path is not None and path.get("d").startswith("M")
    # A QR code of this length is at least version 3 (29 modules) plus the quiet zone.
    size = int(root.get("viewBox").split()[2])
    assert size >= 29 + 8
