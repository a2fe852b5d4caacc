"""Thin resolvers: selectors decide access, pagination shapes the answer."""

from __future__ import annotations

from marquee.merch.orders import selectors

from ..core.pagination import Page, decode_typed_cursor, encode_cursor, validate_page_args
from ..core.types import connection_from_page
from .ids import parse_uuid
from .types import OrderCountableConnection, OrderView


def resolve_user_orders(info, user, first=None, after=None, last=None, before=None):
    """`me.orders`: the user's orders, newest first.

    Keyset pagination on the order number alone (unique, and an integer,
    where the shared paginator would add the UUID primary key to cursors).
    """
    page = _page_by_number(selectors.orders_of(user), first, after, last, before)
    return connection_from_page(
        OrderCountableConnection, page, wrap=lambda order: OrderView(order, True)
    )


def resolve_order(info, global_id):
    type_name, order_id = parse_uuid(global_id)
    if type_name != "Order" or order_id is None:
        return None
    order, full_access = selectors.order_for_viewer(order_id, info.context.user)
    return OrderView(order, full_access) if order is not None else None


def resolve_order_by_token(info, token):
    order, full_access = selectors.order_by_token(token, info.context.user)
    return OrderView(order, full_access) if order is not None else None


def _page_by_number(queryset, first, after, last, before) -> Page:
    validate_page_args("orders", first, last, after, before)
    base = queryset
    if after:
        (number,) = decode_typed_cursor(after, queryset, ["number"])
        base = base.filter(number__lt=number)
    if before:
        (number,) = decode_typed_cursor(before, queryset, ["number"])
        base = base.filter(number__gt=number)
    forward = last is None
    size = first if forward else last
    rows = list(base.order_by("-number" if forward else "number")[: size + 1]) if size else []
    has_more = len(rows) > size if size else False
    rows = rows[:size] if size else []
    if not forward:
        rows.reverse()
    return Page(
        rows=rows,
        cursors=[encode_cursor([row.number]) for row in rows],
        has_next_page=has_more if forward else bool(before),
        has_previous_page=bool(after) if forward else has_more,
        queryset=queryset,
    )
