"""Closing a royalty period: the contract-year postings and the licensors' statements.

- `ledger` posts balanced, keyed journal entries and reads account balances;
- `payments` records what staff pay out (advances, royalty payments);
- `fx` finds the contractual exchange rate, or says which one is missing;
- `periods` knows calendar statement periods and contract years;
- `postings` makes the period-end entries of one licence and one licensor
  (guarantee true-up, recoupment, FX conversion, withholding);
- `lines` aggregates a statement's lines in PostgreSQL;
- `close` runs a close (per licensor, with progress), issues statements and
  their corrections;
- `rendering` is the hook the statement files (CSV/XLSX/PDF) plug into.
"""
