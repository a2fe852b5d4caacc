"""An unlicensed line is a checkout problem, as it is a refusal on checkoutComplete."""

import pytest

from marquee.merch.checkout.info import fetch_checkout_info
from marquee.merch.checkout.problems import checkout_problems
from tests.orders.conftest import COMPLETE, checkout_id

from .conftest import RoleClient

pytestmark = pytest.mark.django_db

PROBLEMS = """query ($id: ID!) {
  checkout(id: $id) {
    problems {
      __typename
      ... on CheckoutLineProblemVariantNotAvailable { line { id variant { name } } }
      ... on CheckoutLineProblemInsufficientStock { availableQuantity line { id } }
    }
    lines { id problems { __typename } }
  }
}"""


def test_domain_selector_reports_the_licence_gate(register, shop):
    licensed = register.approve(shop.product("Licensed Tee", variants=1))
    unlicensed = shop.product("Unlicensed Tee", variants=1)
    checkout = shop.checkout([(licensed.variants.first(), 1), (unlicensed.variants.first(), 1)])

    problems = checkout_problems(fetch_checkout_info(checkout))

    assert [(p.line.product.name, p.code) for p in problems] == [
        ("Unlicensed Tee", "LICENCE_NOT_VALID")
    ]
    assert problems[0].quantity_available is None


def test_licence_outranks_stock(register, shop):
    """Sold out and unlicensed: the buyer hears about the licence, as on completion."""
    unlicensed = shop.product("Unlicensed Tee", variants=1, stock=1)
    checkout = shop.checkout([(unlicensed.variants.first(), 5)])
    assert [p.code for p in checkout_problems(fetch_checkout_info(checkout))] == [
        "LICENCE_NOT_VALID"
    ]


def test_unlicensed_line_appears_in_problems(register, shop):
    licensed = register.approve(shop.product("Licensed Tee", variants=1))
    unlicensed = shop.product("Unlicensed Tee", variants=1)
    checkout = shop.checkout([(licensed.variants.first(), 1), (unlicensed.variants.first(), 1)])
    client = RoleClient()

    body = client.run(PROBLEMS, {"id": checkout_id(checkout)})

    data = body["data"]["checkout"]
    assert [p["__typename"] for p in data["problems"]] == ["CheckoutLineProblemVariantNotAvailable"]
    refused_line = data["problems"][0]["line"]["id"]
    per_line = {line["id"]: [p["__typename"] for p in line["problems"]] for line in data["lines"]}
    assert per_line[refused_line] == ["CheckoutLineProblemVariantNotAvailable"]
    assert sorted(per_line.values()) == [[], ["CheckoutLineProblemVariantNotAvailable"]]
    # ...and checkoutComplete refuses the same line for the same reason.
    shop.pay(checkout)
    errors = client.run(COMPLETE, {"id": checkout_id(checkout)})["data"]["checkoutComplete"]
    assert [e["code"] for e in errors["errors"]] == ["LICENCE_NOT_VALID"]


def test_licensed_checkout_has_no_problems(register, shop):
    licensed = register.approve(shop.product("Licensed Tee", variants=1))
    checkout = shop.checkout([(licensed.variants.first(), 1)])
    body = RoleClient().run(PROBLEMS, {"id": checkout_id(checkout)})
    assert body["data"]["checkout"]["problems"] == []


def test_problems_cost_the_same_for_one_line_or_five(register, shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(lines):
        products = [shop.product(f"Tee {lines} {i}", variants=1) for i in range(lines)]
        checkout = shop.checkout([(p.variants.first(), 1) for p in products])
        with CaptureQueriesContext(connection) as queries:
            body = RoleClient().run(PROBLEMS, {"id": checkout_id(checkout)})
        assert len(body["data"]["checkout"]["problems"]) == lines  # none is licensed
        return len(queries)

    assert statements(1) == statements(5)
