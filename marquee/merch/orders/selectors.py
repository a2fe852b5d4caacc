"""Reads of orders: who may see which order."""

from __future__ import annotations

from ..models import Order


def is_staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_staff)


def owns(user, order: Order) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and order.user_id is not None
        and order.user_id == user.pk
    )


def orders_of(user):
    """A customer's own orders, newest first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Order.objects.none()
    return Order.objects.filter(user_id=user.pk)


def order_for_viewer(order_id, user) -> tuple[Order | None, bool]:
    """(order, full_access) for `order(id:)`.

    Staff and the owner see everything. A guest order (no account) is found
    by its unguessable id - that is how a guest reaches the confirmation
    page - but with personal data masked, as for `orderByToken`. Another
    customer's order is not found.
    """
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return None, False
    if is_staff(user) or owns(user, order):
        return order, True
    if order.user_id is None:
        return order, False
    return None, False


def order_by_token(token, user) -> tuple[Order | None, bool]:
    order = Order.objects.filter(token=token).first()
    if order is None:
        return None, False
    return order, is_staff(user) or owns(user, order)


def may_change_order(user, order: Order) -> bool:
    """Changing an order (its metadata, for instance) is for its owner and staff alone.

    Holding a guest order's id lets one read it masked, never change it.
    """
    return is_staff(user) or owns(user, order)


def order_for_change(order_id, user) -> Order | None:
    """The order this user may change, or None (absent and not theirs look the same)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or not may_change_order(user, order):
        return None
    return order
