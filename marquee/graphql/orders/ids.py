"""Global IDs around UUID primary keys (orders, order lines, checkouts, transactions)."""

from __future__ import annotations

import binascii
import uuid

from graphql_relay import from_global_id


def parse_uuid(global_id) -> tuple[str, uuid.UUID | None]:
    """(type name, UUID) of a global ID; ("", None) when it is not one."""
    try:
        type_name, raw = from_global_id(str(global_id))
        return type_name, uuid.UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        return "", None
