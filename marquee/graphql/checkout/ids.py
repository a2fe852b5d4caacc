"""Checkout and checkout-line IDs: global IDs around UUIDs (`base64("Checkout:<uuid>")`)."""

from __future__ import annotations

import binascii
import uuid

from graphql_relay import from_global_id, to_global_id

from marquee.core.exceptions import DomainError

__all__ = ["checkout_global_id", "decode_uuid_id", "line_global_id", "to_global_id"]


def checkout_global_id(token) -> str:
    return to_global_id("Checkout", str(token))


def line_global_id(line_id) -> str:
    return to_global_id("CheckoutLine", str(line_id))


def parse_uuid_id(global_id, expected_type: str) -> uuid.UUID | None:
    """The UUID inside a global ID of the expected type, or None if it is not one."""
    try:
        type_name, raw = from_global_id(str(global_id))
        if type_name == expected_type:
            return uuid.UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        pass
    return None


def decode_uuid_id(global_id, expected_type: str, field: str) -> uuid.UUID:
    parsed = parse_uuid_id(global_id, expected_type)
    if parsed is None:
        raise DomainError.single(
            "INVALID",
            f"Couldn't resolve {field} {global_id!r}: expected an ID of type {expected_type}.",
            field=field,
        )
    return parsed


def decode_int_id(global_id, expected_types: tuple[str, ...], field: str, **extra) -> int:
    try:
        type_name, raw = from_global_id(str(global_id))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        type_name, raw = "", ""
    if type_name not in expected_types or not raw.isdigit() or len(raw) > 18:
        raise DomainError.single(
            "INVALID",
            f"Couldn't resolve {field} {global_id!r}: expected an ID of type "
            f"{' or '.join(expected_types)}.",
            field=field,
            **extra,
        )
    return int(raw)
