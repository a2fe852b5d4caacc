"""The validator registry, and the completion checks the orders code builds on."""

import pytest

from marquee.core.exceptions import DomainError, ErrorDetail
from marquee.merch.checkout import validators
from marquee.merch.models import Checkout, Stock, Voucher

from .conftest import CN_ADDRESS
from .operations import ADD_PROMO, DELIVERY_UPDATE, LINES_ADD, SHIPPING_ADDRESS_UPDATE

pytestmark = pytest.mark.django_db


def test_a_registered_line_validator_refuses_lines(shop, api):
    def no_posters(check):
        if check.product.name == "Wolf Poster":
            yield ErrorDetail(
                "LICENCE_NOT_VALID",
                "Posters are not licensed for sale.",
                "lines",
                {"variants": [check.variant.pk]},
            )

    checkout = api.create(lines=[])
    tee = shop.variant_id(shop.tee)
    variant = shop.variant_id(shop.poster)
    validators.register_line_validator(
        no_posters, order=validators.RIGHTS + 50, codes=["LICENCE_NOT_VALID"]
    )
    try:
        payload = api.run(
            LINES_ADD,
            {"id": checkout["id"], "lines": [{"variantId": variant, "quantity": 1}]},
            ok=False,
        )
        assert [(e["code"], e["variants"]) for e in payload["errors"]] == [
            ("LICENCE_NOT_VALID", [variant])
        ]
        # Other lines pass.
        api.run(
            LINES_ADD,
            {
                "id": checkout["id"],
                "lines": [{"variantId": tee, "quantity": 1}],
            },
        )
    finally:
        validators.unregister_line_validator(no_posters)
    api.run(
        LINES_ADD,
        {
            "id": checkout["id"],
            "lines": [{"variantId": shop.variant_id(shop.poster), "quantity": 1}],
        },
    )


def completion_codes(checkout_id):
    with pytest.raises(DomainError) as raised:
        validators.validate_checkout_for_completion(Checkout.objects.get(token=checkout_id))
    return sorted(d.code for d in raised.value.details)


def test_completion_lists_what_is_missing(shop, api):
    checkout = api.create(lines=[])
    assert completion_codes(checkout["token"]) == [
        "BILLING_ADDRESS_NOT_SET",
        "EMAIL_NOT_SET",
        "NO_LINES",
    ]
    checkout = api.create(lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 2}])
    assert completion_codes(checkout["token"]) == [
        "BILLING_ADDRESS_NOT_SET",
        "EMAIL_NOT_SET",
        "SHIPPING_ADDRESS_NOT_SET",
    ]


def test_completion_of_a_ready_checkout_and_later_changes(shop, api):
    checkout = api.create(
        lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 2}],
        email="fan@example.com",
        billingAddress=CN_ADDRESS,
    )
    api.run(SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": CN_ADDRESS})
    assert completion_codes(checkout["token"]) == ["SHIPPING_METHOD_NOT_SET"]
    api.run(DELIVERY_UPDATE, {"id": checkout["id"], "method": shop.method_id(shop.sf)})
    api.run(ADD_PROMO, {"id": checkout["id"], "code": "FIVEOFF"})

    totals = validators.validate_checkout_for_completion(
        Checkout.objects.get(token=checkout["token"])
    )
    assert str(totals.total.gross.amount) == "183.00"  # 198.00 - 35.00 + 20.00

    # Stock is checked again (not reserved), and the voucher too.
    Stock.objects.update(quantity=1)
    Voucher.objects.filter(code="FIVEOFF").update(usage_limit=1, used=1)
    assert completion_codes(checkout["token"]) == ["INSUFFICIENT_STOCK", "VOUCHER_NOT_APPLICABLE"]


def test_completion_refuses_a_product_unpublished_since(shop, api):
    checkout = api.create(lines=[{"variantId": shop.variant_id(shop.tee), "quantity": 1}])
    shop.tee.channel_listings.update(is_published=False)
    assert "PRODUCT_NOT_PUBLISHED" in completion_codes(checkout["token"])
