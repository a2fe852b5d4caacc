"""Statement files: the CSV, the XLSX read back with openpyxl, the PDF parsed back with pypdf."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from marquee.licensing.statements.files import render_statement_files, royalty_by_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(royalties, register):
    shop = royalties.shop
    tee, hoodie = shop.variants("Wolf Tee")[0], shop.variants("Wolf Hoodie")[0]
    july = royalties.sell(tee, 2, sold=date(2026, 7, 5))
    sept = royalties.sell(hoodie, 1, sold=date(2026, 9, 20))
    royalties.post(july, Decimal("18.00"))
    royalties.post(sept, Decimal("9.00"))
    royalties.post(sept, Decimal("-4.50"), units=0, on=date(2026, 9, 25))
    register.licensor_a.legal_name = "Studio A Pictures Ltd"
    register.licensor_a.contact_email = "royalties@studio-a.example"
    register.licensor_a.save()
    statement = royalties.statement(
        register.licensor_a,
        [july, sept],
        units=3,
        gross=Decimal("297.00"),
        royalty_base=Decimal("262.83"),
        royalty=Decimal("22.50"),
        withholding=Decimal("2.25"),
        amount_payable=Decimal("20.25"),
    )
    return render_statement_files(statement)


def test_all_three_files_are_stored_under_the_statement(issued):
    for field in (issued.csv_file, issued.xlsx_file, issued.pdf_file):
        assert field.name.startswith("statements/studio-a/20260701-20260930-v1.")
        assert field.storage.exists(field.name)


def test_csv_has_the_lines_then_the_totals(issued):
    rows = list(csv.reader(io.StringIO(issued.csv_file.open("rb").read().decode())))
    assert rows[0][:3] == ["Licence", "Product", "SKU"]
    lines = rows[1 : rows.index([])]
    assert len(lines) == 2 and {row[0] for row in lines} == {"A-1"}
    totals = {row[1]: row[2] for row in rows if row and row[0] == "Total"}
    assert totals["Amount payable"] == "20.25"
    assert totals["Withholding tax"] == "2.25"
    assert totals["Due date"] == "2026-10-30"


def test_xlsx_reads_back_with_a_summary_and_a_lines_sheet(issued):
    book = load_workbook(io.BytesIO(issued.xlsx_file.open("rb").read()))
    assert book.sheetnames == ["Summary", "Lines"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Licensor"] == "Studio A Pictures Ltd"
    assert Decimal(str(summary["Amount payable"])) == Decimal("20.25")
    lines = list(book["Lines"].iter_rows(values_only=True))
    assert lines[0][0] == "Licence" and len(lines) == 3
    assert sum(row[6] for row in lines[1:]) == 3  # units


def test_pdf_parses_back_with_both_parties_totals_and_due_date(issued, settings):
    text = "\n".join(page.extract_text() for page in PdfReader(issued.pdf_file.open("rb")).pages)
    assert settings.SHOP_NAME in text
    assert "Studio A Pictures Ltd" in text and "royalties@studio-a.example" in text
    assert "2026-07-01 to 2026-09-30" in text
    assert "Amount payable" in text and "20.25 CNY" in text
    assert "Withholding tax" in text and "2.25 CNY" in text
    assert "2026-10-30" in text
    assert "Royalty by month (CNY)" in text


def test_chart_sums_royalty_by_month_from_the_ledger(issued):
    assert royalty_by_month(issued) == [
        (date(2026, 7, 1), Decimal("18.00")),
        (date(2026, 8, 1), Decimal(0)),
        (date(2026, 9, 1), Decimal("4.50")),
    ]


def test_rendering_again_replaces_the_same_files(issued):
    names = (issued.csv_file.name, issued.xlsx_file.name, issued.pdf_file.name)
    again = render_statement_files(issued)
    assert (again.csv_file.name, again.xlsx_file.name, again.pdf_file.name) == names
