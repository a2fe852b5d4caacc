"""A GET only reads: mutations (and subscriptions) must come by POST.

GET is a safe method: browsers prefetch it, crawlers follow it, caches and
CDNs may replay it, and a link or an image tag can make a victim's browser
send one. So an operation that changes something is refused before it is
run, with 405 and `Allow: POST` as HTTP says, and a GraphQL error body with
a stable code so a client can tell why.
"""

from __future__ import annotations

from graphql import OperationType, get_operation_ast

from .refusals import RefusedRequest

METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def refuse_writes(method: str, document, operation_name) -> None:
    """Raise `RefusedRequest` (405) if a GET's operation is not a query.

    `document` is the parsed document, or None when it did not parse (the
    usual syntax error follows). An operation that cannot be chosen (an
    unknown name, several without a name) runs nothing and is reported as
    usual.
    """
    if method not in READ_ONLY_METHODS or document is None:
        return
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is OperationType.QUERY:
        return
    kind = operation.operation.value
    raise RefusedRequest(
        f"A {kind} must be sent with POST: a GET request only reads.",
        METHOD_NOT_ALLOWED,
        status=405,
        headers={"Allow": "POST"},
    )
