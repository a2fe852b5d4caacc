"""The investor-members demo: two programmes (one open, one sold out), members in each tier,
member prices and perks of every kind, and the logins the README gives."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from marquee.demo import MEMBER_EMAILS, MEMBER_PASSWORD
from marquee.members import selectors
from marquee.members.models import (
    BackerProgramme,
    BackerSubscription,
    MemberPriceKind,
    MemberPriceRule,
    Membership,
    Perk,
    PerkKind,
    SubscriptionSource,
    SubscriptionStatus,
)

pytestmark = pytest.mark.django_db


def test_one_programme_open_for_weeks_and_one_sold_out(demo):
    now = timezone.now()
    open_one = BackerProgramme.objects.get(slug="ne-zha-backers")
    assert open_one.status == "published"
    assert open_one.opens_at < now and open_one.closes_at > now + timedelta(days=14)
    assert open_one.units_left > 0
    assert (open_one.unit_price, open_one.currency, open_one.per_member_cap) == (
        Decimal("100"),
        "CNY",
        20,
    )
    sold_out = BackerProgramme.objects.get(slug="wandering-earth-backers")
    assert sold_out.opens_at < now < sold_out.closes_at
    assert sold_out.units_committed == sold_out.units_paid == sold_out.total_units
    for programme in (open_one, sold_out):
        assert [(t.slug, t.min_units) for t in programme.tiers.all()] == [
            ("supporter", 1),
            ("producer", 10),
        ]


def test_members_in_each_tier_are_paid_imported_subscriptions(demo):
    users = get_user_model().objects
    assert MEMBER_EMAILS == (
        "supporter@marquee.example",
        "producer@marquee.example",
        "fan@marquee.example",
    )
    for email in MEMBER_EMAILS:
        assert users.get(email=email).check_password(MEMBER_PASSWORD)
    tiers = {
        (m.user.email, m.programme.slug): m.tier.slug
        for m in Membership.objects.select_related("user", "programme", "tier")
        if m.user.email in MEMBER_EMAILS
    }
    assert tiers == {
        ("supporter@marquee.example", "ne-zha-backers"): "supporter",
        ("supporter@marquee.example", "wandering-earth-backers"): "supporter",
        ("producer@marquee.example", "ne-zha-backers"): "producer",
        ("producer@marquee.example", "wandering-earth-backers"): "producer",
    }
    assert not selectors.memberships_for_user(users.get(email="fan@marquee.example"))
    subscriptions = BackerSubscription.objects.all()
    assert {(s.status, s.source) for s in subscriptions} == {
        (SubscriptionStatus.PAID, SubscriptionSource.IMPORT)
    }
    assert all(s.idempotency_key.startswith("demo:") for s in subscriptions)
    # Imported backers without a demo login cannot sign in until they claim the account.
    assert not users.get(email="backer-01@marquee.example").has_usable_password()


def test_perks_of_every_kind_and_member_prices(demo):
    perks = {perk.kind: perk for perk in Perk.objects.select_related("variant", "voucher")}
    assert set(perks) == set(PerkKind.values)
    variant = perks[PerkKind.MEMBER_VARIANT].variant
    assert variant.sku == "NZ-BKR-FIG" and variant.product.film.slug == "ne-zha"
    voucher = perks[PerkKind.DISCOUNT_CODE].voucher
    assert voucher.code == "NEZHA-BACKER" and voucher.channel_listings.exists()
    lottery = perks[PerkKind.MEET_AND_GREET]
    assert timezone.now() < lottery.entries_close_at < lottery.expires_at
    assert all(perk.redeemed == 0 for perk in perks.values())

    rules = {rule.kind: rule for rule in MemberPriceRule.objects.all()}
    assert rules[MemberPriceKind.PERCENTAGE].percentage == Decimal("20")
    fixed = rules[MemberPriceKind.FIXED_PRICE]
    assert [(p.variant.sku, p.price) for p in fixed.variant_prices.all()] == [
        ("NZ-FIG-STD", Decimal("299"))
    ]
