"""A statement's lines, aggregated by PostgreSQL in one INSERT ... SELECT ... GROUP BY.

One row per (licence, product, SKU, ship-to country, channel, sale
currency) over the licensor's accruals and reversals in each licence's
statement window, read from the ledger's royalty-payable legs joined to the
sale snapshot and the order line. Nothing is loaded into Python: a close of
a million order lines streams through the database's own aggregate.

- units: accrued less reversed units;
- gross: accrued units at list price (net of tax); discounts: list less
  actual price of those units; returns: the royalty base reversed by
  refunds and returns;
- royalty base: accrued less reversed base (net or list, as the terms say);
- rate: the percentage applied, when every entry of the line used the same
  one (tiers and term changes can mix rates in a line; then none is shown);
- royalty: what the ledger owes for the line, in the sale currency;
- royalty in the statement currency: converted at the contract's rate date
  (the sale's day, or the period's last day). Rounding point: the line's
  converted sum, ROUND_HALF_UP to the cent (PostgreSQL's numeric ROUND
  rounds halves away from zero).
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from ..models import AccountKind, EntryKind, Licence

INSERT_LINES = """
WITH sums AS (
    -- Stage 1: the ledger's legs summed per line and rate day (none in the statement currency).
    SELECT je.licence_id, ol.product_id, ol.product_sku, MAX(ol.product_name) AS product_name,
           s.country, s.channel_id, ll.currency,
           CASE WHEN ll.currency = %(currency)s THEN NULL
                WHEN t.exchange_rate_date = 'period_end' THEN %(end)s::date
                ELSE je.effective_date END AS rate_day,
           t.exchange_rate_source AS rate_source,
           SUM(je.units) AS units,
           SUM(CASE WHEN je.kind = %(accrual)s
                    THEN s.list_total_net * je.units / NULLIF(s.quantity, 0) ELSE 0 END) AS gross,
           SUM(CASE WHEN je.kind = %(accrual)s
                    THEN (s.list_total_net - s.net_total) * je.units / NULLIF(s.quantity, 0)
                    ELSE 0 END) AS discounts,
           -SUM(CASE WHEN je.kind = %(reversal)s THEN je.base_amount ELSE 0 END) AS returns,
           SUM(je.base_amount) AS royalty_base,
           MIN(je.rate_percent) AS min_rate, MAX(je.rate_percent) AS max_rate,
           -SUM(ll.amount) AS royalty
      FROM unnest(%(licences)s::bigint[], %(starts)s::date[]) AS w(licence_id, start)
      JOIN licensing_journalentry je
        ON je.licensor_id = %(licensor)s AND je.licence_id = w.licence_id
       AND je.effective_date >= w.start AND je.effective_date <= %(end)s
       AND je.kind IN (%(accrual)s, %(reversal)s)
      JOIN licensing_ledgerline ll ON ll.entry_id = je.id
      JOIN licensing_ledgeraccount a ON a.id = ll.account_id AND a.kind = %(payable)s
      JOIN licensing_salesnapshot s ON s.id = je.snapshot_id
      JOIN licensing_royaltyterms t ON t.id = s.terms_id
      JOIN merch_orderline ol ON ol.id = s.order_line_id
     GROUP BY je.licence_id, ol.product_id, ol.product_sku, s.country, s.channel_id, ll.currency,
              rate_day, rate_source
)
INSERT INTO licensing_statementline (
    statement_id, licence_id, product_id, product_name, sku, country, channel, currency,
    units, gross, discounts, returns, royalty_base, rate_percent, royalty,
    royalty_in_statement_currency
)
-- Stage 2: per statement line, each rate day's sum converted at that day's rate.
SELECT %(statement)s, b.licence_id, p.id, MAX(b.product_name), b.product_sku, b.country,
       ch.slug, b.currency,
       SUM(b.units), ROUND(SUM(b.gross), 4), ROUND(SUM(b.discounts), 4), SUM(b.returns),
       SUM(b.royalty_base),
       CASE WHEN MIN(b.min_rate) = MAX(b.max_rate) THEN MIN(b.min_rate) END,
       SUM(b.royalty),
       ROUND(SUM(b.royalty * COALESCE(fx.rate, 1)), 2)
  FROM sums b
  JOIN merch_channel ch ON ch.id = b.channel_id
  LEFT JOIN merch_product p ON p.id = b.product_id
  LEFT JOIN LATERAL (
        SELECT COALESCE(
            (SELECT r.rate FROM licensing_exchangerate r
              WHERE r.base_currency = b.currency AND r.quote_currency = %(currency)s
                AND r.date = b.rate_day AND (b.rate_source = '' OR r.source = b.rate_source)
              ORDER BY r.source LIMIT 1),
            (SELECT 1 / r.rate FROM licensing_exchangerate r
              WHERE r.base_currency = %(currency)s AND r.quote_currency = b.currency
                AND r.date = b.rate_day AND (b.rate_source = '' OR r.source = b.rate_source)
              ORDER BY r.source LIMIT 1)
        ) AS rate
         WHERE b.rate_day IS NOT NULL
  ) fx ON TRUE
 GROUP BY b.licence_id, p.id, b.product_sku, b.country, ch.slug, b.currency
"""


def write_lines(
    statement_id: int,
    licensor_id: int,
    windows: list[tuple[Licence, date]],
    period_end: date,
    currency: str,
) -> int:
    """Insert the statement's lines; returns how many."""
    if not windows:
        return 0
    with connection.cursor() as cursor:
        # The sort of a large licensor's legs fits in memory instead of spilling to disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            INSERT_LINES,
            {
                "statement": statement_id,
                "licensor": licensor_id,
                "licences": [licence.pk for licence, _ in windows],
                "starts": [start for _, start in windows],
                "end": period_end,
                "currency": currency,
                "accrual": EntryKind.ACCRUAL.value,
                "reversal": EntryKind.REVERSAL.value,
                "payable": AccountKind.ROYALTY_PAYABLE.value,
            },
        )
        return cursor.rowcount
