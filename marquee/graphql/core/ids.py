"""Global IDs in Saleor's format: base64("TypeName:pk")."""

import binascii

from graphql_relay import from_global_id, to_global_id

from .errors import ErrorCode, client_error

__all__ = ["decode_global_id", "decode_global_ids", "to_global_id"]


def decode_global_id(global_id: str, expected_type: str, field: str = "id") -> int:
    """The primary key behind a global ID, or a client error naming the field.

    A well-formed ID of another type is rejected the same way as a malformed
    one, so an ID never reveals more than "not a <type> ID".
    """
    try:
        type_name, pk = from_global_id(global_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        type_name, pk = "", ""
    if type_name != expected_type or not pk.isdigit() or len(pk) > 18:
        raise client_error(
            f"Couldn't resolve {field} {global_id!r}: expected an ID of type {expected_type}.",
            ErrorCode.INVALID_ID,
        )
    return int(pk)


def decode_global_ids(global_ids, expected_type: str, field: str) -> list[int]:
    return [decode_global_id(gid, expected_type, field) for gid in global_ids or []]
