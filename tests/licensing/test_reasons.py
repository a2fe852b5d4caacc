"""Refusals by the licence gate: customers read no contract data, staff and the licensor do.

A checkout refusal that quoted the licence ("licence A-1 (Studio A) does not
cover the territory IT") let anyone map a licensor's territories and terms
by probing countries. Anonymous visitors, customers and other licensors'
users get the public reason; staff and the users of the licensor whose
licence blocks the sale get the full one. The viewer is whoever makes the
request.
"""

import re

import pytest

from marquee.licensing import gate, services
from marquee.licensing.selectors import Viewer, viewer_for
from marquee.merch.checkout.info import fetch_checkout_info
from marquee.merch.checkout.validators import COMPLETE as AT_COMPLETION
from marquee.merch.checkout.validators import line_errors
from tests.orders.conftest import COMPLETE, checkout_id

from .conftest import days
from .test_gate import ADD, CREATE, variant_id

pytestmark = pytest.mark.django_db

PUBLIC_ROLES = ["anonymous", "customer", "licensor_b"]
FULL_ROLES = ["staff", "licensor_a"]

UPDATE = """mutation ($id: ID!, $lines: [CheckoutLineUpdateInput!]!) {
  checkoutLinesUpdate(id: $id, lines: $lines) { errors { field code message variants } }
}"""


def assert_no_contract_data(message):
    assert "A-1" not in message
    assert "Studio A" not in message
    assert "licence" not in message.lower()
    assert not re.search(r"\b(CN|US|IT)\b", message), message
    assert str(days(365).year) not in message


def licence_errors(errors):
    return [e for e in errors if e["code"] == "LICENCE_NOT_VALID"]


def create_with(register, role, product):
    return register.client(role).run(
        CREATE,
        {
            "input": {
                "channel": "china",
                "lines": [{"variantId": variant_id(product), "quantity": 1}],
            }
        },
    )["data"]["checkoutCreate"]


@pytest.fixture
def us_only_tee(register, shop):
    """Licence A covers the US only; the china channel sells to CN by default."""
    services.update_licence(register.licence_a, {"territories": ["US"]})
    return register.approve(shop.product("Tee"))


@pytest.mark.parametrize("role", PUBLIC_ROLES)
def test_checkout_create_tells_customers_no_contract_data(register, us_only_tee, role):
    errors = create_with(register, role, us_only_tee)["errors"]
    assert [e["code"] for e in errors] == ["LICENCE_NOT_VALID"]
    assert errors[0]["variants"] == [variant_id(us_only_tee)]
    assert errors[0]["message"].endswith("Not available for delivery to China.")
    assert_no_contract_data(errors[0]["message"])


@pytest.mark.parametrize("role", FULL_ROLES)
def test_checkout_create_tells_staff_and_owning_licensor_the_full_reason(
    register, us_only_tee, role
):
    errors = create_with(register, role, us_only_tee)["errors"]
    assert [e["code"] for e in errors] == ["LICENCE_NOT_VALID"]
    assert "licence A-1 (Studio A) does not cover the territory CN" in errors[0]["message"]


@pytest.mark.parametrize("role", PUBLIC_ROLES + FULL_ROLES)
def test_lines_add_words_the_reason_for_the_requester(register, shop, us_only_tee, role):
    client = register.client(role)
    good = register.approve(shop.product("Good Tee"), register.licence_b)
    created = create_with(register, role, good)
    assert created["errors"] == []
    body = client.run(
        ADD,
        {
            "id": created["checkout"]["id"],
            "lines": [{"variantId": variant_id(us_only_tee), "quantity": 1}],
        },
    )
    [error] = body["data"]["checkoutLinesAdd"]["errors"]
    assert error["code"] == "LICENCE_NOT_VALID"
    if role in FULL_ROLES:
        assert "does not cover the territory CN" in error["message"]
    else:
        assert error["message"] == "Tee (S): Not available for delivery to China."


