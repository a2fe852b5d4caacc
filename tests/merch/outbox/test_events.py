"""Each change to an order writes exactly one outbox event, in its own transaction.

The payloads are the contract the royalty ledger reads (see
marquee/merch/outbox/events.py); they are asserted here in full.
"""

from decimal import Decimal

import pytest
from django.db import transaction

from marquee.merch.models import OutboxEvent
from marquee.merch.orders import services
from marquee.merch.orders.placement import complete_checkout
from marquee.merch.outbox import events as outbox
from marquee.merch.payments import stripe_events

pytestmark = pytest.mark.django_db


def _events(order):
    return list(OutboxEvent.objects.filter(order=order).order_by("pk"))


def _place(shop, items):
    checkout = shop.checkout(items)
    shop.pay(checkout)
    return complete_checkout(checkout.token).order


def test_placement_records_placed_and_paid(shop):
    tee, mug = shop.variants("Tee", count=2)
    checkout = shop.checkout([(tee, 2), (mug, 1)])
    shop.pay(checkout)
    order = complete_checkout(checkout.token).order
    lines = list(order.lines.order_by("sort_order"))

    placed, paid = _events(order)
    assert (placed.type, placed.key) == ("order.placed", f"placed:{order.pk}")
    assert placed.payload == {
        "currency": "CNY",
        "channel": shop.china.slug,
        "country": "CN",
        "lines": [
            {"line_id": str(lines[0].pk), "quantity": 2},
            {"line_id": str(lines[1].pk), "quantity": 1},
        ],
    }
    assert placed.occurred_at == order.created_at
    assert (paid.type, paid.key) == ("order.paid", f"paid:{order.pk}")
    assert paid.payload == {"currency": "CNY", "amount": f"{order.total_gross_amount:.2f}"}
    assert placed.completed_at is None and placed.attempts == 0


def test_a_placement_rolled_back_leaves_no_event(shop):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    shop.pay(checkout)
    with transaction.atomic():
        complete_checkout(checkout.token)
        assert OutboxEvent.objects.count() == 2
        transaction.set_rollback(True)
    assert OutboxEvent.objects.count() == 0


def test_payment_after_placement_records_paid_once(shop):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    from marquee.merch.payments.services import initialize_transaction

    item = initialize_transaction(
        checkout, gateway_id="marquee.payments.offline", action="AUTHORIZATION"
    ).transaction
    order = complete_checkout(checkout.token).order
    assert [e.type for e in _events(order)] == ["order.placed"]

    cents = int(order.total_gross_amount * 100)
    webhook = {
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": "pi_test",
                "amount": cents,
                "amount_received": cents,
                "metadata": {"transaction_token": str(item.token)},
            }
        },
    }
    with transaction.atomic():
        assert stripe_events.handle(webhook) == stripe_events.APPLIED
    with transaction.atomic():
        stripe_events.handle(webhook)  # replayed: nothing new
    events = _events(order)
    assert [e.type for e in events] == ["order.placed", "order.paid"]
    assert events[1].payload == {"currency": "CNY", "amount": f"{order.total_gross_amount:.2f}"}


def test_payment_rolled_back_leaves_no_paid_event(shop):
    (tee,) = shop.variants("Tee")
    checkout = shop.checkout([(tee, 1)])
    from marquee.merch.payments.services import apply_provider_amounts, initialize_transaction

    item = initialize_transaction(
        checkout, gateway_id="marquee.payments.offline", action="AUTHORIZATION"
    ).transaction
    order = complete_checkout(checkout.token).order
    item.refresh_from_db()
    with transaction.atomic():
        apply_provider_amounts(
            item, charged_value=order.total_gross_amount, authorized_value=Decimal(0)
        )
        assert OutboxEvent.objects.filter(type="order.paid").count() == 1
        transaction.set_rollback(True)
    assert OutboxEvent.objects.filter(type="order.paid").count() == 0


