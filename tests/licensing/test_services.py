"""Bad input the register refuses, and the history it keeps."""

from datetime import timedelta
from decimal import Decimal

import pytest

from marquee.core.exceptions import DomainError
from marquee.licensing import services
from marquee.licensing.models import LicenceChange
from marquee.licensing.validation import TierSpec

from .conftest import days

pytestmark = pytest.mark.django_db


def codes(raised):
    return [d.code for d in raised.value.details]


def test_overlapping_exclusive_licences_are_rejected_naming_the_conflict(register, shop):
    register.licence(
        register.licensor_a,
        "A-EXCL",
        [register.property_a],
        exclusive=True,
        categories=[shop.apparel],
        territories=["CN"],
    )
    with pytest.raises(DomainError) as raised:
        # T-shirts sit under Apparel, CN overlaps, dates overlap.
        register.licence(
            register.licensor_a,
            "A-EXCL-2",
            [register.property_a],
            exclusive=True,
            categories=[shop.tees],
            territories=["CN", "JP"],
            term_start=days(100),
        )
    assert codes(raised) == ["EXCLUSIVITY_CONFLICT"]
    assert "A-EXCL" in raised.value.details[0].message
    # No overlap in territory, category or dates: accepted.
    register.licence(
        register.licensor_a, "A-JP", [register.property_a], exclusive=True, territories=["JP"]
    )
    register.licence(
        register.licensor_a,
        "A-FIG",
        [register.property_a],
        exclusive=True,
        categories=[shop.figures],
        territories=["CN"],
    )
    register.licence(
        register.licensor_a,
        "A-LATER",
        [register.property_a],
        exclusive=True,
        territories=["CN"],
        term_start=days(400),
        term_end=days(800),
    )


def test_term_ending_before_it_starts(register):
    with pytest.raises(DomainError) as raised:
        register.licence(
            register.licensor_a, "BAD", [register.property_a], term_start=days(10), term_end=days(5)
        )
    assert codes(raised) == ["INVALID_TERM"]


def test_licence_for_a_property_the_licensor_does_not_own(register):
    with pytest.raises(DomainError) as raised:
        register.licence(register.licensor_a, "BAD", [register.property_b])
    assert codes(raised) == ["PROPERTY_NOT_OWNED"]


@pytest.mark.parametrize("rate", [Decimal("-1"), Decimal("100.01")])
def test_rates_outside_0_to_100(register, rate):
    data = services.TermsData(
        effective_from=register.licence_a.term_start, rate_percent=rate, currency="CNY"
    )
    with pytest.raises(DomainError) as raised:
        services.add_royalty_terms(register.licence_a, data)
    assert codes(raised) == ["INVALID_RATE"]


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([(0, 100, 8), (90, None, 10)], "overlap"),
        ([(0, 100, 8), (120, None, 10)], "gap"),
        ([(10, 100, 8), (100, None, 10)], "start at 0"),
        ([(0, 100, 8), (100, 200, 10)], "open-ended"),
    ],
)
def test_tiers_without_overlap_or_gap(register, tiers, message):
    specs = [
        TierSpec(Decimal(a), None if b is None else Decimal(b), Decimal(r)) for a, b, r in tiers
    ]
    data = services.TermsData(
        effective_from=register.licence_a.term_start,
        rate_percent=Decimal(10),
        currency="CNY",
        tier_basis="units",
        tiers=specs,
    )
    with pytest.raises(DomainError) as raised:
        services.add_royalty_terms(register.licence_a, data)
    assert "INVALID_TIERS" in codes(raised)
    assert any(message in d.message for d in raised.value.details)


def test_valid_terms_are_versioned(register):
    licence = register.licence_a
    for offset, rate in ((0, "8"), (30, "10")):
        services.add_royalty_terms(
            licence,
            services.TermsData(
                effective_from=licence.term_start + timedelta(days=offset),
                rate_percent=Decimal(rate),
                currency="CNY",
                tier_basis="revenue",
                tiers=[
                    TierSpec(Decimal(0), Decimal(1000), Decimal(5)),
                    TierSpec(Decimal(1000), None, Decimal(rate)),
                ],
            ),
        )
    assert [t.rate_percent for t in licence.royalty_terms.order_by("effective_from")] == [8, 10]


def test_shares_must_add_up_to_100(register, shop):
    tee = shop.product("Tee")
    with pytest.raises(DomainError) as raised:
        services.submit_product(
            tee, [(register.licence_a, Decimal("60")), (register.licence_b, Decimal("30"))]
        )
    assert codes(raised) == ["INVALID_SHARES"]
    assert "90 %" in raised.value.details[0].message


def test_approving_a_product_of_a_property_the_licensor_does_not_own(register, shop):
    tee = shop.product("Tee")  # Wolf Warrior 2: licensor A's film
    (approval,) = services.submit_product(tee, [(register.licence_b, Decimal(100))])
    with pytest.raises(DomainError) as raised:
        services.approve_stage(approval, register.licensor_b.pk, register.user_b)
    assert codes(raised) == ["PROPERTY_NOT_OWNED"]


def test_rejection_needs_a_comment(register, shop):
    (approval,) = services.submit_product(shop.product("Tee"), [(register.licence_a, 100)])
    with pytest.raises(DomainError) as raised:
        services.reject(approval, register.licensor_a.pk, "  ", register.user_a)
    assert codes(raised) == ["REQUIRED"]
    services.reject(approval, register.licensor_a.pk, "Wrong colour.", register.user_a)
    assert approval.events.last().comment == "Wrong colour."


def test_history_records_who_when_old_and_new(register, shop):
    licence = register.licence_a
    assert {c.field for c in licence.changes.all()} >= {"reference", "territories", "status"}
    services.update_licence(
        licence, {"territories": ["CN", "JP"], "status": "terminated"}, actor=register.staff
    )
    changes = {
        c.field: (c.old_value, c.new_value, c.changed_by)
        for c in LicenceChange.objects.filter(licence=licence).order_by("-pk")[:2]
    }
    assert changes == {
        "territories": ("CN,US", "CN,JP", register.staff),
        "status": ("active", "terminated", register.staff),
    }
