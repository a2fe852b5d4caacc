"""Who may read or write what, as the domain decides it (`licensing.selectors.may_*`).

This module only turns a refusal into the API's error: PERMISSION_DENIED.

Reads start from the scoped querysets of `marquee.licensing.selectors`; an
object outside the viewer's scope is answered exactly like one that does
not exist (same code, same message shape), so IDs reveal nothing.
"""

from __future__ import annotations

from graphql import GraphQLError

from marquee.core.exceptions import DomainError
from marquee.licensing import selectors

from ..core.auth import PERMISSION_DENIED, current_user
from ..core.errors import ErrorCode, client_error, not_found
from ..core.ids import decode_global_id

DENIED_MESSAGE = "You do not have permission to see or change licensing data."


def viewer(info) -> selectors.Viewer:
    """The viewer; a stale or forged token answers with its JWT_* code.

    That code tells a licensor's portal to refresh the token, where
    PERMISSION_DENIED would tell it to give up.
    """
    current_user(info)
    return selectors.viewer_for(getattr(info.context, "user", None))


def readable(info) -> selectors.Viewer:
    """The viewer, if it may read licensing data at all (staff or a licensor's user)."""
    current = viewer(info)
    if not selectors.may_see_register(current):
        raise client_error(DENIED_MESSAGE, PERMISSION_DENIED)
    return current


def staff(info) -> selectors.Viewer:
    current = viewer(info)
    if not selectors.may_change_register(current):
        raise DomainError.single(PERMISSION_DENIED, "Only staff can do this.")
    return current


def licensor_user(info) -> selectors.Viewer:
    current = viewer(info)
    if not selectors.may_decide_approvals(current):
        raise DomainError.single(
            PERMISSION_DENIED, "Only the licensor's own users can approve or reject products."
        )
    return current


def get_or_not_found(find, current, global_id: str, type_name: str, field: str = "id"):
    """The object behind a global ID within the viewer's scope, or NOT_FOUND.

    A malformed ID and an ID of another licensor's object both come back as
    NOT_FOUND with the same message shape as an ID nobody has.
    """
    try:
        pk = decode_global_id(global_id, type_name, field)
    except Exception:  # noqa: BLE001 - any undecodable ID is simply "not found"
        pk = None
    found = find(current, pk) if pk is not None else None
    if found is None:
        raise not_found(type_name, field, global_id)
    return found


def mutation_target(find, current, global_id: str, type_name: str, field: str = "id"):
    """As `get_or_not_found`, as a mutation error (`errors { field code message }`)."""
    try:
        return get_or_not_found(find, current, global_id, type_name, field)
    except GraphQLError as error:
        raise DomainError.single(ErrorCode.NOT_FOUND, str(error), field) from None
