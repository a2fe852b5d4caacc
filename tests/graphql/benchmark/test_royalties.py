"""SQL statements of the licensor portal's royalty reads, as a signed-in licensor, a few
rows against 10: the statements list, one statement's lines, and a line's drill-down.

The statements list starts at 2 rows (a statement and its correction), so the
superseded statement's loader runs in both cases."""

from datetime import date
from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from tests.licensing.conftest import FAST_HASHERS, Register
from tests.licensing.portal.factories import Royalties
from tests.orders.conftest import ShopBuilder

from .counting import measure, pin
from .test_licensor_lists import licensor_a

pytestmark = pytest.mark.django_db

STATEMENTS = """
query {
  royaltyStatements(first: 20) {
    totalCount
    edges { node {
      id periodStart periodEnd version reason currency issuedAt dueDate units gross royalty
      withholding amountPayable
      licensor { id name }
      supersedes { id version }
      downloads { csv xlsx pdf expiresIn }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""

STATEMENT_LINES = """
query($id: ID!) {
  royaltyStatement(id: $id) {
    id amountPayable
    lines(first: 20) { totalCount edges { node {
      id licence { reference } productName sku country channel units gross royaltyBase
      ratePercent royalty orderLinesCsvUrl
    } } }
  }
}"""

DRILLDOWN = """
query($id: ID!) {
  royaltyStatementLine(id: $id) {
    id sku units
    orderLines(first: 20) { totalCount edges { node {
      orderNumber soldAt country channel sku productName quantity periodUnits currency
      listUnitPrice unitPrice unitDiscount sharePercent periodRoyalty
      discounts { type name voucherCode rule amount currency }
    } } }
  }
}"""

# the signed-in user; their licensor membership; the page of statements;
# totalCount; licensors; superseded statements.
STATEMENTS_QUERIES = 6

# the signed-in user; their membership; the statement; the page of lines;
# totalCount; licences.
STATEMENT_LINES_QUERIES = 6

# the signed-in user; their membership; the line (with its statement); the
# page of sale snapshots with order lines, orders and channels; their
# discounts; totalCount.
DRILLDOWN_QUERIES = 6


@pytest.fixture
def royalties(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.LICENCE_GATE_ENABLED = True
    settings.MEDIA_ROOT = tmp_path / "media"
    return Royalties(Register(ShopBuilder()))


@pytest.mark.parametrize("rows", [2, 10])
def test_statements_list(royalties, rows):
    licensor = royalties.register.licensor_a
    previous = None
    for version in range(1, rows + 1):
        statement = royalties.statement(licensor, version=version, supersedes=previous)
        previous = statement
    measured = measure(licensor_a(royalties.register), STATEMENTS)
    assert measured.data["royaltyStatements"]["totalCount"] == rows
    pin(measured, STATEMENTS_QUERIES)


@pytest.mark.parametrize("rows", [1, 10])
def test_statement_lines(royalties, rows):
    shop = royalties.shop
    sales = [
        royalties.sell(shop.variants(f"Wolf Tee {i}")[0], 1, sold=date(2026, 8, 1))
        for i in range(rows)
    ]
    statement = royalties.statement(royalties.register.licensor_a, sales)
    variables = {"id": to_global_id("RoyaltyStatement", statement.pk)}
    measured = measure(licensor_a(royalties.register), STATEMENT_LINES, variables)
    assert measured.data["royaltyStatement"]["lines"]["totalCount"] == rows
    pin(measured, STATEMENT_LINES_QUERIES)


@pytest.mark.parametrize("rows", [1, 10])
def test_drilldown(royalties, rows):
    tee = royalties.shop.variants("Wolf Tee", stock=rows)[0]
    sales = []
    for day in range(1, rows + 1):
        sale = royalties.sell(tee, 1, sold=date(2026, 8, day))
        royalties.discount(sale, voucher="FANS10", amount=Decimal("1.00"))
        royalties.post(sale, Decimal("9.90"))
        sales.append(sale)
    statement = royalties.statement(royalties.register.licensor_a, sales)
    variables = {"id": to_global_id("RoyaltyStatementLine", statement.lines.get().pk)}
    measured = measure(licensor_a(royalties.register), DRILLDOWN, variables)
    assert measured.data["royaltyStatementLine"]["orderLines"]["totalCount"] == rows
    pin(measured, DRILLDOWN_QUERIES)
