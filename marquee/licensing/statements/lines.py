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
INSERT INTO licensing_statementline (
    statement_id, licence_id, product_id, product_name, sku, country, channel, currency,
    units, gross, discounts, returns, royalty_base, rate_percent, royalty,
    royalty_in_statement_currency
)
SELECT %(statement)s, je.licence_id, p.id, MAX(ol.product_name), ol.product_sku, s.country,
       ch.slug, ll.currency,
       SUM(je.units),
       ROUND(SUM(CASE WHEN je.kind = %(accrual)s
                      THEN s.list_total_net * je.units / NULLIF(s.quantity, 0) ELSE 0 END), 4),
       ROUND(SUM(CASE WHEN je.kind = %(accrual)s
                      THEN (s.list_total_net - s.net_total) * je.units / NULLIF(s.quantity, 0)
                      ELSE 0 END), 4),
       -SUM(CASE WHEN je.kind = %(reversal)s THEN je.base_amount ELSE 0 END),
       SUM(je.base_amount),
       CASE WHEN MIN(je.rate_percent) = MAX(je.rate_percent) THEN MIN(je.rate_percent) END,
       -SUM(ll.amount),
       -ROUND(SUM(ll.amount * COALESCE(fx.rate, 1)), 2)
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
  JOIN merch_channel ch ON ch.id = s.channel_id
  LEFT JOIN merch_product p ON p.id = ol.product_id
  LEFT JOIN LATERAL (
        SELECT COALESCE(
            (SELECT r.rate FROM licensing_exchangerate r
              WHERE r.base_currency = ll.currency AND r.quote_currency = %(currency)s
                AND r.date = d.day
                AND (t.exchange_rate_source = '' OR r.source = t.exchange_rate_source)
              ORDER BY r.source LIMIT 1),
            (SELECT 1 / r.rate FROM licensing_exchangerate r
              WHERE r.base_currency = %(currency)s AND r.quote_currency = ll.currency
                AND r.date = d.day
                AND (t.exchange_rate_source = '' OR r.source = t.exchange_rate_source)
              ORDER BY r.source LIMIT 1)
        ) AS rate
          FROM (SELECT CASE WHEN t.exchange_rate_date = 'period_end' THEN %(end)s::date
                            ELSE je.effective_date END AS day) d
         WHERE ll.currency <> %(currency)s
  ) fx ON TRUE
 GROUP BY je.licence_id, p.id, ol.product_sku, s.country, ch.slug, ll.currency
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
