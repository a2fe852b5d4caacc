"""The gate: only approved products under a licence in scope are shown and sold."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from graphql_relay import to_global_id

from marquee.licensing import gate, services
from marquee.licensing.models import ApprovalStage, LicenceStatus, ProductApproval
from marquee.merch.models import ProductChannelListing

from .conftest import RoleClient, days

pytestmark = pytest.mark.django_db

LIST = """query ($channel: String!) {
  products(channel: $channel, first: 20) { edges { node { name } } }
}"""
CREATE = """mutation ($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) { checkout { id } errors { field code message variants } }
}"""
ADD = """mutation ($id: ID!, $lines: [CheckoutLineInput!]!) {
  checkoutLinesAdd(id: $id, lines: $lines) { errors { field code message variants } }
}"""


def names(channel="china"):
    body = RoleClient().run(LIST, {"channel": channel})
    return sorted(e["node"]["name"] for e in body["data"]["products"]["edges"])


def variant_id(product):
    return to_global_id("ProductVariant", product.variants.first().pk)


def why(register, product, channel=None, country="CN", on=None):
    result = gate.verdict(product, channel or register.shop.china, country, on or days(0))
    return result.reason


def test_catalogue_shows_only_licensed_approved_products(register, shop):
    register.approve(shop.product("Licensed Tee"))
    shop.product("Undeclared Tee")
    pending = shop.product("Pending Tee")
    ProductApproval.objects.create(product=pending, licence=register.licence_a, share_percent=100)
    register.approve(shop.product("Figure", category=shop.figures))  # category not licensed
    assert names() == ["Licensed Tee"]
    assert names("international") == ["Licensed Tee"]


def test_subcategory_is_covered_by_its_parent(register, shop):
    tee = register.approve(shop.product("Tee"))  # T-shirts, under Apparel
    assert tee.category.parent == shop.apparel
    assert gate.verdict(tee, shop.china).allowed


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"territories": ["US"]}, "does not cover the territory CN"),
        ({"channels": "intl"}, "does not cover the sales channel 'china'"),
        ({"categories": "figures"}, "does not cover the product category 'T-shirts'"),
        ({"status": LicenceStatus.TERMINATED}, "was terminated"),
        ({"status": LicenceStatus.DRAFT}, "is a draft"),
        ({"term_start": days(5), "term_end": days(50)}, "only starts on"),
        (
            {"term_start": days(-400), "term_end": days(-200), "sell_off_days": 100},
            "sell-off period ended",
        ),
    ],
)
def test_each_reason_is_named(register, shop, change, expected):
    tee = register.approve(shop.product("Tee"))
    if change.get("channels") == "intl":
        change["channels"] = [shop.intl]
    if change.get("categories") == "figures":
        change["categories"] = [shop.figures]
    services.update_licence(register.licence_a, change, actor=register.staff)
    assert expected in why(register, tee)
    assert names() == []


def test_sell_off_period_is_honoured(register, shop):
    tee = register.approve(shop.product("Tee"))
    services.update_licence(
        register.licence_a,
        {"term_start": days(-400), "term_end": days(-30), "status": LicenceStatus.EXPIRED},
    )
    result = gate.verdict(tee, shop.china)
    assert result.allowed and result.in_sell_off
    assert names() == ["Tee"]
    # The last day of the sell-off still sells, the day after does not.
    licence = register.licence_a
    licence.refresh_from_db()
    assert gate.verdict(tee, shop.china, "CN", licence.sell_off_until).allowed
    after = licence.sell_off_until + timedelta(days=1)
    assert "sell-off period ended" in gate.verdict(tee, shop.china, "CN", after).reason


def test_every_declared_licence_must_be_valid(register, shop):
    tee = shop.product("Crossover Tee")
    register.approve(tee, register.licence_a, 60)
    register.approve(tee, register.licence_b, 40)  # B's licence: apparel too
    assert gate.verdict(tee, shop.china).allowed
    ProductApproval.objects.filter(licence=register.licence_b).update(stage=ApprovalStage.REJECTED)
    assert "rejected by Studio B" in why(register, tee)


def test_unapproved_stage_is_named(register, shop):
    tee = shop.product("Tee")
    ProductApproval.objects.create(product=tee, licence=register.licence_a, share_percent=100)
    assert "not approved by Studio A yet (stage: concept)" in why(register, tee)
    assert "none is declared" in why(register, shop.product("Other Tee"))


def test_publication_check_refuses_unlicensed(register, shop):
    tee = shop.product("Tee", published=False)
    listing = ProductChannelListing.objects.get(product=tee, channel=shop.china)
    listing.is_published = True
    with pytest.raises(ValidationError) as raised:
        listing.full_clean()
    assert "no licence covers this product" in str(raised.value)
    register.approve(tee)
    listing.full_clean()


def test_checkout_refuses_unlicensed_lines_with_reason(register, shop):
    good = register.approve(shop.product("Good Tee"))
    bad = shop.product("Bad Tee")
    client = RoleClient()
    body = client.run(
        CREATE,
        {"input": {"channel": "china", "lines": [{"variantId": variant_id(bad), "quantity": 1}]}},
    )
    errors = body["data"]["checkoutCreate"]["errors"]
    assert [(e["code"], e["variants"]) for e in errors] == [
        ("LICENCE_NOT_VALID", [variant_id(bad)])
    ]
    # Anonymous: the public reason; staff: the full one (tests/licensing/test_reasons.py).
    assert errors[0]["message"] == "Bad Tee (S): Not available for sale."
    errors = register.client("staff").run(
        CREATE,
        {"input": {"channel": "china", "lines": [{"variantId": variant_id(bad), "quantity": 1}]}},
    )["data"]["checkoutCreate"]["errors"]
    assert "cannot be sold in CN through 'china'" in errors[0]["message"]
    assert "no licence covers" in errors[0]["message"]
    body = client.run(
        CREATE,
        {"input": {"channel": "china", "lines": [{"variantId": variant_id(good), "quantity": 1}]}},
    )
    checkout = body["data"]["checkoutCreate"]["checkout"]["id"]
    body = client.run(
        ADD, {"id": checkout, "lines": [{"variantId": variant_id(bad), "quantity": 1}]}
    )
    assert body["data"]["checkoutLinesAdd"]["errors"][0]["code"] == "LICENCE_NOT_VALID"


def test_checkout_uses_the_shipping_country(register, shop):
    """A licence for the US only: refused for the china channel's default country (CN),
    allowed once the checkout ships to the US."""
    from marquee.merch.checkout.info import fetch_checkout_info
    from marquee.merch.checkout.validators import COMPLETE, line_errors

    services.update_licence(register.licence_a, {"territories": ["US"]})
    tee = register.approve(shop.product("Tee"))
    checkout = shop.checkout([(tee.variants.first(), 1)], ship=False)
    info = fetch_checkout_info(checkout, requester=register.staff)
    errors = line_errors(info, info.lines, COMPLETE)
    assert [e.code for e in errors] == ["LICENCE_NOT_VALID"]
    assert "territory CN" in errors[0].message
    checkout.shipping_address = shop.address(
        country="US", city="Austin", postal_code="73301", country_area="TX", phone=""
    )
    checkout.save()
    info = fetch_checkout_info(checkout)
    assert line_errors(info, info.lines, COMPLETE) == []


def test_gate_switch(register, shop, settings):
    shop.product("Tee")
    settings.LICENCE_GATE_ENABLED = False
    assert names() == ["Tee"]


def test_an_unlicensed_sold_out_line_hears_about_the_licence_first(register, shop):
    """Validators run in their declared order: rights (300) before stock (500)."""
    from marquee.merch.checkout.info import fetch_checkout_info
    from marquee.merch.checkout.validators import COMPLETE, line_errors

    licensed = register.approve(shop.product("Licensed Tee", stock=0))
    unlicensed = shop.product("Unlicensed Tee", stock=0)
    checkout = shop.checkout(
        [(licensed.variants.first(), 1), (unlicensed.variants.first(), 1)], ship=False
    )
    info = fetch_checkout_info(checkout, requester=register.staff)
    codes = {e.extra["variants"][0]: e.code for e in line_errors(info, info.lines, COMPLETE)}
    assert codes == {
        licensed.variants.first().pk: "INSUFFICIENT_STOCK",
        unlicensed.variants.first().pk: "LICENCE_NOT_VALID",
    }
