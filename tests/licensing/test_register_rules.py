"""Register rules the API used to decide for itself, asked of the domain directly."""

import pytest

from marquee.core.exceptions import DomainError
from marquee.licensing import selectors, services

from .conftest import days

pytestmark = pytest.mark.django_db


def codes(raised):
    return [(d.code, d.field) for d in raised.value.details]


def test_a_licensor_needs_a_slug(register):
    with pytest.raises(DomainError) as raised:
        services.create_licensor(name="Studio C")
    assert codes(raised) == [("REQUIRED", "slug")]
    with pytest.raises(DomainError) as raised:
        services.create_licensor(slug="  ", name="Studio C")
    assert codes(raised) == [("REQUIRED", "slug")]


def test_a_licence_needs_a_licensor(register):
    data = services.LicenceData(
        licensor=None,
        reference="X-1",
        term_start=days(0),
        term_end=days(10),
        territories=["CN"],
        properties=[register.property_a],
    )
    with pytest.raises(DomainError) as raised:
        services.create_licence(data)
    assert codes(raised) == [("REQUIRED", "licensor")]


def test_a_licence_never_changes_licensor(register):
    with pytest.raises(DomainError) as raised:
        services.update_licence(register.licence_a, {"licensor": register.licensor_b})
    assert codes(raised) == [("INVALID", "licensor")]
    register.licence_a.refresh_from_db()
    assert register.licence_a.licensor == register.licensor_a


@pytest.mark.parametrize(
    ("role", "see", "change", "decide"),
    [
        ("anonymous", False, False, False),
        ("customer", False, False, False),
        ("licensor_a", True, False, True),
        ("staff", True, True, False),
    ],
)
def test_who_may_do_what_with_the_register(register, role, see, change, decide):
    user = {
        "anonymous": None,
        "customer": register.customer,
        "licensor_a": register.user_a,
        "staff": register.staff,
    }[role]
    viewer = selectors.viewer_for(user)
    assert selectors.may_see_register(viewer) is see
    assert selectors.may_change_register(viewer) is change
    assert selectors.may_decide_approvals(viewer) is decide
