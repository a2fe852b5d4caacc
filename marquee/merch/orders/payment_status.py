"""An order's payment figures, derived from its transactions and nothing else.

`charged` is what the provider holds after refunds (Saleor's charged
amount); `refunded` what went back. The stored charge status is kept for
listing and filtering; the API derives Saleor's enums from it.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from ..models import ChargeStatus, Order, TransactionItem


def charge_status(total: Decimal, charged: Decimal, refunded: Decimal) -> str:
    if refunded > 0 and charged <= 0:
        return ChargeStatus.REFUNDED
    if refunded > 0:
        return ChargeStatus.PARTIALLY_REFUNDED
    if charged <= 0:
        return ChargeStatus.NONE
    if charged < total:
        return ChargeStatus.PARTIAL
    if charged == total:
        return ChargeStatus.FULL
    return ChargeStatus.OVERCHARGED


def transaction_sums(**filters) -> dict[str, Decimal]:
    sums = TransactionItem.objects.filter(**filters).aggregate(
        charged=Sum("charged_value"),
        authorized=Sum("authorized_value"),
        refunded=Sum("refunded_value"),
    )
    return {key: value or Decimal(0) for key, value in sums.items()}


def refresh(order: Order) -> tuple[str, str]:
    """Recompute the order's charged/refunded totals; returns (old, new) status.

    The caller holds the order row lock (select_for_update), so two webhooks
    for the same order cannot interleave their read-modify-write.
    """
    sums = transaction_sums(order=order)
    old = order.charge_status
    order.total_charged_amount = sums["charged"]
    order.total_refunded_amount = sums["refunded"]
    order.charge_status = charge_status(order.total_gross_amount, sums["charged"], sums["refunded"])
    order.save(
        update_fields=[
            "total_charged_amount",
            "total_refunded_amount",
            "charge_status",
            "updated_at",
        ]
    )
    return old, order.charge_status


def checkout_payment_status(
    total: Decimal, charged: Decimal, authorized: Decimal
) -> tuple[str, str]:
    """(charge status, authorize status) of a checkout, in Saleor's terms.

    A storefront reads these to know whether the checkout is paid enough to
    complete: authorized covers money held or already charged.
    """
    if charged <= 0:
        charge = "NONE"
    elif charged < total:
        charge = "PARTIAL"
    elif charged == total:
        charge = "FULL"
    else:
        charge = "OVERCHARGED"
    covered = charged + authorized
    if covered <= 0:
        authorize = "NONE"
    elif covered < total:
        authorize = "PARTIAL"
    else:
        authorize = "FULL"
    return charge, authorize
