"""Exact totals, to the cent, following the rounding points in calculations.py."""

from decimal import Decimal

import pytest
from prices import Money

from marquee.merch.checkout.calculations import checkout_totals, spread_discount
from marquee.merch.models import Checkout, TaxRate

from .conftest import CN_ADDRESS, US_ADDRESS
from .operations import ADD_PROMO, DELIVERY_UPDATE

pytestmark = pytest.mark.django_db


def amounts(taxed):
    return (str(taxed.net.amount), str(taxed.gross.amount))


def build(api, shop, channel, address, lines, code, method):
    checkout = api.create(channel=channel, lines=lines, shippingAddress=address)
    api.run(ADD_PROMO, {"id": checkout["id"], "code": code})
    return api.run(DELIVERY_UPDATE, {"id": checkout["id"], "method": shop.method_id(method)})[
        "checkout"
    ]


def test_gross_channel_with_percentage_voucher(shop, api):
    """China enters gross prices; CN VAT 13 % is inside them."""
    lines = [
        {"variantId": shop.variant_id(shop.tee, 0), "quantity": 3},  # 99.00 -> 297.00
        {"variantId": shop.variant_id(shop.tee, 1), "quantity": 1},  # 100.00
        {"variantId": shop.variant_id(shop.poster), "quantity": 2},  # 45.50 -> 91.00
    ]
    result = build(api, shop, "china", CN_ADDRESS, lines, "WELCOME10", shop.sf)
    totals = checkout_totals(Checkout.objects.get(token=result["token"]))

    # Step 2: net = round(gross / 1.13) per line: 262.83, 88.50, 80.53.
    assert [amounts(lt.undiscounted_total_price) for lt in totals.lines] == [
        ("262.83", "297.00"),
        ("88.50", "100.00"),
        ("80.53", "91.00"),
    ]
    assert amounts(totals.subtotal) == ("431.86", "488.00")
    # Step 3: 10 % of 488.00; step 4: shares 29.70, 10.00, 9.10.
    assert str(totals.discount.amount) == "48.80"
    assert [str(lt.discount.amount) for lt in totals.lines] == ["29.70", "10.00", "9.10"]
    assert [amounts(lt.total_price) for lt in totals.lines] == [
        ("236.55", "267.30"),
        ("79.65", "90.00"),
        ("72.48", "81.90"),
    ]
    # Step 5: unit prices for display.
    assert amounts(totals.lines[0].unit_price) == ("78.85", "89.10")
    # Step 6: shipping 20.00 gross, net round(20 / 1.13) = 17.70.
    assert amounts(totals.shipping_price) == ("17.70", "20.00")
    # Step 7: 488.00 - 48.80 + 20.00.
    assert amounts(totals.total) == ("406.38", "459.20")

    # The API shows the same numbers.
    assert result["totalPrice"]["gross"]["amount"] == 459.20
    assert result["totalPrice"]["net"]["amount"] == 406.38
    assert result["totalPrice"]["tax"]["amount"] == 52.82
    assert result["subtotalPrice"]["gross"]["amount"] == 488.00
    assert result["discount"] == {"amount": 48.80, "currency": "CNY"}
    assert result["discountName"] == "Welcome10"
    assert result["lines"][0]["unitPrice"]["gross"]["amount"] == 89.10
    assert result["lines"][0]["undiscountedUnitPrice"]["amount"] == 99.00
    assert result["lines"][0]["undiscountedTotalPrice"]["amount"] == 297.00


def test_net_channel_with_fixed_voucher(shop, api):
    """International enters net prices; tax (8.875 % here) is added on top."""
    TaxRate.objects.filter(country="US").update(rate=Decimal("8.875"))
    lines = [
        {"variantId": shop.variant_id(shop.tee, 0), "quantity": 3},  # 14.99 -> 44.97 net
        {"variantId": shop.variant_id(shop.poster), "quantity": 1},  # 15.99 net
    ]
    result = build(api, shop, "international", US_ADDRESS, lines, "FIVEOFF", shop.ups)
    totals = checkout_totals(Checkout.objects.get(token=result["token"]))

    # Step 2: gross = round(net * 1.08875): 48.96, 17.41.
    assert amounts(totals.subtotal) == ("60.96", "66.37")
    # Steps 3-4: 5.00 spread as 3.69 and 1.31.
    assert str(totals.discount.amount) == "5.00"
    assert [str(lt.discount.amount) for lt in totals.lines] == ["3.69", "1.31"]
    # Discounted gross 45.27 and 16.10; net round(gross / 1.08875).
    assert [amounts(lt.total_price) for lt in totals.lines] == [
        ("41.58", "45.27"),
        ("14.79", "16.10"),
    ]
    # Step 6: 9.99 net -> 10.88 gross.
    assert amounts(totals.shipping_price) == ("9.99", "10.88")
    assert amounts(totals.total) == ("66.36", "72.25")
    assert result["totalPrice"]["gross"]["amount"] == 72.25


