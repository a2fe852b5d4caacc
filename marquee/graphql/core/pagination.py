"""Keyset pagination for relay connections.

Cursors encode the sort key values of the row they point at, so a page stays
correct while rows are inserted before it (an offset would skip or repeat
rows during a drop). Every connection takes `first` or `last`, at most
`GRAPHQL_PAGINATION_LIMIT` (100, as Saleor).
"""

from __future__ import annotations

import base64
import binascii
import decimal
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q, QuerySet

from .errors import ErrorCode, client_error


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass
class Page:
    rows: list
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    queryset: QuerySet | None
    count: int | None = None

    def total_count(self) -> int:
        if self.count is None:
            self.count = self.queryset.order_by().count()
        return self.count


def _encode_value(value: Any):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    return value


def encode_cursor(values: list) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _invalid_cursor(cursor: str):
    return client_error(
        f"Invalid cursor {cursor[:64]!r}: not a cursor of this connection and sort order.",
        ErrorCode.INVALID_CURSOR,
    )


def decode_cursor(cursor: str, expected_length: int) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (binascii.Error, UnicodeError, ValueError, TypeError, RecursionError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != expected_length
        or not all(isinstance(v, str | int | float | bool) for v in values)
    ):
        raise _invalid_cursor(cursor)
    return values


def _sort_field(queryset: QuerySet, name: str):
    """The model field or annotation a sort key reads, to type-check cursor values."""
    if name == "pk":
        return queryset.model._meta.pk
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    try:
        return queryset.model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def decode_typed_cursor(cursor: str, queryset: QuerySet, fields: list[str]) -> list:
    """Cursor values converted to the types of the fields they compare with.

    A cursor is client input: a value of the wrong type or out of the
    column's range (`"x"` for an id, NaN, 1e30) would otherwise reach the
    SQL and fail there, so it is refused here as INVALID_CURSOR.
    """
    values = decode_cursor(cursor, len(fields))
    typed = []
    for name, value in zip(fields, values, strict=True):
        field = _sort_field(queryset, name)
        if field is None:
            typed.append(value)
            continue
        if isinstance(value, bool) or (isinstance(value, float) and value != value):
            raise _invalid_cursor(cursor)
        try:
            typed.append(field.clean(value, None))
        except (ValidationError, TypeError, ValueError, OverflowError, decimal.InvalidOperation):
            raise _invalid_cursor(cursor) from None
    return typed


def validate_page_args(connection: str, first, last, after=None, before=None) -> None:
    limit = settings.GRAPHQL_PAGINATION_LIMIT
    if first is None and last is None:
        raise client_error(
            f"You must provide a `first` or `last` value to properly paginate the "
            f"`{connection}` connection.",
            ErrorCode.REQUIRED,
        )
    if first is not None and last is not None:
        raise client_error(
            f"Passing both `first` and `last` to paginate the `{connection}` connection is not "
            "supported.",
            ErrorCode.INVALID,
        )
    for name, value in (("first", first), ("last", last)):
        if value is None:
            continue
        if value < 0:
            raise client_error(
                f"Argument `{name}` on the `{connection}` connection cannot be less than zero.",
                ErrorCode.INVALID,
            )
        if value > limit:
            raise client_error(
                f"Requesting {value} records on the `{connection}` connection exceeds the "
                f"`{name}` limit of {limit} records.",
                ErrorCode.PAGINATION_LIMIT,
            )


def _after_q(keys: list[SortKey], values: list, reverse: bool) -> Q:
    """Rows strictly after `values` in the order `keys` (or before, if reverse)."""
    condition = Q()
    equal_so_far = Q()
    for key, value in zip(keys, values, strict=True):
        descending = key.descending != reverse
        lookup = "lt" if descending else "gt"
        condition |= equal_so_far & Q(**{f"{key.field}__{lookup}": value})
        equal_so_far &= Q(**{key.field: value})
    return condition


def paginate(
    queryset: QuerySet,
    *,
    connection: str,
    sort_keys: list[SortKey],
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
) -> Page:
    validate_page_args(connection, first, last, after, before)
    keys = [*sort_keys, SortKey("pk", sort_keys[-1].descending if sort_keys else False)]
    fields = [k.field for k in keys]
    base = queryset
    if after:
        values = decode_typed_cursor(after, queryset, fields)
        base = base.filter(_after_q(keys, values, reverse=False))
    if before:
        values = decode_typed_cursor(before, queryset, fields)
        base = base.filter(_after_q(keys, values, reverse=True))

    forward = last is None
    # Walking backwards (`last`) reads the reversed order, then flips the page.
    order = [("-" if k.descending == forward else "") + k.field for k in keys]
    size = first if forward else last
    rows = list(base.order_by(*order)[: size + 1]) if size else []
    has_more = len(rows) > size if size else False
    rows = rows[:size] if size else []
    if not forward:
        rows.reverse()
    cursors = [encode_cursor([_value(row, f) for f in fields]) for row in rows]
    return Page(
        rows=rows,
        cursors=cursors,
        has_next_page=has_more if forward else bool(before),
        has_previous_page=bool(after) if forward else has_more,
        queryset=queryset,
    )


def _value(row, field: str):
    return row.pk if field == "pk" else getattr(row, field)


def paginate_list(
    items: list,
    *,
    connection: str,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
) -> Page:
    """Paginate rows already loaded (by a DataLoader), with the same cursor format.

    The cursor holds the row's primary key; the list's own order is the sort.
    """
    validate_page_args(connection, first, last, after, before)
    positions = {row.pk: index for index, row in enumerate(items)}
    start, stop = 0, len(items)
    if after:
        (pk,) = decode_cursor(after, 1)
        start = positions[pk] + 1 if pk in positions else len(items)
    if before:
        (pk,) = decode_cursor(before, 1)
        stop = positions.get(pk, 0)
    window = items[start:stop]
    if first is not None:
        rows = window[:first]
        has_next, has_previous = len(window) > first, start > 0
    else:
        rows = window[max(len(window) - last, 0) :] if last else []
        has_next, has_previous = stop < len(items), len(window) > len(rows)
    return Page(
        rows=rows,
        cursors=[encode_cursor([row.pk]) for row in rows],
        has_next_page=has_next,
        has_previous_page=has_previous,
        queryset=None,
        count=len(items),
    )
