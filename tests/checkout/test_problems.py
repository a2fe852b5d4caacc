"""`checkout_problems`: the completion validators' verdict per line, without the API."""

import pytest

from marquee.core.exceptions import ErrorDetail
from marquee.merch import models as m
from marquee.merch.checkout import validators
from marquee.merch.checkout.info import fetch_checkout_info
from marquee.merch.checkout.problems import checkout_problems

pytestmark = pytest.mark.django_db


def checkout_of(shop, *items):
    checkout = m.Checkout.objects.create(channel=shop.china, currency="CNY")
    for product, quantity in items:
        variant = product.variants.order_by("sort_order").first()
        m.CheckoutLine.objects.create(checkout=checkout, variant=variant, quantity=quantity)
    return checkout


def verdict(checkout):
    return [
        (p.line.product.name, p.code, p.quantity_available)
        for p in checkout_problems(fetch_checkout_info(checkout))
    ]


def test_a_sellable_checkout_has_no_problems(shop):
    assert verdict(checkout_of(shop, (shop.tee, 1), (shop.poster, 2))) == []


def test_each_refused_line_gives_its_first_reason(shop):
    checkout = checkout_of(
        shop, (shop.tee, 1), (shop.hidden, 1), (shop.intl_only, 1), (shop.poster, 11)
    )
    assert verdict(checkout) == [
        ("Secret Cap", "PRODUCT_NOT_PUBLISHED", None),
        ("Export Mug", "UNAVAILABLE_VARIANT_IN_CHANNEL", None),
        ("Wolf Poster", "INSUFFICIENT_STOCK", 10),
    ]


def test_a_registered_rule_is_a_problem_without_other_edits(shop):
    def no_posters(check):
        if check.product.name == "Wolf Poster":
            yield ErrorDetail("LICENCE_NOT_VALID", "Posters are not licensed.", "lines")

    validators.register_line_validator(
        no_posters, order=validators.RIGHTS, codes=["LICENCE_NOT_VALID"]
    )
    try:
        problems = verdict(checkout_of(shop, (shop.tee, 1), (shop.poster, 11)))
    finally:
        validators.unregister_line_validator(no_posters)
    # Rights (300) speak before stock (500): the sold-out poster hears about its licence.
    assert problems == [("Wolf Poster", "LICENCE_NOT_VALID", None)]


def test_stock_is_read_once_for_all_lines(shop, django_assert_num_queries):
    info = fetch_checkout_info(checkout_of(shop, (shop.tee, 1), (shop.poster, 1)))
    # stock, and the member-only variants among the lines (members.visibility)
    with django_assert_num_queries(2):
        checkout_problems(info)
