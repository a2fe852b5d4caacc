"""The files a licensor receives for a statement: CSV, XLSX and PDF.

`render_statement_files(statement)` is called by the period close once a
statement's rows are written; it renders all three from the same rows (the
statement's totals and its `StatementLine`s) so they never disagree, and
stores them through Django's default storage: the local `.data/media`
folder by default, S3 through boto3 when `AWS_STORAGE_BUCKET_NAME` is set.
An issued statement is immutable, so the files are written once, under a
name that carries the licensor, period and version; rendering again (a
retried task) overwrites those same files with the same content.

Amounts are printed exactly as stored (already rounded by the ledger and
the close); nothing here rounds or recomputes money, except the chart,
which sums the period's royalty by month from the ledger for display.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from ..models import AccountKind, EntryKind, LedgerLine, Statement, StatementLine

LINE_COLUMNS = [
    ("licence", "Licence"),
    ("product_name", "Product"),
    ("sku", "SKU"),
    ("country", "Country"),
    ("channel", "Channel"),
    ("currency", "Sale currency"),
    ("units", "Units"),
    ("gross", "Gross"),
    ("discounts", "Discounts"),
    ("returns", "Returns"),
    ("royalty_base", "Royalty base"),
    ("rate_percent", "Rate %"),
    ("royalty", "Royalty"),
    ("royalty_in_statement_currency", "Royalty (statement currency)"),
]
PRODUCT_COLUMN = [name for name, _label in LINE_COLUMNS].index("product_name")
CJK_FONT = "STSong-Light"

TOTAL_FIELDS = [
    ("units", "Units"),
    ("gross", "Gross"),
    ("discounts", "Discounts"),
    ("returns", "Returns"),
    ("royalty_base", "Royalty base"),
    ("royalty", "Royalty"),
    ("opening_balance", "Opening balance"),
    ("advances_recouped", "Advances recouped"),
    ("guarantee_true_up", "Minimum guarantee true-up"),
    ("withholding", "Withholding tax"),
    ("fx_adjustment", "FX adjustment"),
    ("amount_payable", "Amount payable"),
]

FILE_FIELDS = {"csv": "csv_file", "xlsx": "xlsx_file", "pdf": "pdf_file"}


def statement_lines(statement: Statement) -> list[StatementLine]:
    return list(statement.lines.select_related("licence").order_by("licence__reference", "sku"))


def line_values(line: StatementLine) -> list:
    values = []
    for name, _label in LINE_COLUMNS:
        values.append(line.licence.reference if name == "licence" else getattr(line, name))
    return values


def totals(statement: Statement) -> list[tuple[str, object]]:
    return [(label, getattr(statement, name)) for name, label in TOTAL_FIELDS]


def base_name(statement: Statement) -> str:
    return (
        f"statements/{statement.licensor.slug}/"
        f"{statement.period_start:%Y%m%d}-{statement.period_end:%Y%m%d}-v{statement.version}"
    )


def money_text(value) -> str:
    """A value as printed in statement files: money with two decimals unless finer."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    return str(value)


# --- CSV ------------------------------------------------------------------------------------