@pytest.mark.parametrize("role", PUBLIC_ROLES + FULL_ROLES)
def test_lines_update_words_the_reason_for_the_requester(register, shop, role):
    tee = register.approve(shop.product("Tee"))
    created = create_with(register, role, tee)
    assert created["errors"] == []
    services.update_licence(
        register.licence_a, {"term_start": days(-400), "term_end": days(-200), "sell_off_days": 10}
    )
    body = register.client(role).run(
        UPDATE,
        {
            "id": created["checkout"]["id"],
            "lines": [{"variantId": variant_id(tee), "quantity": 2}],
        },
    )
    [error] = body["data"]["checkoutLinesUpdate"]["errors"]
    assert error["code"] == "LICENCE_NOT_VALID"
    if role in FULL_ROLES:
        assert "sell-off period ended on" in error["message"]
    else:
        assert error["message"] == "Tee (S): No longer sold in this channel."
        assert_no_contract_data(error["message"])
        assert str(days(-200)) not in error["message"]


@pytest.mark.parametrize("role", PUBLIC_ROLES + FULL_ROLES)
def test_checkout_complete_words_the_reason_for_the_requester(register, shop, role):
    """Shipping to Italy, outside licence A's CN and US: the probe that mapped territories."""
    tee = register.approve(shop.product("Tee", variants=1))
    user = {"customer": register.customer, "licensor_a": register.user_a}.get(role)
    user = user or {"licensor_b": register.user_b, "staff": register.staff}.get(role)
    checkout = shop.checkout([(tee.variants.first(), 1)], user=user)
    checkout.shipping_address = shop.address(country="IT", city="Roma", postal_code="00100")
    checkout.save()
    shop.pay(checkout)
    body = register.client(role).run(COMPLETE, {"id": checkout_id(checkout)})
    [error] = licence_errors(body["data"]["checkoutComplete"]["errors"])
    if role in FULL_ROLES:
        assert "licence A-1 (Studio A) does not cover the territory IT" in error["message"]
    else:
        assert error["message"].endswith(": Not available for delivery to Italy.")
        assert_no_contract_data(error["message"])


@pytest.mark.parametrize(
    ("change", "public"),
    [
        ({"territories": ["US"]}, "Not available for delivery to China."),
        ({"channels": "intl"}, "Not sold in this channel."),
        ({"categories": "figures"}, "Not available for sale."),
        ({"status": "terminated"}, "No longer sold in this channel."),
        ({"status": "draft"}, "Not available for sale."),
        ({"term_start": days(5), "term_end": days(50)}, "Not available yet."),
    ],
)
def test_every_refusal_has_a_public_form(register, shop, change, public):
    tee = register.approve(shop.product("Tee"))
    if change.get("channels") == "intl":
        change["channels"] = [shop.intl]
    if change.get("categories") == "figures":
        change["categories"] = [shop.figures]
    services.update_licence(register.licence_a, change, actor=register.staff)
    why = gate.verdict(tee, shop.china).why
    assert why.public == public
    assert why.licensor_id == register.licensor_a.pk
    assert "A-1" in why.full


def test_contract_is_readable_by_staff_and_its_own_licensor_only(register):
    owner = register.licensor_a.pk
    assert gate.may_read_contract(viewer_for(register.staff), owner)
    assert gate.may_read_contract(viewer_for(register.user_a), owner)
    assert not gate.may_read_contract(viewer_for(register.user_b), owner)
    assert not gate.may_read_contract(viewer_for(register.customer), owner)
    assert not gate.may_read_contract(Viewer(None), owner)
    assert not gate.may_read_contract(viewer_for(register.user_a), None)


def test_the_requester_not_the_owner_decides(register, shop, us_only_tee):
    """A customer's own checkout, checked on behalf of staff: staff read the full reason."""
    checkout = shop.checkout([(us_only_tee.variants.first(), 1)], user=register.customer)
    as_owner = fetch_checkout_info(checkout)
    [public] = line_errors(as_owner, as_owner.lines, AT_COMPLETION)
    assert public.message == "Tee (S): Not available for delivery to China."
    as_staff = fetch_checkout_info(checkout, requester=register.staff)
    [full] = line_errors(as_staff, as_staff.lines, AT_COMPLETION)
    assert "licence A-1 (Studio A) does not cover the territory CN" in full.message
