"""Royalty close benchmark: closing a quarter of a million paid order lines.

What it measures: the wall time and peak memory of closing one quarter
(Q1 2025) for 20 licensors and 100 licences, the statement lines written
per second, and whether the statements agree with an independent SQL sum
over the ledger. The ledger is generated first, set-based in PostgreSQL
(INSERT ... SELECT generate_series): orders and order lines (10 lines an
order, 1-3 units each, list and actual prices), one sale snapshot and one
balanced accrual per line (debit royalty expense / credit royalty payable),
a tier crossing half-way through the quarter (10 % -> 12 % from the tier's
lower bound), a one-unit refund reversing every 20th line at the rate it
was earned, advances on a fifth of the licences and minimum guarantees
whose contract year ends on the quarter's last day (true-ups), and two
licensors stated in USD (FX at the sale date's rate).

How to run, from the repository root:

    .venv/bin/python bench/royalty_close.py                    # 1,000,000 lines
    .venv/bin/python bench/royalty_close.py --lines 100000     # compare: memory stays flat
    .venv/bin/python bench/royalty_close.py --json

It drops and recreates a database named `marquee_royalty_bench` (on the
DATABASE_URL server if set, else on the embedded server under .data/pg),
migrates it, generates the ledger, then closes the quarter in this process
with the same service and task staff use (`close_period`, run eagerly) and
prints the figures. Ledger triggers (append-only, balance check) are
switched off during generation only (`session_replication_role = replica`;
the balance is checked by SQL afterwards), never during the close.

Goal on a 2-core machine: under 60 s and under 1 GiB, memory flat as lines
grow (PostgreSQL aggregates; Python never holds the lines).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

import catalogue  # noqa: E402  (the benches' database helpers)

DATABASE = "marquee_royalty_bench"
LICENSORS = 20
LICENCES = 100
SKUS_PER_LICENCE = 10
QUARTER = (date(2025, 1, 1), date(2025, 3, 31))
USD_LICENSORS = 2


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def database():
    if os.environ.get("DATABASE_URL"):
        db = catalogue.external_database(os.environ["DATABASE_URL"])
        url = db.django_env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{DATABASE}"
        return db, {"DATABASE_URL": url}
    db = catalogue.embedded_database()
    return db, {"EMBEDDED_DATABASE_NAME": DATABASE}


def recreate(db) -> None:
    with psycopg.connect(db.admin_conninfo, autocommit=True, connect_timeout=10) as conn:
        catalogue.drop_database(conn, DATABASE)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def migrate(env: dict[str, str]) -> None:
    log("$ manage.py migrate")
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise SystemExit(result.stdout[-3000:] + result.stderr[-3000:])


FILLERS = {
    "uuid": "gen_random_uuid()",
    "numeric": "0",
    "integer": "0",
    "bigint": "0",
    "smallint": "0",
    "boolean": "false",
    "timestamp with time zone": "now()",
    "date": "CURRENT_DATE",
    "jsonb": "'{}'::jsonb",
    "ARRAY": "'{}'",
}


def insert_select(cursor, table: str, values: dict[str, str], source: str):
    """INSERT INTO table SELECT ... FROM source, filling every other NOT NULL column
    (Django's defaults are Python-side) with a neutral value of its type."""
    cursor.execute(
        """SELECT column_name, data_type FROM information_schema.columns
            WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL
              AND is_identity = 'NO'""",
        [table],
    )
    columns = dict(values)
    for name, data_type in cursor.fetchall():
        if name not in columns:
            columns[name] = FILLERS.get(data_type, "''")
    names = ", ".join(columns)
    exprs = ", ".join(columns.values())
    # No parameters: the expressions use SQL's % (modulo) and only numbers of our own.
    cursor.execute(f"INSERT INTO {table} ({names}) SELECT {exprs} FROM {source}")
    return cursor.rowcount


def generate(lines: int) -> dict:
    """The register through the ORM (small), the ledger through set-based SQL (large)."""
    from decimal import Decimal

    from django.db import connection, transaction

    from marquee.licensing.models import (
        AccountKind,
        ExchangeRate,
        LedgerAccount,
        Licence,
        LicenceStatus,
        Licensor,
        RoyaltyTerms,
    )
    from marquee.licensing.statements.payments import record_advance_payment
    from marquee.merch.models import Channel

    started = time.perf_counter()
    channel = Channel.objects.create(name="China", slug="china", currency_code="CNY")
    licences = []
    for n in range(LICENSORS):
        licensor = Licensor.objects.create(
            name=f"Studio {n:02d}",
            slug=f"studio-{n:02d}",
            statement_currency="USD" if n < USD_LICENSORS else "CNY",
            withholding_tax_rate=Decimal("10") if n % 4 == 0 else Decimal(0),
        )
        for k in range(LICENCES // LICENSORS):
            licence = Licence.objects.create(
                licensor=licensor,
                reference=f"L-{n:02d}-{k}",
                term_start=date(2024, 4, 1) if k == 0 else date(2024, 1, 1),
                term_end=date(2027, 12, 31),
                status=LicenceStatus.ACTIVE,
            )
            RoyaltyTerms.objects.create(
                licence=licence,
                effective_from=licence.term_start,
                rate_percent=Decimal("10"),
                currency="CNY",
                tier_basis="units",
                minimum_guarantee=Decimal("1000000") if k == 0 else Decimal(0),
                exchange_rate_source="PBOC",
            )
            for kind in (AccountKind.ROYALTY_EXPENSE, AccountKind.ROYALTY_PAYABLE):
                LedgerAccount.objects.create(
                    licensor=licensor, licence=licence, kind=kind, currency="CNY"
                )
            if k == 1:
                record_advance_payment(
                    licence, amount=Decimal("5000"), paid_on=date(2024, 1, 15), reference="ADV"
                )
            licences.append(licence)
    for offset in range(0, 91):
        day = date.fromordinal(QUARTER[0].toordinal() + offset)
        ExchangeRate.objects.create(
            source="PBOC",
            base_currency="CNY",
            quote_currency="USD",
            date=day,
            rate=Decimal("0.13") + Decimal(offset) / Decimal(100000),
        )
    days = (QUARTER[1] - QUARTER[0]).days + 1
    ids = [licence.pk for licence in licences]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "CREATE TEMP TABLE bench_licence ON COMMIT DROP AS "
            "SELECT ord - 1 AS n, l.id, l.licensor_id, t.id AS terms_id FROM "
            "unnest(%s::bigint[]) WITH ORDINALITY AS u(id, ord) "
            "JOIN licensing_licence l ON l.id = u.id "
            "JOIN licensing_royaltyterms t ON t.licence_id = l.id",
            [ids],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_account ON COMMIT DROP AS "
            "SELECT licence_id, max(id) FILTER (WHERE kind = 'royalty_expense') AS expense, "
            "max(id) FILTER (WHERE kind = 'royalty_payable') AS payable "
            "FROM licensing_ledgeraccount WHERE currency = 'CNY' GROUP BY licence_id"
        )
        orders = (lines + 9) // 10
        log(f"generating {orders:,} orders")
        insert_select(
            cursor,
            "merch_order",
            {
                "id": "md5('o' || g)::uuid",
                "token": "md5('t' || g)::uuid",
                "channel_id": str(channel.pk),
                "currency": "'CNY'",
                "status": "'unfulfilled'",
                "charge_status": "'full'",
                "language_code": "'en'",
                "created_at": f"'{QUARTER[0]}'::timestamptz"
                f" + (g * {days}.0 / {orders}) * interval '1 day'",
            },
            f"generate_series(0, {orders} - 1) AS g",
        )
        log(f"generating {lines:,} order lines")
        insert_select(
            cursor,
            "merch_orderline",
            {
                "id": "md5('l' || g)::uuid",
                "order_id": "md5('o' || (g / 10))::uuid",
                "product_name": f"'Product ' || (g % {LICENCES}) || '-' || "
                f"((g / {LICENCES}) % {SKUS_PER_LICENCE})",
                "product_sku": f"'SKU-' || (g % {LICENCES}) || '-' || "
                f"((g / {LICENCES}) % {SKUS_PER_LICENCE})",
                "quantity": "1 + g % 3",
                "currency": "'CNY'",
                "undiscounted_unit_price_net_amount": "100",
                "undiscounted_unit_price_gross_amount": "113",
                "unit_price_net_amount": "CASE WHEN g % 4 = 0 THEN 80 ELSE 100 END",
                "unit_price_gross_amount": "CASE WHEN g % 4 = 0 THEN 90.4 ELSE 113 END",
                "total_price_net_amount": "(1 + g % 3) * CASE WHEN g % 4 = 0 THEN 80 ELSE 100 END",
                "total_price_gross_amount": "(1 + g % 3)"
                " * CASE WHEN g % 4 = 0 THEN 90.4 ELSE 113 END",
                "undiscounted_total_price_net_amount": "(1 + g % 3) * 100",
                "undiscounted_total_price_gross_amount": "(1 + g % 3) * 113",
            },
            f"generate_series(0, {lines} - 1) AS g",
        )
        log("generating sale snapshots")
        insert_select(
            cursor,
            "licensing_salesnapshot",
            {
                "order_line_id": "md5('l' || g)::uuid",
                "licence_id": "bl.id",
                "licensor_id": "bl.licensor_id",
                "terms_id": "bl.terms_id",
                "share_percent": "100",
                "channel_id": str(channel.pk),
                "country": "(ARRAY['CN','US','JP'])[1 + (g / 7) % 3]",
                "sold_at": f"'{QUARTER[0]}'::timestamptz + "
                f"((g / 10) * {days}.0 / {orders}) * interval '1 day'",
                "currency": "'CNY'",
                "quantity": "1 + g % 3",
                "list_total_net": "(1 + g % 3) * 100",
                "net_total": "(1 + g % 3) * CASE WHEN g % 4 = 0 THEN 80 ELSE 100 END",
            },
            f"generate_series(0, {lines} - 1) AS g JOIN bench_licence bl ON bl.n = g % {LICENCES}",
        )
        log("generating accruals (a tier step half-way through the quarter)")
        half = f"'{QUARTER[0]}'::date + {days // 2}"
        insert_select(
            cursor,
            "licensing_journalentry",
            {
                "kind": "'accrual'",
                "licensor_id": "s.licensor_id",
                "licence_id": "s.licence_id",
                "effective_date": "s.sold_at::date",
                "key": "'accrual:' || s.order_line_id || ':' || s.licence_id",
                "memo": "''",
                "order_line_id": "s.order_line_id",
                "snapshot_id": "s.id",
                "units": "s.quantity",
                "base_amount": "s.net_total",
                "rate_percent": f"CASE WHEN s.sold_at::date < {half} THEN 10 ELSE 12 END",
                "tier_lower_bound": f"CASE WHEN s.sold_at::date < {half} THEN 0 ELSE 5000 END",
            },
            "licensing_salesnapshot s",
        )
        log("generating refunds (one unit of every 20th line, at the rate it was earned)")
        insert_select(
            cursor,
            "licensing_journalentry",
            {
                "kind": "'reversal'",
                "licensor_id": "a.licensor_id",
                "licence_id": "a.licence_id",
                "effective_date": f"LEAST(a.effective_date + 5, '{QUARTER[1]}'::date)",
                "key": "'reversal:' || a.id",
                "memo": "''",
                "order_line_id": "a.order_line_id",
                "snapshot_id": "a.snapshot_id",
                "reverses_id": "a.id",
                "units": "-1",
                "base_amount": "-(a.base_amount / a.units)",
                "rate_percent": "a.rate_percent",
                "tier_lower_bound": "a.tier_lower_bound",
            },
            "licensing_journalentry a WHERE a.kind = 'accrual' AND a.id % 20 = 0",
        )
        log("generating ledger lines (two legs an entry)")
        royalty = "ROUND(je.base_amount * je.rate_percent / 100, 4)"
        for account, sign in (("expense", ""), ("payable", "-")):
            insert_select(
                cursor,
                "licensing_ledgerline",
                {
                    "entry_id": "je.id",
                    "account_id": f"ba.{account}",
                    "amount": f"{sign}{royalty}",
                    "currency": "'CNY'",
                },
                "licensing_journalentry je JOIN bench_account ba ON ba.licence_id = je.licence_id "
                "WHERE je.kind IN ('accrual', 'reversal')",
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"generate_s": round(time.perf_counter() - started, 1)}


def check_totals() -> dict:
    """The statements against independent SQL sums over the ledger."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT -COALESCE(SUM(ll.amount), 0) FROM licensing_ledgerline ll
                 JOIN licensing_ledgeraccount a ON a.id = ll.account_id
                 JOIN licensing_journalentry je ON je.id = ll.entry_id
                WHERE a.kind = 'royalty_payable' AND je.kind IN ('accrual', 'reversal')
                  AND je.effective_date BETWEEN %s AND %s""",
            QUARTER,
        )
        ledger_royalty = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(SUM(royalty), 0), COUNT(*) FROM licensing_statementline")
        lines_royalty, line_count = cursor.fetchone()
        cursor.execute(
            """SELECT COALESCE(SUM(-ll.amount), 0) FROM licensing_ledgerline ll
                 JOIN licensing_ledgeraccount a ON a.id = ll.account_id
                 JOIN licensing_licensor l ON l.id = a.licensor_id
                 JOIN licensing_journalentry je ON je.id = ll.entry_id
                WHERE a.kind = 'royalty_payable' AND a.currency = l.statement_currency
                  AND je.effective_date <= %s""",
            [QUARTER[1]],
        )
        ledger_payable = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(SUM(amount_payable), 0) FROM licensing_statement")
        statements_payable = cursor.fetchone()[0]
        cursor.execute(
            """SELECT COUNT(*) FROM (SELECT entry_id, currency FROM licensing_ledgerline
                GROUP BY entry_id, currency HAVING SUM(amount) <> 0) unbalanced"""
        )
        unbalanced = cursor.fetchone()[0]
    return {
        "ledger_royalty_sql": str(ledger_royalty),
        "statement_lines_royalty": str(lines_royalty),
        "ledger_payable_sql": str(ledger_payable),
        "statements_amount_payable": str(statements_payable),
        "unbalanced_entries": unbalanced,
        "statement_lines": line_count,
        "ok": ledger_royalty == lines_royalty
        and ledger_payable == statements_payable
        and unbalanced == 0,
    }


