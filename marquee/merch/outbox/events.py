"""Recording order events in the outbox, in the transaction of the change they describe.

`record` (or `record_many`, for a change that is several events at once,
such as a placement that is already paid) inserts with ``ON CONFLICT (key)
DO NOTHING``: the key names the change (`placed:<order>`, `paid:<order>`,
`refunded:<refund>`, `cancelled:<order>`, `fulfilled:<fulfillment>`), so a
change written twice (a webhook replayed, a retried request) records one
event. The insert is one statement whatever the number of events, and an
event exists exactly when the change commits: a rollback takes it away too.

Each new event is queued for delivery once the transaction commits (the
Celery task `deliver_outbox_event`; eager in the embedded default, so the
consumers run in-process right after the commit). Whatever the queue loses,
the periodic sweep delivers (see `dispatch`).

The payload builders below are the contract consumers rely on (the royalty
ledger reads them); amounts are decimal strings, ids are strings:

- ``order.placed``    {"currency", "channel": slug, "country", "lines": [{"line_id", "quantity"}]}
- ``order.paid``      {"currency", "amount"}: emitted once, when the order first
                      becomes fully charged (`payments.services`, `orders.placement`)
- ``order.refunded``  {"refund_id", "currency", "amount", "lines": [{"line_id",
                      "quantity", "amount_net", "amount_gross"}]} (lines empty for an
                      amount-only refund)
- ``order.cancelled`` {}
- ``order.fulfilled`` {"fulfillment_id", "lines": [{"line_id", "quantity"}]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from ..models.outbox import OutboxEvent, OutboxEventType
from ..pricing import quantize_price

PLACED = OutboxEventType.PLACED
PAID = OutboxEventType.PAID
REFUNDED = OutboxEventType.REFUNDED
CANCELLED = OutboxEventType.CANCELLED
FULFILLED = OutboxEventType.FULFILLED


@dataclass(frozen=True)
class NewEvent:
    """One event to record: its order, type, unique key and payload."""

    order: object
    type: str
    key: str
    payload: dict = field(default_factory=dict)
    occurred_at: datetime | None = None


def record(order, type: str, *, key: str, payload: dict, occurred_at=None) -> int | None:
    """Record one event; its id, or None when an event with this key exists already."""
    ids = record_many([NewEvent(order, type, key, payload, occurred_at)])
    return ids[0] if ids else None


def record_many(events: list[NewEvent]) -> list[int]:
    """Record several events in one INSERT; the ids of those that were new."""
    if not events:
        return []
    now = timezone.now()
    table = OutboxEvent._meta.db_table
    rows, params = [], []
    for event in events:
        rows.append("(%s, %s, %s::jsonb, %s, %s, %s, 0, '')")
        params += [
            str(event.type),
            event.order.pk,
            json.dumps(event.payload, cls=DjangoJSONEncoder),
            event.key,
            event.occurred_at or now,
            now,
        ]
    sql = (
        f"INSERT INTO {table} (type, order_id, payload, key, occurred_at, created_at, "
        f"attempts, last_error) VALUES {', '.join(rows)} "
        "ON CONFLICT (key) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    for event_id in ids:
        transaction.on_commit(_queue(event_id), robust=True)
    return ids


def _queue(event_id: int):
    def queue():
        from .tasks import deliver_outbox_event

        deliver_outbox_event.delay(event_id)

    return queue


# --- payloads (the contract) ------------------------------------------------------


def _amount(value, currency: str) -> str:
    """A decimal string in the currency's minor unit ("111.00"), whatever the column's scale."""
    return str(quantize_price(Decimal(value), currency).amount)


def placed(order, lines, *, channel_slug: str, country: str | None) -> NewEvent:
    return NewEvent(
        order,
        PLACED,
        f"placed:{order.pk}",
        {
            "currency": order.currency,
            "channel": channel_slug,
            "country": country or "",
            "lines": [{"line_id": str(line.pk), "quantity": int(line.quantity)} for line in lines],
        },
        occurred_at=order.created_at,
    )


def paid(order) -> NewEvent:
    return NewEvent(
        order,
        PAID,
        f"paid:{order.pk}",
        {"currency": order.currency, "amount": _amount(order.total_charged_amount, order.currency)},
    )


def _share(total: Decimal, units: int, quantity: int, currency: str) -> Decimal:
    """What the first `units` of a `quantity`-unit line cost, rounded once (ROUND_HALF_UP)."""
    return quantize_price(Decimal(total) * units / quantity, currency).amount


def refund_line(line, *, already_refunded: int, quantity: int) -> dict:
    """A refunded line's units and amounts, so that all refunds of a line sum to its total.

    The amount of units ``[before, before + quantity)`` is the rounded share of
    the first ``before + quantity`` units less the rounded share of the first
    ``before``: rounding happens on cumulative figures, so refunding a line
    in any number of steps adds up to the line's net and gross totals to the
    cent (3 units at 10.00 for 25.00: 8.33, then 8.34, then 8.33).
    """
    after = already_refunded + quantity
    amounts = {}
    for name, total in (
        ("amount_net", line.total_price_net_amount),
        ("amount_gross", line.total_price_gross_amount),
    ):
        share = _share(total, after, line.quantity, line.currency) - _share(
            total, already_refunded, line.quantity, line.currency
        )
        amounts[name] = _amount(share, line.currency)
    return {"line_id": str(line.pk), "quantity": int(quantity), **amounts}


def refunded(order, refund, lines: list[dict]) -> NewEvent:
    return NewEvent(
        order,
        REFUNDED,
        f"refunded:{refund.pk}",
        {
            "refund_id": str(refund.pk),
            "currency": refund.currency,
            "amount": _amount(refund.amount, refund.currency),
            "lines": lines,
        },
    )


def cancelled(order) -> NewEvent:
    return NewEvent(order, CANCELLED, f"cancelled:{order.pk}", {})


def fulfilled(fulfillment, shipped: dict) -> NewEvent:
    return NewEvent(
        fulfillment.order,
        FULFILLED,
        f"fulfilled:{fulfillment.pk}",
        {
            "fulfillment_id": str(fulfillment.pk),
            "lines": [
                {"line_id": str(line_id), "quantity": int(quantity)}
                for line_id, quantity in shipped.items()
            ],
        },
        occurred_at=fulfillment.created_at,
    )
