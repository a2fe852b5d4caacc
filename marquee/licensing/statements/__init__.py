"""Royalty statements: closing a period, the files a licensor receives, and its audit.

- `ledger` posts balanced, keyed journal entries and reads account balances;
- `payments` records what staff pay out (advances, royalty payments);
- `fx` finds the contractual exchange rate, or says which one is missing;
- `periods` knows calendar statement periods and contract years;
- `postings` makes the period-end entries of one licence and one licensor
  (guarantee true-up, recoupment, FX conversion, withholding);
- `lines` aggregates a statement's lines in PostgreSQL;
- `close` runs a close (per licensor, with progress), issues statements and
  their corrections;
- `rendering` is the hook the statement files plug into, `files` renders them
  (CSV, XLSX, PDF), `downloads` signs short-lived links to them;
- `audit` is what a licensor may read: its statements, their lines and the
  order lines behind each (no customer data).
"""
