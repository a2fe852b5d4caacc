"""Redeeming perks: tiers, expiry, quotas, totals, idempotency and what each kind hands out.

`PerkWorld` (also used by the other perk test modules) is a programme for the
test film with two tiers, Supporter (1+) and Producer (10+), a member of
each, a fan without units, and perks of every kind.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.members.models import (
    BackerProgramme,
    BackerTier,
    Membership,
    Perk,
    PerkKind,
    PerkRedemption,
    ProgrammeStatus,
)
from marquee.members.services import codes, perks
from marquee.merch import models as m
from tests.orders.conftest import ShopBuilder

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class PerkWorld:
    def __init__(self, shop: ShopBuilder | None = None):
        self.shop = shop = shop or ShopBuilder()
        self.now = timezone.now()
        users = get_user_model().objects
        self.staff = users.create_user("door@marquee.example", "pw", is_staff=True)
        self.fan = users.create_user("fan@example.com", "pw")
        self.supporter_user = users.create_user("supporter@example.com", "pw")
        self.producer_user = users.create_user("producer@example.com", "pw")
        self.programme = BackerProgramme.objects.create(
            film=shop.film,
            channel=shop.china,
            slug="ww2-round-1",
            name="Wolf Warrior 2, round 1",
            unit_price=Decimal("100"),
            currency="CNY",
            total_units=10_000,
            per_member_cap=1_000,
            opens_at=self.now - timedelta(days=10),
            closes_at=self.now + timedelta(days=10),
            status=ProgrammeStatus.PUBLISHED,
        )
        self.supporter = BackerTier.objects.create(
            programme=self.programme, slug="supporter", name="Supporter", min_units=1
        )
        self.producer = BackerTier.objects.create(
            programme=self.programme, slug="producer", name="Producer", min_units=10
        )
        self.supporter_membership = self.member(self.supporter_user, 2)
        self.producer_membership = self.member(self.producer_user, 12)
        self.variant = shop.variants("Member Edition Tee")[0]
        self.voucher = m.Voucher.objects.create(code="BACKER50", name="Backer half price")
        m.VoucherChannelListing.objects.create(
            voucher=self.voucher, channel=shop.china, currency="CNY", discount_value=Decimal("50")
        )
        m.VoucherChannelListing.objects.create(
            voucher=self.voucher, channel=shop.intl, currency="USD", discount_value=Decimal("50")
        )
        self.sequence = 0

    def member(self, user, units: int) -> Membership:
        tier = self.producer if units >= 10 else self.supporter
        return Membership.objects.create(
            programme=self.programme,
            user=user,
            units_committed=units,
            units_held=units,
            tier=tier,
        )

    def new_member(self, units: int = 1, email: str | None = None):
        self.sequence += 1
        user = get_user_model().objects.create_user(
            email or f"member{self.sequence}@example.com", "pw"
        )
        self.member(user, units)
        return user

    def perk(self, kind=PerkKind.SCREENING_PASS, *, tier=None, **fields) -> Perk:
        self.sequence += 1
        data = {
            "programme": self.programme,
            "tier": tier or self.supporter,
            "kind": kind,
            "slug": fields.pop("slug", f"perk-{self.sequence}"),
            "name": fields.pop("name", f"Perk {self.sequence}"),
            "total_quantity": fields.pop("total_quantity", 10),
            "per_member_quota": fields.pop("per_member_quota", 1),
            "expires_at": fields.pop("expires_at", self.now + timedelta(days=30)),
        }
        if kind == PerkKind.MEMBER_VARIANT:
            data["variant"] = self.variant
        if kind == PerkKind.DISCOUNT_CODE:
            data["voucher"] = self.voucher
        if kind in (PerkKind.SCREENING_PASS, PerkKind.MEET_AND_GREET):
            data["venue"] = "Wanda CBD, Beijing"
            data["event_at"] = self.now + timedelta(days=20)
        if kind == PerkKind.MEET_AND_GREET:
            data["entries_close_at"] = self.now + timedelta(days=5)
        data.update(fields)
        return Perk.objects.create(**data)


def fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    fast_passwords(settings)


@pytest.fixture
def shop(db):
    return ShopBuilder()


@pytest.fixture
def world(shop):
    return PerkWorld(shop)


def codes_of(raised) -> list[str]:
    return [detail.code for detail in raised.value.details]


pytestmark = pytest.mark.django_db


def test_a_supporter_redeems_a_screening_pass_as_a_signed_code(world):
    perk = world.perk(PerkKind.SCREENING_PASS)
    redemption = perks.redeem(world.supporter_user, perk, "k-1")
    perk.refresh_from_db()
    assert perk.redeemed == 1
    assert redemption.status == "issued"
    code = codes.code_for(redemption)
    assert code and str(perk.pk) in code and redemption.nonce in code
    assert codes.unsign(code).nonce == redemption.nonce


def test_higher_tiers_reach_lower_tier_perks_but_not_the_reverse(world):
    supporter_perk = world.perk(tier=world.supporter)
    producer_perk = world.perk(tier=world.producer)
    assert perks.redeem(world.producer_user, supporter_perk, "a")
    assert perks.redeem(world.producer_user, producer_perk, "b")
    with pytest.raises(DomainError) as raised:
        perks.redeem(world.supporter_user, producer_perk, "c")
    assert codes_of(raised) == ["WRONG_TIER"]


def test_a_fan_without_units_and_a_member_of_another_programme_are_not_members(world, shop):
    perk = world.perk()
    with pytest.raises(DomainError) as raised:
        perks.redeem(world.fan, perk, "k")
    assert codes_of(raised) == ["NOT_A_MEMBER"]
    other = BackerProgramme.objects.create(
        film=shop.film,
        channel=shop.china,
        slug="other-round",
        name="Other round",
        unit_price=Decimal("50"),
        currency="CNY",
        total_units=100,
        per_member_cap=10,
        opens_at=world.now - timedelta(days=1),
        closes_at=world.now + timedelta(days=1),
    )
    other_tier = BackerTier.objects.create(programme=other, slug="s", name="S", min_units=1)
    other_perk = Perk.objects.create(
        programme=other,
        tier=other_tier,
        kind=PerkKind.SCREENING_PASS,
        slug="other-pass",
        name="Other pass",
        total_quantity=5,
        expires_at=world.now + timedelta(days=3),
    )
    with pytest.raises(DomainError) as raised:
        perks.redeem(world.producer_user, other_perk, "k")
    assert codes_of(raised) == ["NOT_A_MEMBER"]
    # Units committed but not paid do not make a member either.
    Membership.objects.create(programme=other, user=world.fan, units_committed=3, units_held=0)
    with pytest.raises(DomainError) as raised:
        perks.redeem(world.fan, other_perk, "k")
    assert codes_of(raised) == ["NOT_A_MEMBER"]


def test_an_expired_perk_is_refused_and_nothing_is_written(world):
    perk = world.perk(expires_at=world.now - timedelta(minutes=1))
    with pytest.raises(DomainError) as raised:
        perks.redeem(world.supporter_user, perk, "k")
    assert codes_of(raised) == ["EXPIRED"]
    perk.refresh_from_db()
    assert perk.redeemed == 0
    assert not PerkRedemption.objects.exists()


def test_the_per_member_quota_holds(world):
    perk = world.perk(per_member_quota=2)
    perks.redeem(world.supporter_user, perk, "1")
    perks.redeem(world.supporter_user, perk, "2")
    with pytest.raises(DomainError) as raised:
        perks.redeem(world.supporter_user, perk, "3")
    assert codes_of(raised) == ["QUOTA_EXCEEDED"]
    perk.refresh_from_db()
    assert perk.redeemed == 2
    # Another member still has their own quota.
    assert perks.redeem(world.producer_user, perk, "1")


def test_the_total_holds_and_answers_sold_out(world):
    perk = world.perk(total_quantity=1)
    perks.redeem(world.supporter_user, perk, "k")
    with pytest.raises(DomainError) as raised:
        perks.redeem(world.producer_user, perk, "k")
    assert codes_of(raised) == ["SOLD_OUT"]
    perk.refresh_from_db()
    assert perk.redeemed == 1
    assert PerkRedemption.objects.count() == 1


def test_the_same_idempotency_key_returns_the_same_redemption(world):
    perk = world.perk(per_member_quota=3)
    first = perks.redeem(world.supporter_user, perk, "same")
    again = perks.redeem(world.supporter_user, perk, "same")
    assert again.pk == first.pk
    perk.refresh_from_db()
    assert perk.redeemed == 1
    # Even once the perk is gone, the retry answers with what it got.
    Perk.objects.filter(pk=perk.pk).update(total_quantity=1)
    assert perks.redeem(world.supporter_user, perk, "same").pk == first.pk


def test_an_idempotency_key_reused_for_another_perk_is_refused(world):
    perks.redeem(world.supporter_user, world.perk(), "same")
    with pytest.raises(DomainError) as raised:
        perks.redeem(world.supporter_user, world.perk(), "same")
    assert codes_of(raised) == ["INVALID"]
    assert raised.value.details[0].field == "idempotency_key"


@pytest.mark.parametrize(
    ("key", "code"), [("", "REQUIRED"), ("   ", "REQUIRED"), ("x" * 256, "INVALID")]
)
def test_a_missing_or_oversized_key_is_refused(world, key, code):
    with pytest.raises(DomainError) as raised:
        perks.redeem(world.supporter_user, world.perk(), key)
    assert codes_of(raised) == [code]


def test_meet_and_greet_places_are_lottery_only(world):
    with pytest.raises(DomainError) as raised:
        perks.redeem(world.supporter_user, world.perk(PerkKind.MEET_AND_GREET), "k")
    assert codes_of(raised) == ["LOTTERY_ONLY"]


def test_a_discount_code_is_a_single_use_clone_of_the_perks_voucher(world, shop):
    perk = world.perk(PerkKind.DISCOUNT_CODE)
    redemption = perks.redeem(world.supporter_user, perk, "k")
    assert redemption.voucher_code.startswith("BACKER50-")
    clone = m.Voucher.objects.get(code=redemption.voucher_code)
    assert clone.usage_limit == 1 and clone.used == 0
    assert clone.discount_type == world.voucher.discount_type
    listings = {
        (listing.channel_id, listing.currency, listing.discount_value)
        for listing in clone.channel_listings.all()
    }
    assert listings == {
        (shop.china.pk, "CNY", Decimal("50.0000")),
        (shop.intl.pk, "USD", Decimal("50.0000")),
    }
    assert codes.code_for(redemption) is None
    second = perks.redeem(world.producer_user, perk, "k")
    assert second.voucher_code != redemption.voucher_code


def test_the_cloned_voucher_applies_through_checkouts_promo_code_path(world, shop):
    from prices import Money

    from marquee.merch.checkout.vouchers import voucher_problem, voucher_with_listing

    redemption = perks.redeem(world.supporter_user, world.perk(PerkKind.DISCOUNT_CODE), "k")
    voucher, listing = voucher_with_listing(redemption.voucher_code.lower(), shop.china)
    assert voucher is not None and listing is not None
    assert voucher_problem(voucher, listing, Money(Decimal("100"), "CNY")) is None
    m.Voucher.objects.filter(pk=voucher.pk).update(used=1)
    voucher.refresh_from_db()
    assert voucher_problem(voucher, listing, Money(Decimal("100"), "CNY")) == (
        "Promo code has been used up."
    )


def test_a_member_variant_redemption_records_the_right_to_buy(world):
    perk = world.perk(PerkKind.MEMBER_VARIANT, total_quantity=3)
    redemption = perks.redeem(world.supporter_user, perk, "k")
    assert redemption.perk.variant_id == world.variant.pk
    assert redemption.membership == world.supporter_membership
    assert redemption.status == "issued"
    assert codes.code_for(redemption) is None and redemption.voucher_code == ""


def test_a_member_sees_the_perks_of_every_tier_they_reach_with_what_is_left(world):
    live = world.perk(tier=world.supporter, total_quantity=5, per_member_quota=2)
    high = world.perk(tier=world.producer)
    world.perk(expires_at=world.now - timedelta(days=1))
    perks.redeem(world.supporter_user, live, "k")
    seen = {item.perk.pk: item for item in perks.perks_for_user(world.supporter_user)}
    assert set(seen) == {live.pk}
    assert seen[live.pk].remaining == 4
    assert seen[live.pk].quota_left == 1
    assert [r.pk for r in seen[live.pk].redemptions] == [PerkRedemption.objects.get(perk=live).pk]
    producer_sees = {item.perk.pk for item in perks.perks_for_user(world.producer_user)}
    assert producer_sees == {live.pk, high.pk}
    assert perks.perks_for_user(world.fan) == []


def test_an_expired_perk_stays_listed_while_the_member_holds_one(world):
    perk = world.perk()
    perks.redeem(world.supporter_user, perk, "k")
    Perk.objects.filter(pk=perk.pk).update(expires_at=world.now - timedelta(days=1))
    seen = perks.perks_for_user(world.supporter_user)
    assert [item.perk.pk for item in seen] == [perk.pk]


def test_a_member_variant_redemption_reserves_the_variant_until_used(world):
    perk = world.perk(PerkKind.MEMBER_VARIANT)
    assert perks.reserved_variant_ids(world.supporter_user) == frozenset()
    redemption = perks.redeem(world.supporter_user, perk, "k")
    assert perks.reserved_variant_ids(world.supporter_user) == {world.variant.pk}
    assert perks.reserved_variant_ids(world.producer_user) == frozenset()
    assert perks.reserved_variant_ids(None) == frozenset()
    PerkRedemption.objects.filter(pk=redemption.pk).update(status="consumed")
    assert perks.reserved_variant_ids(world.supporter_user) == frozenset()


def test_a_sold_out_perk_answers_before_any_lock(world, django_assert_max_num_queries):
    perk = world.perk(total_quantity=1)
    perks.redeem(world.supporter_user, perk, "k")
    with django_assert_max_num_queries(6) as captured, pytest.raises(DomainError) as raised:
        perks.redeem(world.producer_user, perk, "k")
    assert codes_of(raised) == ["SOLD_OUT"]
    assert not any("FOR UPDATE" in query["sql"] for query in captured.captured_queries)


def test_a_voucher_with_a_long_code_still_clones(world):
    m.Voucher.objects.filter(pk=world.voucher.pk).update(code="X" * 255)
    world.voucher.refresh_from_db()
    redemption = perks.redeem(world.supporter_user, world.perk(PerkKind.DISCOUNT_CODE), "k")
    assert len(redemption.voucher_code) <= 255
