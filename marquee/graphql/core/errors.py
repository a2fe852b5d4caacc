"""Errors a client can cause, with stable codes.

Query errors carry `extensions.exception.code` the way Saleor's do, so a
storefront can branch on the code rather than the message. Mutation payloads
use `errors { field code message }` (added with the first mutation).
"""

from graphql import GraphQLError


class ErrorCode:
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    INVALID_ID = "INVALID_ID"
    INVALID_CURSOR = "INVALID_CURSOR"
    REQUIRED = "REQUIRED"
    PAGINATION_LIMIT = "PAGINATION_LIMIT"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    BATCH_TOO_LARGE = "BATCH_TOO_LARGE"
    TOO_MANY_ROOT_FIELDS = "TOO_MANY_ROOT_FIELDS"
    TOO_MANY_ROOT_MUTATIONS = "TOO_MANY_ROOT_MUTATIONS"
    TOO_MANY_CONNECTIONS = "TOO_MANY_CONNECTIONS"
    TOO_MANY_SENSITIVE_OPERATIONS = "TOO_MANY_SENSITIVE_OPERATIONS"
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
    JSON_TOO_DEEP = "JSON_TOO_DEEP"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    CHANNEL_INACTIVE = "CHANNEL_INACTIVE"


def client_error(message: str, code: str = ErrorCode.INVALID, nodes=None) -> GraphQLError:
    return GraphQLError(message, nodes=nodes, extensions={"exception": {"code": code}})


def not_found(kind: str, by: str, value) -> GraphQLError:
    return client_error(f"{kind} with {by} {value!r} does not exist.", ErrorCode.NOT_FOUND)
