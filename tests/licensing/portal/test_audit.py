"""The licensor's audit: statements in scope, the drill-down to order lines, its CSV, and
downloads through the signed view with local storage."""

import csv
import io
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core import signing

from marquee.licensing import selectors
from marquee.licensing.statements import audit
from marquee.licensing.statements.downloads import drilldown_path, statement_file_path
from marquee.licensing.statements.files import render_statement_files

pytestmark = pytest.mark.django_db

PERSONAL = ("fan@example.com", "Nanjing Road", "Shanghai", "8613800138000", "200000")


@pytest.fixture
def sales(royalties, register):
    shop = royalties.shop
    tee = shop.variants("Wolf Tee")[0]
    first = royalties.sell(tee, 2, sold=date(2026, 7, 5))
    second = royalties.sell(tee, 1, sold=date(2026, 8, 9))
    royalties.discount(second, voucher="FANS10", amount=Decimal("9.90"))
    outside = royalties.sell(tee, 4, sold=date(2026, 10, 2))  # next quarter
    for snapshot in (first, second, outside):
        royalties.post(snapshot, Decimal("8.00") * snapshot.quantity)
    royalties.post(first, Decimal("-8.00"), units=-1, on=date(2026, 9, 1))
    other = royalties.sell(
        shop.variants("Film B Poster")[0], 1, licence=register.licence_b, sold=date(2026, 7, 6)
    )
    royalties.post(other, Decimal("3.00"))
    statement = royalties.statement(register.licensor_a, [first, second])
    statement_b = royalties.statement(register.licensor_b, [other])
    return {
        "first": first,
        "second": second,
        "statement": statement,
        "line": statement.lines.get(),
        "statement_b": statement_b,
    }


def viewer(register, role):
    user = {"staff": register.staff, "a": register.user_a, "b": register.user_b}.get(role)
    return selectors.viewer_for(user or register.customer)


def test_statements_are_scoped_to_the_licensor(sales, register):
    ids = {s.pk for s in audit.statements(viewer(register, "staff"))}
    assert ids == {sales["statement"].pk, sales["statement_b"].pk}
    assert list(audit.statements(viewer(register, "a"))) == [sales["statement"]]
    assert audit.statement(viewer(register, "b"), sales["statement"].pk) is None
    assert audit.statement_line(viewer(register, "b"), sales["line"].pk) is None
    assert not audit.statements(viewer(register, "customer")).exists()
    assert not audit.period_closes(viewer(register, "a")).exists()


def test_drilldown_lists_the_order_lines_booked_in_the_period(sales, register):
    line = audit.statement_line(viewer(register, "a"), sales["line"].pk)
    rows = list(audit.drilldown(line))
    assert [r.pk for r in rows] == [sales["first"].pk, sales["second"].pk]
    first, second = rows
    assert (first.period_units, first.period_royalty) == (1, Decimal("8.00"))
    assert (second.period_units, second.period_royalty) == (1, Decimal("8.00"))
    assert [s.voucher_code for s in audit.discount_sources(second)] == ["FANS10"]
    row = audit.drilldown_row(second)
    assert row[0] == second.order_line.order.number
    assert row[1:4] == ["2026-08-09", "CN", "china"]
    assert "voucher" in row[12] and "FANS10" in row[12]


def test_drilldown_runs_two_queries_whatever_its_size(
    sales, register, django_assert_num_queries, royalties
):
    line = audit.statement_line(viewer(register, "a"), sales["line"].pk)
    with django_assert_num_queries(2):
        assert len([audit.drilldown_row(s) for s in audit.drilldown(line)]) == 2


def test_drilldown_csv_has_no_customer_data(sales, register):
    line = audit.statement_line(viewer(register, "a"), sales["line"].pk)
    text = audit.drilldown_csv(line).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == audit.DRILLDOWN_COLUMNS and len(rows) == 3
    for personal in PERSONAL:
        assert personal not in text


def test_local_download_streams_the_file_for_its_licensor(sales, register):
    render_statement_files(sales["statement"])
    path = statement_file_path(register.user_a, sales["statement"], "csv")
    response = register.client("anonymous").client.get(path)  # the link is the credential
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert b"Amount payable" in b"".join(response.streaming_content)


def test_drilldown_download_is_a_csv(sales, register):
    response = register.client("anonymous").client.get(
        drilldown_path(register.user_a, sales["line"])
    )
    assert response.status_code == 200
    assert response.content.decode().startswith("Order number,")


@pytest.mark.parametrize("who", ["b", "customer"])
def test_links_made_for_someone_else_are_not_found(sales, register, who):
    render_statement_files(sales["statement"])
    user = register.user_b if who == "b" else register.customer
    client = register.client("anonymous").client
    assert client.get(statement_file_path(user, sales["statement"], "pdf")).status_code == 404
    assert client.get(drilldown_path(user, sales["line"])).status_code == 404


def test_expired_forged_and_unrendered_links_are_not_found(sales, register, monkeypatch):
    client = register.client("anonymous").client
    assert statement_file_path(register.user_a, sales["statement"], "pdf") is None  # unrendered
    render_statement_files(sales["statement"])
    good = statement_file_path(register.user_a, sales["statement"], "pdf")
    assert client.get(good[:-3] + "x/").status_code == 404  # altered
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now - 3600)
    old = statement_file_path(register.user_a, sales["statement"], "pdf")
    monkeypatch.undo()
    assert client.get(old).status_code == 404
    assert client.get(good).status_code == 200
