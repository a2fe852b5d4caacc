"""Limits on what one request may ask for: depth, cost and batch size.

A public API answers anybody, so a single request must not be able to ask
for unbounded work. Depth and cost are checked on the parsed document before
anything executes; each rejection names the limit it hit.

Cost follows Saleor's rule of thumb: every field costs 1 plus the cost of its
selection, and a connection's selection is multiplied by `first`/`last`.
"""

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    VariableNode,
)

from .errors import ErrorCode


def _selections(node, fragments, visiting):
    for selection in node.selection_set.selections if node.selection_set else []:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _selections(selection, fragments, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:
                continue
            yield from _selections(fragment, fragments, visiting | {name})


def _depth(node, fragments, visiting=frozenset()) -> int:
    children = list(_selections(node, fragments, visiting))
    if not children:
        return 0
    return 1 + max(_depth(child, fragments, visiting) for child in children)


def _multiplier(field: FieldNode, variables: dict) -> int:
    for argument in field.arguments or []:
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(int(value.value), 1)
        if isinstance(value, VariableNode):
            resolved = variables.get(value.name.value)
            if isinstance(resolved, int) and not isinstance(resolved, bool):
                return max(resolved, 1)
    return 1


def _cost(node, fragments, variables, visiting=frozenset()) -> int:
    total = 0
    for child in _selections(node, fragments, visiting):
        total += 1 + _multiplier(child, variables) * _cost(child, fragments, variables, visiting)
    return total


def _variable_defaults(operation: OperationDefinitionNode, variables: dict) -> dict:
    merged = {}
    for definition in operation.variable_definitions or []:
        default = definition.default_value
        if isinstance(default, IntValueNode):
            merged[definition.variable.name.value] = int(default.value)
    merged.update(variables or {})
    return merged


def _error(message, code, node):
    return GraphQLError(message, nodes=[node], extensions={"exception": {"code": code}})


def check_limits(document, variables: dict | None) -> list[GraphQLError]:
    """Depth and cost errors of every operation in a parsed document."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    errors = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        max_depth = settings.GRAPHQL_QUERY_MAX_DEPTH
        depth = _depth(definition, fragments)
        if depth > max_depth:
            errors.append(
                _error(
                    f"Query depth {depth} exceeds the maximum depth of {max_depth} "
                    "(GRAPHQL_QUERY_MAX_DEPTH).",
                    ErrorCode.QUERY_TOO_DEEP,
                    definition,
                )
            )
            continue
        max_cost = settings.GRAPHQL_QUERY_MAX_COMPLEXITY
        cost = _cost(definition, fragments, _variable_defaults(definition, variables))
        if cost > max_cost:
            errors.append(
                _error(
                    f"Query cost {cost} exceeds the maximum complexity of {max_cost} "
                    "(GRAPHQL_QUERY_MAX_COMPLEXITY): ask for fewer items or fields.",
                    ErrorCode.QUERY_TOO_COMPLEX,
                    definition,
                )
            )
    return errors
