"""Backers of the test film, built row by row: a programme, two tiers, members and price rules.

The programme backs the catalogue's film (Wolf Warrior 2) with a Supporter
tier (1+ units) and a Producer tier (10+). Members are written as the
backing service leaves them: paid units held, the tier they reach recorded.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from marquee.films.models import Film
from marquee.members.models import (
    BackerProgramme,
    BackerTier,
    MemberPriceKind,
    MemberPriceRule,
    Membership,
    MemberVariantPrice,
    ProgrammeStatus,
)
from marquee.members.selectors import tier_for_units
from tests.licensing.conftest import RoleClient


class UserClient(RoleClient):
    """Posts GraphQL as one user (None: anonymous); `run` answers the data of a clean reply."""

    def body(self, query, variables=None):
        return super().run(query, variables)

    def run(self, query, variables=None):
        body = self.body(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def error_codes(self, query, variables=None):
        """The codes of a request's top-level GraphQL errors (Saleor's `extensions.code`)."""
        body = self.body(query, variables)
        return [
            e.get("extensions", {}).get("exception", {}).get("code")
            or e.get("extensions", {}).get("code")
            for e in body.get("errors", [])
        ]


class Backers:
    def __init__(self, catalogue, film=None, slug="ww2-round-1"):
        self.catalogue = catalogue
        now = timezone.now()
        self.programme = BackerProgramme.objects.create(
            film=film or catalogue.film,
            channel=catalogue.china,
            slug=slug,
            name=f"Back {slug}",
            unit_price=Decimal("100"),
            currency="CNY",
            total_units=1000,
            per_member_cap=20,
            opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=10),
            status=ProgrammeStatus.PUBLISHED,
        )
        self.supporter = BackerTier.objects.create(
            programme=self.programme, slug="supporter", name="Supporter", min_units=1
        )
        self.producer = BackerTier.objects.create(
            programme=self.programme, slug="producer", name="Producer", min_units=10
        )

    def user(self, email):
        return get_user_model().objects.create_user(email, "pw")

    def member(self, email, units):
        user = self.user(email)
        tier = tier_for_units([self.supporter, self.producer], units)
        Membership.objects.create(
            programme=self.programme,
            user=user,
            units_committed=units,
            units_held=units,
            tier=tier,
        )
        return user

    def percentage(self, tier, percent, name=None, **fields):
        return MemberPriceRule.objects.create(
            programme=self.programme,
            tier=tier,
            name=name or f"{tier.name} price",
            kind=MemberPriceKind.PERCENTAGE,
            percentage=Decimal(percent),
            **fields,
        )

    def fixed(self, tier, prices, channel=None, name=None, **fields):
        """prices: {variant: amount} in `channel` (China by default)."""
        rule = MemberPriceRule.objects.create(
            programme=self.programme,
            tier=tier,
            name=name or f"{tier.name} fixed price",
            kind=MemberPriceKind.FIXED_PRICE,
            **fields,
        )
        for variant, amount in prices.items():
            MemberVariantPrice.objects.create(
                rule=rule,
                variant=variant,
                channel=channel or self.catalogue.china,
                price=Decimal(amount),
            )
        return rule


def other_film():
    return Film.objects.create(slug="the-wandering-earth", title="流浪地球")
