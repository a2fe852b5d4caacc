"""The member-only window before the start: backers of the film reserve, others wait."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.members.models import BackerProgramme, Membership, ProgrammeStatus
from marquee.merch.checkout.services import LineInput, add_lines
from marquee.merch.drops import eligibility, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def early(shop):
    return shop.drop(starts_in=timedelta(hours=1), early=timedelta(hours=2), quantity=5)


@pytest.fixture
def backer(shop, django_user_model):
    now = timezone.now()
    programme = BackerProgramme.objects.create(
        film=shop.film,
        channel=shop.china,
        slug="ww2-round-1",
        name="Wolf Warrior 2, round 1",
        unit_price=Decimal("100"),
        currency="CNY",
        total_units=1000,
        per_member_cap=10,
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=10),
        status=ProgrammeStatus.PUBLISHED,
    )
    user = django_user_model.objects.create_user(email="backer@example.com", password="pw")
    Membership.objects.create(programme=programme, user=user, units_committed=2, units_held=2)
    return user


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.details[0].code


def film_drop(shop, early):
    early.product.film = shop.film
    early.product.save()
    return early


def test_members_registered_their_rule():
    from marquee.members.drops import backs_the_film

    assert any(entry.fn is backs_the_film for entry in eligibility.early_access_rules)


def test_a_backer_of_the_film_reserves_in_the_window(shop, early, backer):
    drop = film_drop(shop, early)
    variant = shop.variant(drop)
    assert services.reserve(drop.pk, variant.pk, 1, user=backer).reserved == 1


def test_others_are_told_early_access_only(shop, early, backer, django_user_model):
    drop = film_drop(shop, early)
    variant = shop.variant(drop)
    stranger = django_user_model.objects.create_user(email="s@example.com", password="pw")
    assert code_of(lambda: services.reserve(drop.pk, variant.pk, 1)) == "EARLY_ACCESS_ONLY"
    assert (
        code_of(lambda: services.reserve(drop.pk, variant.pk, 1, user=stranger))
        == "EARLY_ACCESS_ONLY"
    )
    Membership.objects.filter(user=backer).update(units_held=0)
    assert (
        code_of(lambda: services.reserve(drop.pk, variant.pk, 1, user=backer))
        == "EARLY_ACCESS_ONLY"
    )


def test_a_backer_of_another_film_is_not_eligible(shop, early, backer):
    from marquee.films.models import Film

    early.product.film = Film.objects.create(slug="other-film", title="Other")
    early.product.save()
    variant = shop.variant(early)
    assert (
        code_of(lambda: services.reserve(early.pk, variant.pk, 1, user=backer))
        == "EARLY_ACCESS_ONLY"
    )


def test_the_window_holds_at_checkout_lines_add_too(shop, early, django_user_model):
    drop = film_drop(shop, early)
    variant = shop.variant(drop)
    checkout = shop.checkout([])
    with pytest.raises(DomainError) as caught:
        add_lines(checkout, [LineInput(variant.pk, 1)])
    assert [d.code for d in caught.value.details] == ["DROP_EARLY_ACCESS_ONLY"]
