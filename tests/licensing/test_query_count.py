"""The licence check adds a constant number of SQL statements to checkoutComplete.

All declarations of all products of the checkout are loaded in one
statement (cached on the CheckoutInfo), so 1 line and 6 lines of 6
different products cost the same: GATE_STATEMENTS more than with the gate off.
The royalty snapshot adds SNAPSHOT_STATEMENTS: one SELECT of the licences
with their terms in force (shared by its completion validator and its
placement hook) and one bulk INSERT of every line's snapshots.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.orders.conftest import COMPLETE, checkout_id

from .conftest import RoleClient

pytestmark = pytest.mark.django_db

GATE_STATEMENTS = 1
SNAPSHOT_STATEMENTS = 2


def _complete(register, shop, lines, settings, gate_on):
    settings.LICENCE_GATE_ENABLED = gate_on
    products = [
        register.approve(shop.product(f"Tee {gate_on} {lines} {i}", variants=1))
        for i in range(lines)
    ]
    checkout = shop.checkout([(p.variants.first(), 1) for p in products])
    shop.pay(checkout)
    with CaptureQueriesContext(connection) as queries:
        body = RoleClient().run(COMPLETE, {"id": checkout_id(checkout)})
    assert body["data"]["checkoutComplete"]["errors"] == [], body
    return len(queries)


def test_gate_adds_constant_statements_on_complete(register, shop, settings):
    on_one = _complete(register, shop, 1, settings, True)
    on_six = _complete(register, shop, 6, settings, True)
    off_one = _complete(register, shop, 1, settings, False)
    off_six = _complete(register, shop, 6, settings, False)
    added = GATE_STATEMENTS + SNAPSHOT_STATEMENTS
    assert on_one - off_one == added, (on_one, off_one)
    assert on_six - off_six == added, (on_six, off_six)


def test_refused_complete_names_the_line(register, shop):
    tee = shop.product("Unlicensed Tee", variants=1)
    checkout = shop.checkout([(tee.variants.first(), 1)])
    body = RoleClient().run(COMPLETE, {"id": checkout_id(checkout)})
    errors = body["data"]["checkoutComplete"]["errors"]
    assert [e["code"] for e in errors] == ["LICENCE_NOT_VALID"]
    assert "Unlicensed Tee" in errors[0]["message"]
