"""Who may pay for what, and the row locks a payment takes: one rule, here.

A checkout is paid for by whoever holds its ID (`checkout.selectors`); an
order by whoever `order(id)` shows it to (its owner and staff, or anyone
holding a guest order's ID); a transaction by whoever may reach the checkout
or order it pays for. Another customer's order, and its transactions, are
not there (NOT_FOUND, as if they did not exist).

Locks: the source row (checkout or order) is locked only to record a
payment, never while a provider is called; when an order and one of its
transactions are both locked, the order is locked first (as refunds and
webhooks do), so they queue instead of deadlocking.
"""

from __future__ import annotations

from marquee.core.exceptions import DomainError

from ..checkout.selectors import checkout_for
from ..models import Checkout, Order, TransactionItem
from ..orders import selectors as order_selectors

KINDS = ("Checkout", "Order")


def payment_source(kind: str, key, requester) -> Checkout | Order | None:
    """The checkout or order a payment is for, as this requester may reach it; else None."""
    if kind == "Checkout":
        return checkout_for(key, requester)
    if kind == "Order":
        order, _ = order_selectors.order_for_viewer(key, requester)
        return order
    return None


def require_source(kind: str, key, requester, *, shown_id=None) -> Checkout | Order:
    found = payment_source(kind, key, requester) if key is not None else None
    if found is None:
        shown = shown_id if shown_id is not None else key
        raise DomainError.single(
            "NOT_FOUND", f"No checkout or order with ID {shown!r}.", field="id"
        )
    return found


def lock_source(source: Checkout | Order) -> None:
    """Lock the source row for the caller's transaction; NOT_FOUND if it is gone meanwhile.

    A checkout disappears when it is completed: the payment then belongs to
    the order, and the client starts again from there.
    """
    model = Checkout if isinstance(source, Checkout) else Order
    if not model.objects.select_for_update(of=("self",)).filter(pk=source.pk).values("pk"):
        raise DomainError.single(
            "NOT_FOUND",
            "The checkout was completed or removed meanwhile; nothing was recorded.",
            field="id",
        )


def transaction_for(token, requester) -> TransactionItem | None:
    """A transaction, for whoever may reach the checkout or order it pays for."""
    if token is None:
        return None
    item = TransactionItem.objects.filter(token=token).first()
    if item is None:
        return None
    if item.checkout_id is not None:
        return item if payment_source("Checkout", item.checkout_id, requester) else None
    if item.order_id is not None:
        return item if payment_source("Order", item.order_id, requester) else None
    return None


def lock_transaction(item: TransactionItem) -> TransactionItem:
    """The transaction re-read under its lock, its order (if any) locked first."""
    if item.order_id:
        list(Order.objects.select_for_update(of=("self",)).filter(pk=item.order_id).values("pk"))
    return TransactionItem.objects.select_for_update().get(pk=item.pk)
