"""A closed quarter of demo sales, played through the shop's own services at their dates.

Nothing here writes an order, a snapshot or a ledger entry itself: each
order of `data/sales.toml` goes through checkout, the offline test gateway
and placement with the clock moved to the order's date (time-machine, for
this loader only), so the licence gate, the per-line snapshots, the outbox
and the royalty ledger see what a real sale of that day would have been.
Then the last calendar quarter that ended before today is closed through
`close_period`, which issues the licensors' statements (and their files).

It needs the offline test gateway (`OFFLINE_PAYMENTS_ENABLED`, which `make
run` and the tests turn on); without it the sales are skipped and the load
says so.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marquee.licensing.services import royalty_terms
from marquee.licensing.statements.close import close_period, run_close
from marquee.licensing.statements.periods import period_of
from marquee.merch.checkout import services as checkout
from marquee.merch.models import Order, ProductVariant, ShippingMethod
from marquee.merch.orders.placement import complete_checkout
from marquee.merch.orders.services import request_refund
from marquee.merch.outbox import dispatch
from marquee.merch.payments.gateways.offline import OfflineGateway
from marquee.merch.payments.services import initialize_transaction

from . import files

MARKER_NOTE = "Demo sale"


def last_closed_quarter(today: date) -> tuple[date, date]:
    """The calendar quarter before the one `today` is in."""
    this_quarter, _ = period_of(3, today)
    return period_of(3, this_quarter - timedelta(days=1))


def sales_loaded() -> bool:
    return Order.objects.filter(customer_note=MARKER_NOTE).exists()


def _variant(stem: str) -> ProductVariant:
    return ProductVariant.objects.filter(sku__startswith=f"{stem}-").order_by(
        "sort_order", "pk"
    ).first() or ProductVariant.objects.get(sku=stem)


def _place(spec: dict, address: dict, email: str):
    variants = {line["product"]: _variant(line["product"]) for line in spec["lines"]}
    started = checkout.create_checkout(
        checkout.NewCheckout(
            channel_slug=spec["channel"],
            email=email,
            lines=[
                checkout.LineInput(
                    variant_id=variants[line["product"]].pk, quantity=line["quantity"]
                )
                for line in spec["lines"]
            ],
            shipping_address=dict(address),
            billing_address=dict(address),
        )
    )
    method = (
        ShippingMethod.objects.filter(zone__countries__contains=address["country"])
        .order_by("pk")
        .first()
    )
    started = checkout.set_delivery_method(started, method.pk)
    initialize_transaction(started, gateway_id=OfflineGateway.id)
    placed = complete_checkout(started.token, customer_note=MARKER_NOTE)
    order = placed.order
    if spec.get("refund"):
        by_variant = {line.variant_id: line for line in order.lines.all()}
        request_refund(
            order,
            lines={
                str(by_variant[variants[item["product"]].pk].pk): item["quantity"]
                for item in spec["refund"]
            },
            restock=True,
        )
    return order


def _rates_for(day: date, rates: list[dict]) -> None:
    source = files.read("licensing")["exchange_rate_source"]
    for spec in rates:
        royalty_terms.set_exchange_rate(
            source=source,
            base=spec["base"],
            quote=spec["quote"],
            on=day,
            rate=Decimal(spec["rate"]),
        )


def write_sales(data: dict, today: date, log) -> dict[str, int]:
    """Play the quarter's orders, then close it; counts of what was made."""
    if not settings.OFFLINE_PAYMENTS_ENABLED:
        log("Demo sales need the offline test gateway (OFFLINE_PAYMENTS_ENABLED=1); skipped.")
        return {}
    start, end = last_closed_quarter(today)
    tz = timezone.get_current_timezone()
    orders = 0
    for spec in data["orders"]:
        moment = datetime.combine(start + timedelta(days=spec["day"]), time(spec["hour"]), tz)
        if moment.date() > end:
            continue
        with time_machine.travel(moment, tick=False), transaction.atomic():
            _rates_for(moment.date(), data["exchange_rates"])
            _place(spec, data["address"][spec["ship_to"]], data["buyer_email"])
        orders += 1
    # Whether or not the caller's transaction has committed (a test loads the
    # demo inside one), deliver the sales' order events and close the
    # quarter now; both are idempotent, so the on-commit delivery and the
    # queued close task that follow change nothing.
    dispatch.sweep(grace=timedelta(0))
    _rates_for(end, data["exchange_rates"])  # sales figures convert at the period's end
    done = close_period(start, end)
    close = run_close(done.close.pk)
    log(f"Closed {start}–{end}: {close.licensors_done} licensors' statements ({close.status}).")
    return {"demo orders": orders, "closed quarters": 1}
