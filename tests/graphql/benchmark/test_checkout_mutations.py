"""SQL statements of the checkout mutations a storefront sends, for 1 line and for 10.

Each pin sends the storefront's document (the whole checkout comes back
after every step) through /graphql/ for a checkout of 1 line and one of 10
lines, and asserts both counts equal one constant. The counts include the
SAVEPOINT / RELEASE pairs of the transactions (the test runs inside one).

Reading the checkout back costs the same in every payload: lines with
variants, products and types; variant listings; product listings; tax rate;
payments (charge status); stock; product-type attributes; variant attribute
values; product media; variant media.

Writing lines costs one INSERT per added line and one UPDATE per changed
line (`_write_quantities` in marquee/merch/checkout/services.py), so
checkoutLinesAdd and checkoutLinesUpdate grow with the lines they are sent:
the 10-line cases are pinned as expected failures until those writes are
made in bulk.
"""

from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from tests.checkout.conftest import CN_ADDRESS, Shop
from tests.graphql.conftest import CatalogueBuilder
from tests.orders.conftest import OFFLINE

from .counting import measure, mutation_payload, pin
from .storefront import (
    CHECKOUT_CREATE,
    CHECKOUT_DELIVERY_METHOD_UPDATE,
    CHECKOUT_LINES_ADD,
    CHECKOUT_LINES_UPDATE,
    CHECKOUT_SHIPPING_ADDRESS_UPDATE,
    TRANSACTION_INITIALIZE,
)

pytestmark = pytest.mark.django_db

LANGUAGE = {"languageCode": "EN"}


@pytest.fixture
def shop(db):
    return Shop(CatalogueBuilder())


def variant_ids(shop, lines):
    product = shop.catalogue.product(f"Bulk {lines}", variants=lines, cny=Decimal("10"))
    return [to_global_id("ProductVariant", v.pk) for v in product.variants.order_by("sort_order")]


def run(gql, document, variables):
    return mutation_payload(measure(gql, document, {**LANGUAGE, **variables}))


def new_checkout(gql, shop, lines, *, address=False, delivery=False):
    """A China checkout holding one unit of `lines` variants, set up through the API."""
    checkout = run(gql, CHECKOUT_CREATE, {"channel": "china"})["checkout"]
    lines_input = [{"variantId": v, "quantity": 1} for v in variant_ids(shop, lines)]
    run(gql, CHECKOUT_LINES_ADD, {"id": checkout["id"], "lines": lines_input})
    if address:
        run(gql, CHECKOUT_SHIPPING_ADDRESS_UPDATE, {"id": checkout["id"], "address": CN_ADDRESS})
    if delivery:
        method = to_global_id("ShippingMethod", shop.sf.pk)
        run(
            gql, CHECKOUT_DELIVERY_METHOD_UPDATE, {"id": checkout["id"], "deliveryMethodId": method}
        )
    return checkout["id"]


def lines_add(gql, shop, lines):
    checkout = run(gql, CHECKOUT_CREATE, {"channel": "china"})["checkout"]
    lines_input = [{"variantId": v, "quantity": 1} for v in variant_ids(shop, lines)]
    measured = measure(
        gql, CHECKOUT_LINES_ADD, {**LANGUAGE, "id": checkout["id"], "lines": lines_input}
    )
    assert len(mutation_payload(measured)["checkout"]["lines"]) == lines
    return measured


def lines_update(gql, shop, lines):
    checkout_id = new_checkout(gql, shop, lines)
    current = run(gql, CHECKOUT_LINES_UPDATE, {"id": checkout_id, "lines": []})["checkout"]
    update = [{"lineId": line["id"], "quantity": 2} for line in current["lines"]]
    measured = measure(gql, CHECKOUT_LINES_UPDATE, {**LANGUAGE, "id": checkout_id, "lines": update})
    checkout = mutation_payload(measured)["checkout"]
    assert [line["quantity"] for line in checkout["lines"]] == [2] * lines
    return measured


# channel; INSERT checkout; then the (empty) lines twice: once inside the
# mutation, once for the payload; the tax rate once (the pricing pipeline
# remembers it on the channel for the request); payments for the charge status.
CREATE_QUERIES = 13

