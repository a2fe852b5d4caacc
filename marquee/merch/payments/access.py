"""Who may pay for what, and the row locks a payment takes: one rule, here.

A checkout is paid for by whoever holds its ID (`checkout.selectors`); an
order by whoever `order(id)` shows it to (its owner and staff, or anyone
holding a guest order's ID); a transaction by whoever may reach the checkout
or order it pays for. Another customer's order, and its transactions, are
not there (NOT_FOUND, as if they did not exist). A source of a registered
kind (`sources`) is reached as its kind's `find` says.

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
from . import sources

KINDS = ("Checkout", "Order")


def is_kind(kind) -> bool:
    """Whether a global ID's type names something payable (checkout, order or registered)."""
    return kind in KINDS or sources.find_kind(kind) is not None


def payment_source(kind: str, key, requester):
    """The checkout, order or registered source a payment is for, as this requester may reach it.

    None when there is none for this requester.
    """
    if kind == "Checkout":
        return checkout_for(key, requester)
    if kind == "Order":
        order, _ = order_selectors.order_for_viewer(key, requester)
        return order
    return sources.find(kind, key, requester)


def require_source(kind: str, key, requester, *, shown_id=None) -> Checkout | Order:
    found = payment_source(kind, key, requester) if key is not None else None
    if found is None:
        shown = shown_id if shown_id is not None else key
        raise DomainError.single(
            "NOT_FOUND", f"No checkout or order with ID {shown!r}.", field="id"
        )
    return found


def lock_source(source):
    """Lock the source row for the caller's transaction; NOT_FOUND if it is gone meanwhile.

    A checkout disappears when it is completed: the payment then belongs to
    the order, and the client starts again from there.
    """
    if isinstance(source, sources.Payable):
        locked = sources.find_kind(source.kind).lock(source.key)
        if locked is None:
            raise DomainError.single(
                "NOT_FOUND", "What this payment was for is gone; nothing was recorded.", field="id"
            )
        return locked
    model = Checkout if isinstance(source, Checkout) else Order
    if not model.objects.select_for_update(of=("self",)).filter(pk=source.pk).values("pk"):
        raise DomainError.single(
            "NOT_FOUND",
            "The checkout was completed or removed meanwhile; nothing was recorded.",
            field="id",
        )
    return source


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
    if item.source_kind:
        return item if sources.find(item.source_kind, item.source_key, requester) else None
    return None


def lock_transaction(item: TransactionItem) -> TransactionItem:
    """The transaction re-read under its lock, its order (if any) locked first."""
    if item.order_id:
        list(Order.objects.select_for_update(of=("self",)).filter(pk=item.order_id).values("pk"))
    return TransactionItem.objects.select_for_update().get(pk=item.pk)
