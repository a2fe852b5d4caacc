"""The order-event outbox: record in the change's transaction, deliver at least once.

- `events.record(order, type, key=..., payload=...)` is called by the order,
  payment and fulfilment services inside their transaction;
- `consumers.register_consumer(...)` is how another app (the royalty ledger)
  subscribes; merch knows nothing of what a consumer does;
- `dispatch` delivers pending events (a Celery task queued on commit, and a
  periodic sweep for whatever a crash left behind).
"""