# lookup; lock the checkout; variants asked for; quantities already in the
# checkout; its lines; one INSERT for the new lines; lines with variants, listings,
# tax rate (once per request) and stock to validate them; the member-only
# variants among the lines (members.visibility: the mutation's check, the
# payload's problems); UPDATE last_change; then the payload.
LINES_ADD_QUERIES = 29

# lookup; lock the checkout; the lines named; the checkout's lines; one
# UPDATE for the changed lines; lines with listings, tax rate (once per
# request) and stock to validate them; the member-only variants among the
# lines (the mutation's check, the payload's problems); UPDATE last_change;
# then the payload.
LINES_UPDATE_QUERIES = 28

# lookup; lock the checkout; INSERT the address; UPDATE the checkout; then
# the payload (its problems read the member-only variants among the lines).
SHIPPING_ADDRESS_QUERIES = 21

# lookup; lock the checkout; the shipping method; the shipping address;
# lines with listings and tax rate (once per request) to price the checkout;
# the methods the zone offers; UPDATE the checkout; then the payload, with
# the chosen method's listing and the methods offered (its problems read the
# member-only variants among the lines).
DELIVERY_METHOD_QUERIES = 28

# Outside any request transaction (the provider is called between the steps):
# read the checkout and what its transactions cover; lines with listings, tax
# rate and the shipping listing to price it; then one short transaction (a
# savepoint here): lock the checkout, what is covered now (and whether this
# attempt was recorded), INSERT the transaction with its amounts, INSERT its
# event. The payload holds no checkout. (Was 16 with the request transaction
# and the lock held throughout.)
TRANSACTION_INITIALIZE_QUERIES = 14


def test_checkout_create(gql, shop):
    """The storefront creates its checkout empty: the first and the tenth cost the same."""
    first = measure(gql, CHECKOUT_CREATE, {**LANGUAGE, "channel": "china"})
    for _ in range(8):
        measure(gql, CHECKOUT_CREATE, {**LANGUAGE, "channel": "china"})
    tenth = measure(gql, CHECKOUT_CREATE, {**LANGUAGE, "channel": "china"})
    assert mutation_payload(tenth)["checkout"]["lines"] == []
    pin(first, CREATE_QUERIES)
    pin(tenth, CREATE_QUERIES)


@pytest.mark.parametrize("lines", [1, 10])
def test_checkout_lines_add(gql, shop, lines):
    pin(lines_add(gql, shop, lines), LINES_ADD_QUERIES)


@pytest.mark.parametrize("lines", [1, 10])
def test_checkout_lines_update(gql, shop, lines):
    pin(lines_update(gql, shop, lines), LINES_UPDATE_QUERIES)


@pytest.mark.parametrize("lines", [1, 10])
def test_checkout_shipping_address_update(gql, shop, lines):
    checkout_id = new_checkout(gql, shop, lines)
    measured = measure(
        gql,
        CHECKOUT_SHIPPING_ADDRESS_UPDATE,
        {**LANGUAGE, "id": checkout_id, "address": CN_ADDRESS},
    )
    checkout = mutation_payload(measured)["checkout"]
    assert checkout["shippingAddress"]["postalCode"] == CN_ADDRESS["postalCode"]
    assert len(checkout["lines"]) == lines
    pin(measured, SHIPPING_ADDRESS_QUERIES)


@pytest.mark.parametrize("lines", [1, 10])
def test_checkout_delivery_method_update(gql, shop, lines):
    checkout_id = new_checkout(gql, shop, lines, address=True)
    method = to_global_id("ShippingMethod", shop.sf.pk)
    measured = measure(
        gql,
        CHECKOUT_DELIVERY_METHOD_UPDATE,
        {**LANGUAGE, "id": checkout_id, "deliveryMethodId": method},
    )
    checkout = mutation_payload(measured)["checkout"]
    assert checkout["delivery"]["shippingMethod"]["name"] == "SF Express"
    assert len(checkout["lines"]) == lines
    pin(measured, DELIVERY_METHOD_QUERIES)


@pytest.mark.parametrize("lines", [1, 10])
def test_transaction_initialize_with_the_offline_gateway(gql, shop, lines):
    checkout_id = new_checkout(gql, shop, lines, address=True, delivery=True)
    measured = measure(
        gql, TRANSACTION_INITIALIZE, {"id": checkout_id, "paymentGateway": {"id": OFFLINE}}
    )
    assert mutation_payload(measured)["transaction"]["id"]
    pin(measured, TRANSACTION_INITIALIZE_QUERIES)