def close_quarter() -> dict:
    from django.db import connection

    from marquee.licensing.models import RoyaltyPeriodClose, Statement
    from marquee.licensing.statements.close import close_period

    tracemalloc.start()
    started = time.perf_counter()
    request = close_period(*QUARTER)
    wall = time.perf_counter() - started
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    close = RoyaltyPeriodClose.objects.get(pk=request.close.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM licensing_statementline")
        line_count = cursor.fetchone()[0]
    return {
        "close_status": close.status,
        "close_error": close.error,
        "licensors": f"{close.licensors_done}/{close.licensors_total}",
        "statements": Statement.objects.count(),
        "close_wall_s": round(wall, 2),
        "statement_lines_per_s": round(line_count / wall, 1) if wall else None,
        "python_peak_mib": round(python_peak / 2**20, 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    db, env = database()
    log(f"database {DATABASE} on the {db.description.split(',')[0]}")
    recreate(db)
    migrate(env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    os.environ.pop("CELERY_BROKER_URL", None)  # the task runs eagerly, in this process
    import django

    django.setup()
    report = {"order_lines": args.lines, "licences": LICENCES, "licensors": LICENSORS}
    report.update(generate(args.lines))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report.update(close_quarter())
    report["order_lines_closed_per_s"] = round(args.lines / report["close_wall_s"])
    report["process_peak_rss_mib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    report["rss_before_close_mib"] = round(rss_before / 1024, 1)
    report["check"] = check_totals()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:>28}: {value}")
    return 0 if report["check"]["ok"] and report["close_status"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
