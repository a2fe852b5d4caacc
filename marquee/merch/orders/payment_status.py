"""An order's payment figures, derived from its transactions and nothing else.

`charged` is what the provider holds after refunds (Saleor's charged
amount); `refunded` what went back. The stored charge status is kept for
listing and filtering; Saleor's statuses (`order_charge_status`,
`order_payment_status`, `authorize_status`), "is it paid" and the balance
are derived here, once, for the API and any web view alike.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from ..models import ChargeStatus, Order, TransactionItem

# Saleor's OrderChargeStatus for each stored status: what the provider holds
# now, so a refunded order is no longer charged.
_SALEOR_CHARGE = {
    ChargeStatus.NONE: "NONE",
    ChargeStatus.PARTIAL: "PARTIAL",
    ChargeStatus.FULL: "FULL",
    ChargeStatus.OVERCHARGED: "OVERCHARGED",
    ChargeStatus.PARTIALLY_REFUNDED: "PARTIAL",
    ChargeStatus.REFUNDED: "NONE",
}
# Saleor's older PaymentChargeStatusEnum (`Order.paymentStatus`) and its display text.
_SALEOR_PAYMENT = {
    ChargeStatus.NONE: ("NOT_CHARGED", "Not charged"),
    ChargeStatus.PARTIAL: ("PARTIALLY_CHARGED", "Partially charged"),
    ChargeStatus.FULL: ("FULLY_CHARGED", "Fully charged"),
    ChargeStatus.OVERCHARGED: ("FULLY_CHARGED", "Fully charged"),
    ChargeStatus.PARTIALLY_REFUNDED: ("PARTIALLY_REFUNDED", "Partially refunded"),
    ChargeStatus.REFUNDED: ("FULLY_REFUNDED", "Fully refunded"),
}


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


def order_charge_status(order: Order) -> str:
    """Saleor's OrderChargeStatus (NONE, PARTIAL, FULL, OVERCHARGED) of an order."""
    return _SALEOR_CHARGE[order.charge_status]


def order_payment_status(order: Order) -> tuple[str, str]:
    """Saleor's PaymentChargeStatusEnum name of an order, and its display text."""
    return _SALEOR_PAYMENT[order.charge_status]


def order_is_paid(order: Order) -> bool:
    return order.total_charged_amount >= order.total_gross_amount


def order_balance(order: Order) -> Decimal:
    """Charged less what is owed after refunds: negative while money is still owed (Saleor)."""
    return order.total_charged_amount - (order.total_gross_amount - order.total_refunded_amount)


def checkout_balance(total: Decimal, charged: Decimal) -> Decimal:
    """Charged less the checkout's total: negative while money is still owed (Saleor)."""
    return charged - total


def authorize_status(total: Decimal, covered: Decimal) -> str:
    """NONE, PARTIAL or FULL: how much of `total` is held or already charged (`covered`)."""
    if covered <= 0:
        return "NONE"
    return "FULL" if covered >= total else "PARTIAL"


def order_authorize_status(order: Order, transactions) -> str:
    """Saleor's OrderAuthorizeStatus from the order's transactions (authorized + charged)."""
    covered = sum((t.authorized_value + t.charged_value for t in transactions), Decimal(0))
    return authorize_status(order.total_gross_amount, covered)


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
    return charge, authorize_status(total, charged + authorized)
