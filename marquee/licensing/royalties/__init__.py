"""Royalties from the sale itself: snapshots at placement, the arithmetic, the postings.

- `snapshots`: the placement hook that freezes, per order line and licence,
  what the sale owes under (licence, share, terms version, category,
  channel, country, prices);
- `compute`: the royalty arithmetic, pure functions with numbered rounding
  points (the README's "How royalties are computed" walks through them);
- `books`: where postings go - the ledger in PostgreSQL, or a scratch book
  in memory for the rebuild;
- `posting`: the `royalty-ledger` outbox consumer: accruals on `order.paid`,
  reversals on `order.refunded`;
- `rebuild`: recompute every royalty posting from the source events and
  compare balances with the ledger.
"""
