"""Orders: placing them from a checkout, and every change after that.

`services` holds the writes (each inside the caller's transaction),
`allocation` the stock arithmetic, `events` the audit trail, `selectors`
the reads and `emails` what a buyer receives.
"""