def test_cancel_records_cancelled_once(shop):
    (tee,) = shop.variants("Tee")
    order = _place(shop, [(tee, 1)])
    services.cancel_order(order)
    services.cancel_order(order)
    (cancelled,) = [e for e in _events(order) if e.type == "order.cancelled"]
    assert (cancelled.key, cancelled.payload) == (f"cancelled:{order.pk}", {})


def test_fulfil_records_fulfilled_with_lines(shop):
    tee, mug = shop.variants("Tee", count=2)
    order = _place(shop, [(tee, 2), (mug, 3)])
    lines = list(order.lines.order_by("sort_order"))
    fulfillment = services.fulfil_order(order)
    (fulfilled,) = [e for e in _events(order) if e.type == "order.fulfilled"]
    assert fulfilled.key == f"fulfilled:{fulfillment.pk}"
    assert fulfilled.payload == {
        "fulfillment_id": str(fulfillment.pk),
        "lines": [
            {"line_id": str(lines[0].pk), "quantity": 2},
            {"line_id": str(lines[1].pk), "quantity": 3},
        ],
    }
    assert services.fulfil_order(order) is None  # nothing left to ship: no event
    assert len([e for e in _events(order) if e.type == "order.fulfilled"]) == 1


def test_refunds_record_per_line_amounts_that_add_up_to_the_line(shop):
    (tee,) = shop.variants("Tee", cny=Decimal("10.00"))
    order = _place(shop, [(tee, 3)])
    (line,) = order.lines.all()
    refunds = [services.request_refund(order, lines={str(line.pk): 1}) for _ in range(3)]
    events = [e for e in _events(order) if e.type == "order.refunded"]
    assert [e.key for e in events] == [f"refunded:{r.pk}" for r in refunds]
    first = events[0].payload
    assert first["refund_id"] == str(refunds[0].pk)
    assert first["currency"] == "CNY"
    assert Decimal(first["amount"]) == refunds[0].amount
    rows = [e.payload["lines"][0] for e in events]
    assert [(r["line_id"], r["quantity"]) for r in rows] == [(str(line.pk), 1)] * 3
    line.refresh_from_db()
    assert sum(Decimal(r["amount_gross"]) for r in rows) == line.total_price_gross_amount
    assert sum(Decimal(r["amount_net"]) for r in rows) == line.total_price_net_amount


def test_whole_order_refund_lists_every_line_refunded(shop):
    tee, mug = shop.variants("Tee", count=2)
    order = _place(shop, [(tee, 2), (mug, 1)])
    services.request_refund(order, lines={str(order.lines.order_by("sort_order")[0].pk): 1})
    services.request_refund(order)
    last = [e for e in _events(order) if e.type == "order.refunded"][-1].payload
    lines = list(order.lines.order_by("sort_order"))
    assert [(r["line_id"], r["quantity"]) for r in last["lines"]] == [
        (str(lines[0].pk), 1),
        (str(lines[1].pk), 1),
    ]


def test_cumulative_rounding_of_refunded_lines():
    class Line:
        pk = "l1"
        quantity = 3
        currency = "CNY"
        total_price_net_amount = Decimal("25.00")
        total_price_gross_amount = Decimal("25.00")

    steps = [
        outbox.refund_line(Line, already_refunded=before, quantity=1)["amount_net"]
        for before in range(3)
    ]
    assert steps == ["8.33", "8.34", "8.33"]


def test_recording_the_same_key_twice_keeps_one_event(shop):
    (tee,) = shop.variants("Tee")
    order = _place(shop, [(tee, 1)])
    first = outbox.record(order, "order.cancelled", key="cancelled:test", payload={})
    again = outbox.record(order, "order.cancelled", key="cancelled:test", payload={"x": 1})
    assert first is not None and again is None
    assert OutboxEvent.objects.get(key="cancelled:test").payload == {}
