"""Introspection off in production: a validation rule refusing `__schema` and `__type`.

The schema is no secret to a storefront developer, but handing its full map
(every staff-only mutation and input) to anyone who asks makes probing the
API cheaper. GRAPHQL_INTROSPECTION_ENABLED (default: DEBUG) turns it on;
`__typename` is always answered, since clients (Apollo, urql) add it to
every selection.
"""

from graphql import GraphQLError, ValidationRule

from .errors import ErrorCode

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class NoIntrospection(ValidationRule):
    def enter_field(self, node, *_args):
        if node.name.value in INTROSPECTION_FIELDS:
            self.report_error(
                GraphQLError(
                    f"Introspection (`{node.name.value}`) is disabled on this server "
                    "(GRAPHQL_INTROSPECTION_ENABLED).",
                    node,
                    extensions={"exception": {"code": ErrorCode.INTROSPECTION_DISABLED}},
                )
            )