def write_csv(rows: Iterable[list], header: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([money_text(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def render_csv(statement: Statement, lines: list[StatementLine]) -> bytes:
    """The lines, then a blank row, then one `Total,<label>,<value>` row per total."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _name, label in LINE_COLUMNS])
    for line in lines:
        writer.writerow([money_text(value) for value in line_values(line)])
    writer.writerow([])
    writer.writerow(["Total", "Currency", statement.currency])
    for label, value in totals(statement):
        writer.writerow(["Total", label, money_text(value)])
    writer.writerow(["Total", "Due date", statement.due_date.isoformat()])
    return buffer.getvalue().encode("utf-8")


# --- XLSX -----------------------------------------------------------------------------------


def render_xlsx(statement: Statement, lines: list[StatementLine]) -> bytes:
    """Two sheets: `Summary` (parties, period, totals) and `Lines`. Amounts are numbers."""
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    licensor = statement.licensor
    for row in [
        ("Statement", f"{statement.period_start} to {statement.period_end}"),
        ("Version", statement.version),
        ("Licensee", settings.SHOP_NAME),
        ("Licensor", licensor.legal_name or licensor.name),
        ("Currency", statement.currency),
        ("Due date", statement.due_date),
        *totals(statement),
    ]:
        summary.append(list(row))
    if statement.reason:
        summary.append(["Correction reason", statement.reason])
    sheet = book.create_sheet("Lines")
    sheet.append([label for _name, label in LINE_COLUMNS])
    for line in lines:
        sheet.append(line_values(line))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- PDF ------------------------------------------------------------------------------------


def royalty_by_month(statement: Statement) -> list[tuple[date, Decimal]]:
    """Royalty earned per month of the period (accruals less reversals), for the chart.

    Read from the ledger's royalty-payable legs in the statement currency;
    credits to the licensor are negative there, so the sum is negated.
    """
    rows = (
        LedgerLine.objects.filter(
            entry__licensor_id=statement.licensor_id,
            entry__kind__in=[EntryKind.ACCRUAL, EntryKind.REVERSAL],
            entry__effective_date__gte=statement.period_start,
            entry__effective_date__lte=statement.period_end,
            account__kind=AccountKind.ROYALTY_PAYABLE,
            currency=statement.currency,
        )
        .annotate(month=TruncMonth("entry__effective_date"))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )
    found = {row["month"]: -row["total"] for row in rows}
    months, cursor = [], statement.period_start.replace(day=1)
    while cursor <= statement.period_end:
        months.append((cursor, found.get(cursor, Decimal(0))))
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return months


def _chart(months: list[tuple[date, Decimal]], currency: str):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    drawing = Drawing(440, 180)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, 380, 120
    chart.data = [[float(amount) for _month, amount in months] or [0.0]]
    chart.categoryAxis.categoryNames = [f"{month:%b %Y}" for month, _amount in months]
    chart.valueAxis.valueMin = min(0.0, *chart.data[0])
    chart.bars[0].fillColor = colors.HexColor("#3b5b92")
    drawing.add(chart)
    drawing.add(String(40, 165, f"Royalty by month ({currency})", fontSize=10))
    return drawing


def render_pdf(statement: Statement, lines: list[StatementLine]) -> bytes:
    """A readable statement: both parties, the period, lines, totals, payable, due date, chart."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    # Names and addresses may be Chinese (most demo licensors' legal names are):
    # Adobe's built-in STSong CID font has the glyphs, and needs no font file.
    # Figures stay in Helvetica.
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    parties = ParagraphStyle("parties", parent=styles["Normal"], fontName=CJK_FONT)
    licensor = statement.licensor
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title=f"Royalty statement {statement.period_start} to {statement.period_end}",
    )
    licensee = [settings.SHOP_NAME, getattr(settings, "SHOP_DESCRIPTION", "")]
    licensor_details = [
        licensor.legal_name or licensor.name,
        licensor.country,
        licensor.contact_name,
        licensor.contact_email,
        f"Payee: {licensor.payee_name}" if licensor.payee_name else "",
        f"Bank: {licensor.payee_bank} {licensor.payee_account}".strip()
        if licensor.payee_bank
        else "",
    ]

    def block(title, rows):
        return Paragraph(
            f"<b>{title}</b><br/>" + "<br/>".join(_escape(r) for r in rows if r), parties
        )

    story = [
        Paragraph("Royalty statement", styles["Title"]),
        Paragraph(
            f"Period {statement.period_start} to {statement.period_end} · version "
            f"{statement.version} · issued {statement.issued_at:%Y-%m-%d}",
            styles["Normal"],
        ),
        Spacer(1, 8),
        Table([[block("Licensee", licensee), block("Licensor", licensor_details)]]),
        Spacer(1, 8),
    ]
    if statement.reason:
        story.append(Paragraph(f"Correction: {_escape(statement.reason)}", styles["Normal"]))
    header = [label for _name, label in LINE_COLUMNS]
    table = Table(
        [header] + [[money_text(v) for v in line_values(line)] for line in lines],
        repeatRows=1,
        style=TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("FONTNAME", (PRODUCT_COLUMN, 1), (PRODUCT_COLUMN, -1), CJK_FONT),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf4")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (6, 1), (-1, -1), "RIGHT"),
            ]
        ),
    )
    story += [table, Spacer(1, 10)]
    total_rows = [
        [label, f"{money_text(value)} {statement.currency}"] for label, value in totals(statement)
    ]
    total_rows[0][1] = money_text(statement.units)  # units carry no currency
    total_rows.append(["Due date", statement.due_date.isoformat()])
    story.append(
        Table(
            total_rows,
            style=TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("FONTNAME", (0, -2), (-1, -2), "Helvetica-Bold"),
                    ("LINEABOVE", (0, -2), (-1, -2), 0.5, colors.black),
                ]
            ),
        )
    )
    story += [Spacer(1, 10), _chart(royalty_by_month(statement), statement.currency)]
    doc.build(story)
    return buffer.getvalue()


def _escape(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- storing --------------------------------------------------------------------------------


def render_statement_files(statement: Statement) -> Statement:
    """Render the CSV, XLSX and PDF of a statement and store them; returns the statement.

    Only the three file columns are written (`update_fields`), so the
    statement's figures are untouched.
    """
    lines = statement_lines(statement)
    name = base_name(statement)
    rendered = {
        "csv": render_csv(statement, lines),
        "xlsx": render_xlsx(statement, lines),
        "pdf": render_pdf(statement, lines),
    }
    for extension, content in rendered.items():
        field = getattr(statement, FILE_FIELDS[extension])
        target = f"{name}.{extension}"
        if field.name:
            field.storage.delete(field.name)
        elif field.storage.exists(target):
            field.storage.delete(target)
        field.save(target.removeprefix("statements/"), ContentFile(content), save=False)
    statement.save(update_fields=list(FILE_FIELDS.values()))
    return statement
