"""The royalties API, for every role: staff, the owning licensor, another licensor, a
customer and an anonymous visitor. Other licensors' objects look exactly like missing ones."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from marquee.licensing.statements.files import render_statement_files

pytestmark = pytest.mark.django_db

ROLES = ["staff", "licensor_a", "licensor_b", "customer", "anonymous"]

STATEMENT_FIELDS = """
  id licensor { id name } periodStart periodEnd version reason currency issuedAt dueDate
  units gross discounts returns royaltyBase royalty openingBalance advancesRecouped
  guaranteeTrueUp withholding fxAdjustment amountPayable
  supersedes { id version }
  downloads { csv xlsx pdf expiresIn }
  lines(first: 10) { totalCount edges { node {
    id licence { reference } productName sku country channel currency units gross discounts
    returns royaltyBase ratePercent royalty royaltyInStatementCurrency orderLinesCsvUrl
    orderLines(first: 10) { totalCount edges { node {
      orderNumber soldAt country channel sku productName quantity periodUnits currency
      listUnitPrice unitPrice unitDiscount sharePercent periodRoyalty
      discounts { type name voucherCode rule amount currency }
    } } }
  } } }
"""

STATEMENT = "query($id: ID!) { royaltyStatement(id: $id) { " + STATEMENT_FIELDS + " } }"
STATEMENTS = (
    "query($licensor: ID) { royaltyStatements(first: 10, licensor: $licensor) {"
    " totalCount edges { node { id licensor { slug } amountPayable } } } }"
)
LINE = """query($id: ID!) { royaltyStatementLine(id: $id) {
  id sku orderLines(first: 5) { totalCount edges { node { orderNumber periodRoyalty } } } } }"""
BALANCES = """query($licensor: ID, $licence: ID) {
  royaltyBalances(licensor: $licensor, licence: $licence) {
    licensor { slug } licence { reference } kind currency amount } }"""
ACCRUED = """query($licensor: ID) { royaltyAccruedThisPeriod(licensor: $licensor) {
  licensor { slug } licence { reference } currency amount periodStart periodEnd } }"""
CLOSE_QUERY = """query($id: ID!) { royaltyPeriodClose(id: $id) {
  id periodStart periodEnd status licensorsTotal licensorsDone progress createdAt finishedAt
  error } }"""
CLOSES = "{ royaltyPeriodCloses(first: 5) { totalCount edges { node { id status } } } }"
CLOSE = """mutation($start: Date!, $end: Date!) {
  royaltyPeriodClose(periodStart: $start, periodEnd: $end) {
    alreadyClosed periodClose { id status progress licensorsTotal licensorsDone }
    errors { field code message } } }"""


@pytest.fixture
def data(royalties, register):
    shop = royalties.shop
    tee = shop.variants("Wolf Tee")[0]
    sale = royalties.sell(tee, 2, sold=date(2026, 8, 1))
    royalties.discount(sale, voucher="FANS10", amount=Decimal("9.90"))
    royalties.post(sale, Decimal("18.00"))
    now = royalties.sell(tee, 1, sold=timezone.localdate())
    royalties.post(now, Decimal("9.00"))
    other = royalties.sell(
        shop.variants("Film B Poster")[0], 1, licence=register.licence_b, sold=date(2026, 8, 2)
    )
    royalties.post(other, Decimal("3.00"))
    statement = royalties.statement(
        register.licensor_a,
        [sale],
        units=2,
        royalty=Decimal("18.00"),
        amount_payable=Decimal("18.00"),
    )
    render_statement_files(statement)
    statement_b = royalties.statement(register.licensor_b, [other], royalty=Decimal("3.00"))
    return {
        "statement": to_global_id("RoyaltyStatement", statement.pk),
        "line": to_global_id("RoyaltyStatementLine", statement.lines.get().pk),
        "statement_b": to_global_id("RoyaltyStatement", statement_b.pk),
        "close": to_global_id("RoyaltyPeriodClose", statement.period_close_id),
        "order_number": str(sale.order_line.order.number),
    }


def codes(result):
    return [e["extensions"]["exception"]["code"] for e in result.get("errors", [])]


@pytest.mark.parametrize("role", ROLES)
def test_statement_with_lines_drilldown_and_downloads(data, register, role):
    result = register.client(role).run(STATEMENT, {"id": data["statement"]})
    if role in ("customer", "anonymous"):
        assert codes(result) == ["PERMISSION_DENIED"] and result["data"]["royaltyStatement"] is None
        return
    if role == "licensor_b":
        assert codes(result) == ["NOT_FOUND"]
        missing = register.client(role).run(
            STATEMENT, {"id": to_global_id("RoyaltyStatement", 999999)}
        )
        assert codes(missing) == ["NOT_FOUND"]
        assert result["errors"][0]["message"].replace(data["statement"], "X") == missing["errors"][
            0
        ]["message"].replace(to_global_id("RoyaltyStatement", 999999), "X")
        return
    assert "errors" not in result, result
    statement = result["data"]["royaltyStatement"]
    assert statement["licensor"]["name"] == "Studio A"
    assert statement["amountPayable"] == "18.0000" or Decimal(statement["amountPayable"]) == 18
    assert statement["downloads"]["expiresIn"] > 0
    for kind in ("csv", "xlsx", "pdf"):
        assert "/royalties/download/" in statement["downloads"][kind]
    (line,) = [edge["node"] for edge in statement["lines"]["edges"]]
    assert line["licence"]["reference"] == "A-1" and line["units"] == 2
    assert "/royalties/download/" in line["orderLinesCsvUrl"]
    (audit_line,) = [edge["node"] for edge in line["orderLines"]["edges"]]
    assert audit_line["orderNumber"] == data["order_number"]
    assert audit_line["channel"] == "china" and audit_line["country"] == "CN"
    assert audit_line["quantity"] == 2 and audit_line["periodUnits"] == 2
    assert Decimal(audit_line["periodRoyalty"]) == Decimal("18.00")
    assert audit_line["discounts"][0]["voucherCode"] == "FANS10"


def test_download_links_work_only_for_whom_they_were_made(data, register):
    result = register.client("licensor_a").run(STATEMENT, {"id": data["statement"]})
    url = result["data"]["royaltyStatement"]["downloads"]["pdf"]
    path = url.split("testserver", 1)[-1]
    response = register.client("anonymous").client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("role", ROLES)
def test_statements_list(data, register, role):
    result = register.client(role).run(STATEMENTS)
    if role in ("customer", "anonymous"):
        assert codes(result) == ["PERMISSION_DENIED"]
        return
    slugs = sorted(
        e["node"]["licensor"]["slug"] for e in result["data"]["royaltyStatements"]["edges"]
    )
    assert (
        slugs
        == {
            "staff": ["studio-a", "studio-b"],
            "licensor_a": ["studio-a"],
            "licensor_b": ["studio-b"],
        }[role]
    )


def test_filtering_by_another_licensor_is_not_found(data, register):
    other = to_global_id("Licensor", register.licensor_b.pk)
    for query in (STATEMENTS, BALANCES, ACCRUED):
        assert codes(register.client("licensor_a").run(query, {"licensor": other})) == ["NOT_FOUND"]


@pytest.mark.parametrize("role", ROLES)
def test_statement_line_drilldown(data, register, role):
    result = register.client(role).run(LINE, {"id": data["line"]})
    expected = {"customer": ["PERMISSION_DENIED"], "anonymous": ["PERMISSION_DENIED"]}
    expected["licensor_b"] = ["NOT_FOUND"]
    if role in expected:
        assert codes(result) == expected[role]
        return
    line = result["data"]["royaltyStatementLine"]
    assert line["orderLines"]["totalCount"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_balances(data, register, role):
    result = register.client(role).run(BALANCES)
    if role in ("customer", "anonymous"):
        assert codes(result) == ["PERMISSION_DENIED"]
        return
    rows = result["data"]["royaltyBalances"]
    payable = {
        r["licensor"]["slug"]: Decimal(r["amount"]) for r in rows if r["kind"] == "ROYALTY_PAYABLE"
    }
    assert (
        payable
        == {
            "staff": {"studio-a": Decimal("-27.00"), "studio-b": Decimal("-3.00")},
            "licensor_a": {"studio-a": Decimal("-27.00")},
            "licensor_b": {"studio-b": Decimal("-3.00")},
        }[role]
    )
    assert all(r["licence"]["reference"] in ("A-1", "B-1") for r in rows)


def test_balances_by_licence(data, register):
    licence = to_global_id("Licence", register.licence_a.pk)
    rows = register.client("staff").run(BALANCES, {"licence": licence})["data"]["royaltyBalances"]
    assert {r["licence"]["reference"] for r in rows} == {"A-1"}
    other = to_global_id("Licence", register.licence_b.pk)
    assert codes(register.client("licensor_a").run(BALANCES, {"licence": other})) == ["NOT_FOUND"]


@pytest.mark.parametrize("role", ROLES)
def test_accrued_this_period_is_live(data, register, role):
    result = register.client(role).run(ACCRUED)
    if role in ("customer", "anonymous"):
        assert codes(result) == ["PERMISSION_DENIED"]
        return
    rows = result["data"]["royaltyAccruedThisPeriod"]
    if role == "licensor_b":
        assert rows == []  # its only sale is in a past quarter
        return
    (row,) = rows
    assert row["licensor"]["slug"] == "studio-a" and Decimal(row["amount"]) == Decimal("9.00")
    today = timezone.localdate()
    assert date.fromisoformat(row["periodStart"]) <= today <= date.fromisoformat(row["periodEnd"])


@pytest.mark.parametrize("role", ROLES)
def test_period_close_progress_is_for_staff(data, register, role):
    result = register.client(role).run(CLOSE_QUERY, {"id": data["close"]})
    listed = register.client(role).run(CLOSES)
    if role != "staff":
        assert codes(result) == ["PERMISSION_DENIED"] and codes(listed) == ["PERMISSION_DENIED"]
        return
    close = result["data"]["royaltyPeriodClose"]
    assert close["status"] == "DONE" and close["progress"] == 1.0
    assert listed["data"]["royaltyPeriodCloses"]["totalCount"] == 1


@pytest.mark.parametrize("role", ["licensor_a", "customer", "anonymous"])
def test_only_staff_may_close_a_period(register, role):
    result = register.client(role).run(CLOSE, {"start": "2026-07-01", "end": "2026-09-30"})
    payload = result["data"]["royaltyPeriodClose"]
    assert [e["code"] for e in payload["errors"]] == ["PERMISSION_DENIED"]
    assert payload["periodClose"] is None


def test_staff_closes_a_period_and_closing_again_is_a_no_op(register):
    staff = register.client("staff")
    first = staff.run(CLOSE, {"start": "2026-07-01", "end": "2026-09-30"})
    payload = first["data"]["royaltyPeriodClose"]
    assert payload["errors"] == [] and payload["alreadyClosed"] is False
    assert payload["periodClose"]["status"] in ("PENDING", "RUNNING", "DONE")
    again = staff.run(CLOSE, {"start": "2026-07-01", "end": "2026-09-30"})["data"]
    assert again["royaltyPeriodClose"]["alreadyClosed"] is True
    assert again["royaltyPeriodClose"]["periodClose"]["id"] == payload["periodClose"]["id"]


def test_closing_a_period_not_yet_ended_is_a_clear_error(register):
    from marquee.licensing.statements.periods import month_end

    future = timezone.localdate().replace(year=timezone.localdate().year + 1, day=1)
    result = register.client("staff").run(
        CLOSE, {"start": future.isoformat(), "end": month_end(future).isoformat()}
    )
    (error,) = result["data"]["royaltyPeriodClose"]["errors"]
    assert error["code"] == "PERIOD_NOT_ENDED"


def test_bad_ids_are_not_found_never_a_500(register):
    for bad in ("nonsense", to_global_id("Licence", 1), ""):
        result = register.client("staff").run(STATEMENT, {"id": bad})
        assert codes(result) == ["NOT_FOUND"]