def test_rounding_remainder_goes_to_the_largest_line():
    grosses = [Money(Decimal(v), "CNY") for v in ("10.00", "10.00", "10.00")]
    shares = spread_discount(Money(Decimal("10.00"), "CNY"), grosses)
    assert [str(s.amount) for s in shares] == ["3.34", "3.33", "3.33"]
    grosses = [Money(Decimal(v), "CNY") for v in ("1.00", "2.00", "0.01")]
    shares = spread_discount(Money(Decimal("3.01"), "CNY"), grosses)
    assert sum(s.amount for s in shares) == Decimal("3.01")


def test_fixed_voucher_is_capped_at_the_subtotal(shop, api):
    shop.fiveoff.channel_listings.filter(channel=shop.china).update(
        discount_value=Decimal("1000"), min_spent_amount=None
    )
    checkout = api.create(lines=[{"variantId": shop.variant_id(shop.poster), "quantity": 1}])
    result = api.run(ADD_PROMO, {"id": checkout["id"], "code": "fiveoff"})["checkout"]
    assert result["discount"]["amount"] == 45.50
    assert result["totalPrice"]["gross"]["amount"] == 0
    assert result["voucherCode"] == "FIVEOFF"


def test_price_rule_is_step_one_and_the_voucher_applies_after_it(shop, api):
    """A registered rule lowers the unit price before taxes and before the voucher."""
    from marquee.merch.pricing.rules import Adjustment, register_price_rule, unregister_price_rule

    def poster_deal(candidate, _state):
        if candidate.product_id == shop.poster.pk:
            return Adjustment.fixed("1.99", "Poster deal")
        return None

    register_price_rule(poster_deal, order=100, key="poster-deal", name="Poster deal")
    try:
        TaxRate.objects.filter(country="US").update(rate=Decimal("8.875"))
        lines = [
            {"variantId": shop.variant_id(shop.tee, 0), "quantity": 3},  # 14.99 -> 44.97 net
            {"variantId": shop.variant_id(shop.poster), "quantity": 1},  # 15.99 - 1.99 = 14.00
        ]
        result = build(api, shop, "international", US_ADDRESS, lines, "FIVEOFF", shop.ups)
        totals = checkout_totals(Checkout.objects.get(token=result["token"]))
    finally:
        unregister_price_rule("poster-deal")

    tee, poster = totals.lines
    # Step 1: L = 15.99, U = 14.00 for the poster; the tee has no rule.
    assert str(poster.undiscounted_unit_price.amount) == "15.99"
    assert str(poster.price.unit.amount) == "14.00"
    assert [a.reason for a in poster.rule_applications] == ["Poster deal"]
    assert tee.rule_applications == ()
    # Step 2: undiscounted 15.99 -> 17.41 gross; after rules 14.00 -> 15.24.
    assert amounts(poster.undiscounted_total_price) == ("15.99", "17.41")
    assert amounts(poster.rules_total_price) == ("14.00", "15.24")
    assert str(poster.rule_discount.amount) == "2.17"
    assert amounts(totals.subtotal) == ("58.97", "64.20")
    assert amounts(totals.undiscounted_subtotal) == ("60.96", "66.37")
    # Steps 3-4: 5.00 spread over the after-rules grosses 48.96 and 15.24.
    assert [str(lt.discount.amount) for lt in totals.lines] == ["3.81", "1.19"]
    assert [amounts(lt.total_price) for lt in totals.lines] == [
        ("41.47", "45.15"),
        ("12.90", "14.05"),
    ]
    # Step 7: lines + shipping 9.99 / 10.88.
    assert amounts(totals.total) == ("64.36", "70.08")
    assert result["totalPrice"]["gross"]["amount"] == 70.08
    assert result["lines"][1]["undiscountedUnitPrice"]["amount"] == 15.99
