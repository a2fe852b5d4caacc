"""The royalties API: ledger balances, the live accrual, statements and their audit, and
the period close (staff)."""
