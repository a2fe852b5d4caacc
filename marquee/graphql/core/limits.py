"""Limits on what one request may ask for, checked before anything executes.

A public API answers anybody, so a single request must not be able to ask
for unbounded work. Each rejection names the limit it hit and carries a
stable code. The limits hold per request, not per operation: a batch of ten
operations shares one budget, or batching would multiply every limit by
GRAPHQL_MAX_BATCH_SIZE.

- **Depth** of each operation (GRAPHQL_QUERY_MAX_DEPTH).
- **Cost**, by Saleor's model, so that what Saleor serves a client is not
  refused here: the price of every field and the arguments that multiply
  it are data (`query_costs.toml`); a priced field costs its complexity
  times the multipliers on its path (`first`/`last` of the connections
  above it and its own), unpriced fields (scalars, in-memory values) cost
  nothing of their own. Arguments are costed as graphql-core coerces them
  (so `{"n": 100.0}` costs what `100` costs, because it runs as 100), per
  operation (GRAPHQL_QUERY_MAX_COMPLEXITY) and summed over the request
  (GRAPHQL_REQUEST_MAX_COMPLEXITY).
- **Aliases** per document (GRAPHQL_MAX_ALIASES, Saleor's 100 by default).
  Scalars are free in the cost model, and without aliases a selection
  cannot repeat a field (same-named fields merge), so the number of fields
  an object resolves is bounded by its type; aliases are what would let a
  cheap document resolve a free field thousands of times under a page of
  100. Counted per document as Saleor counts them, so a batch Saleor would
  serve is served; a batch holds at most GRAPHQL_MAX_BATCH_SIZE documents.
- **Root fields and connections.** A cheap-looking field can still run
  SQL: root fields each resolve on their own, and every connection field
  runs its own statements however small its page. Aliases make them cheap
  to repeat, so their number per request is capped (GRAPHQL_MAX_ROOT_FIELDS,
  GRAPHQL_MAX_ROOT_MUTATIONS, GRAPHQL_MAX_CONNECTIONS). Connections nested
  under a list are counted once per field, not per parent, because
  DataLoaders fetch them for all parents at once.
- **Sensitive mutations** (password hashing, emails, login attempts) at most
  once per request, or aliases would let one request guess passwords or
  burn CPU on hashing many times over.
- **JSON depth** of the body and of `variables`, before decoding, so nested
  brackets cannot exhaust the parser's recursion.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    Undefined,
    get_named_type,
)
from graphql.execution.values import get_argument_values, get_variable_values

from .errors import ErrorCode

# Mutations that hash a password, check one, or send an email: each is
# allowed once per request, whatever the aliases and batch entries.
SENSITIVE_MUTATIONS = frozenset(
    {
        "tokenCreate",
        "tokenRefresh",
        "passwordChange",
        "setPassword",
        "requestPasswordReset",
        "accountRegister",
        "confirmAccount",
    }
)


PRICES_FILE = Path(__file__).with_name("query_costs.toml")


@dataclass(frozen=True)
class FieldPrice:
    """One entry of the price table: a complexity and the arguments that multiply it."""

    complexity: int
    multipliers: tuple[str, ...] = ()


@cache
def field_prices() -> dict[str, dict[str, FieldPrice]]:
    """The price table, type name -> field name -> price, read once per process."""
    with PRICES_FILE.open("rb") as handle:
        table = tomllib.load(handle)
    return {
        type_name: {
            name: FieldPrice(entry["complexity"], tuple(entry.get("multipliers", ())))
            for name, entry in fields.items()
        }
        for type_name, fields in table.items()
    }


@dataclass
class OperationPlan:
    """What one operation of a request will cost, measured before it runs."""

    cost: int = 0
    root_fields: int = 0
    root_mutations: int = 0
    connections: int = 0
    sensitive: list[str] = field(default_factory=list)


def _error(message, code, node=None, **extensions):
    return GraphQLError(
        message,
        nodes=[node] if node else None,
        extensions={"exception": {"code": code}, **extensions},
    )


def cost_extension(cost: int, maximum: int) -> dict:
    """The cost of a request as Saleor reports it in `extensions.cost`."""
    return {"requestedQueryCost": cost, "maximumAvailable": maximum}


def _too_complex(message, cost, maximum, node=None):
    return _error(message, ErrorCode.QUERY_TOO_COMPLEX, node, cost=cost_extension(cost, maximum))


# --- the document walk -------------------------------------------------------------------


def _fragments(document) -> dict:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


class _Fragments:
    """A document's fragments, each measured once however often it is spread.

    A fragment may spread another twice, and that one the next twice: walked
    naively, forty such fragments are 2**40 fields, so every measure of a
    fragment is kept by name. (Cycles are refused by validation; here a
    spread of a fragment already being measured counts as empty.)
    """

    def __init__(self, document):
        self.definitions = _fragments(document)
        self.depths: dict[str, int] = {}
        self.roots: dict[str, Counter] = {}

    def depth(self, node, visiting=frozenset()) -> int:
        """Levels of fields under `node`, fragments being transparent."""
        deepest = 0
        for child in node.selection_set.selections if node.selection_set else ():
            if isinstance(child, FieldNode):
                deepest = max(deepest, 1 + self.depth(child, visiting))
            elif isinstance(child, InlineFragmentNode):
                deepest = max(deepest, self.depth(child, visiting))
            elif (name := self.spreadable(child, visiting)) is not None:
                if name not in self.depths:
                    self.depths[name] = self.depth(self.definitions[name], visiting | {name})
                deepest = max(deepest, self.depths[name])
        return deepest

    def field_names(self, node, visiting=frozenset()) -> Counter:
        """How often each field name is selected directly on `node` (not `__` ones)."""
        names: Counter = Counter()
        for child in node.selection_set.selections if node.selection_set else ():
            if isinstance(child, FieldNode):
                if not child.name.value.startswith("__"):
                    names[child.name.value] += 1
            elif isinstance(child, InlineFragmentNode):
                names += self.field_names(child, visiting)
            elif (name := self.spreadable(child, visiting)) is not None:
                if name not in self.roots:
                    self.roots[name] = self.field_names(self.definitions[name], visiting | {name})
                names += self.roots[name]
        return names

    def spreadable(self, node, visiting) -> str | None:
        """The name of the fragment `node` spreads, unless unknown or being measured."""
        name = node.name.value
        if name in self.definitions and name not in visiting:
            return name
        return None


def count_aliases(document) -> int:
    """Aliased fields anywhere in the document, fragments included, as Saleor counts them."""
    count = 0
    pending = list(document.definitions)
    while pending:
        node = pending.pop()
        if isinstance(node, FieldNode) and node.alias is not None:
            count += 1
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            pending.extend(selection_set.selections)
    return count


def _aliases_error(count: int, node=None) -> GraphQLError:
    limit = settings.GRAPHQL_MAX_ALIASES
    message = (
        f"The document uses {count} aliases, more than the {limit} allowed per document "
        "(GRAPHQL_MAX_ALIASES): fields are free in the cost model, aliases are what "
        "repeat them."
    )
    return _error(message, ErrorCode.QUERY_TOO_COMPLEX, node)


class _Walk:
    """Cost and connection count of a selection, with the schema's types at hand.

    The cost follows Saleor's rules (see `query_costs.toml`): a priced field
    costs its complexity times every multiplier on its path, its own
    included; fields not priced cost nothing of their own; of the fragments
    on a selection, the costliest type condition counts. Every term under a
    field is a multiple of that field's multipliers, so a selection is
    costed once, relative to its parent, and scaled: a fragment's cost and
    connections are then the same wherever it is spread, and kept by name.
    """

    def __init__(self, schema, fragments: _Fragments, variables):
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.prices = field_prices()
        self.connections = 0
        self.measured: dict[str, tuple[int, int]] = {}  # fragment -> (cost, connections)

    def cost(self, node, parent_type, visiting=frozenset()) -> int:
        """The cost of `node`'s selection, as if nothing above multiplied it."""
        if node.selection_set is None:
            return 0
        fields = getattr(parent_type, "fields", None) or {}
        total = 0
        by_condition: dict[str, int] = defaultdict(int)
        interfaces_of: dict[str, set[str]] = defaultdict(set)
        for child in node.selection_set.selections:
            if isinstance(child, FieldNode):
                field_def = fields.get(child.name.value)
                if field_def is not None:
                    total += self.field_cost(child, field_def, parent_type, visiting)
                continue
            if isinstance(child, FragmentSpreadNode):
                name = self.fragments.spreadable(child, visiting)
                if name is None:
                    continue
                fragment = self.fragments.definitions[name]
                condition = self.schema.get_type(fragment.type_condition.name.value)
                if condition is None:
                    continue
                by_condition[condition.name] += self.fragment_cost(name, condition, visiting)
            else:  # an inline fragment
                condition = parent_type
                if child.type_condition is not None:
                    condition = self.schema.get_type(child.type_condition.name.value)
                if condition is None:
                    continue
                by_condition[condition.name] += self.cost(child, condition, visiting)
            if isinstance(condition, GraphQLObjectType):
                interfaces_of[condition.name].update(i.name for i in condition.interfaces)
        # A fragment on an object type also pays for fragments on its interfaces:
        # both apply to the same object.
        for name, interfaces in interfaces_of.items():
            by_condition[name] += sum(by_condition.get(i, 0) for i in interfaces)
        return total + max(by_condition.values(), default=0)

    def fragment_cost(self, name, condition, visiting) -> int:
        if name not in self.measured:
            before = self.connections
            cost = self.cost(self.fragments.definitions[name], condition, visiting | {name})
            self.measured[name] = (cost, self.connections - before)
        else:
            cost, connections = self.measured[name]
            self.connections += connections
        return cost

    def field_cost(self, node, field_def, parent_type, visiting) -> int:
        child_type = get_named_type(field_def.type)
        if _is_connection(child_type):
            self.connections += 1
        own, factor = 0, 1
        price = self.prices.get(parent_type.name, {}).get(node.name.value)
        if price is not None:
            if price.multipliers:
                factor = self.multiplier(price, field_def, node) or 1
            own = price.complexity * factor
        return own + factor * self.cost(node, child_type, visiting)

    def multiplier(self, price, field_def, node: FieldNode) -> int:
        """The sum of the positive multiplier arguments, as coerced; 0 if none."""
        arguments = get_argument_values(field_def, node, self.variables)
        total = 0
        for path in price.multipliers:
            value = arguments
            for key in path.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if value is None and "." not in path:
                default = field_def.args[path].default_value if path in field_def.args else None
                value = None if default is Undefined else default
            if isinstance(value, (list, tuple)):
                value = len(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                total += int(value)
        return total


def _is_connection(graphql_type) -> bool:
    return (
        isinstance(graphql_type, GraphQLObjectType)
        and {
            "edges",
            "pageInfo",
        }
        <= graphql_type.fields.keys()
    )


def shape_errors(document) -> list[GraphQLError]:
    """Limits that need only the parsed text, checked before the costlier validation.

    Validating a document takes time in proportion to its size, so a
    document of a thousand aliases is refused here rather than after.
    """
    fragments = _Fragments(document)
    errors = []
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        max_depth = settings.GRAPHQL_QUERY_MAX_DEPTH
        depth = fragments.depth(operation)
        if depth > max_depth:
            message = (
                f"Query depth {depth} exceeds the maximum depth of {max_depth} "
                "(GRAPHQL_QUERY_MAX_DEPTH)."
            )
            errors.append(_error(message, ErrorCode.QUERY_TOO_DEEP, operation))
            continue
        roots = fragments.field_names(operation).total()
        if operation.operation.value == "mutation":
            limit, code, what = (
                settings.GRAPHQL_MAX_ROOT_MUTATIONS,
                ErrorCode.TOO_MANY_ROOT_MUTATIONS,
                "mutations",
            )
        else:
            limit, code, what = (
                settings.GRAPHQL_MAX_ROOT_FIELDS,
                ErrorCode.TOO_MANY_ROOT_FIELDS,
                "root fields",
            )
        if roots > limit:
            setting = (
                "GRAPHQL_MAX_ROOT_MUTATIONS" if what == "mutations" else "GRAPHQL_MAX_ROOT_FIELDS"
            )
            message = (
                f"The operation asks for {roots} {what}, more than the {limit} allowed per "
                f"request ({setting})."
            )
            errors.append(_error(message, code, operation))
    if not errors:
        aliases = count_aliases(document)
        if aliases > settings.GRAPHQL_MAX_ALIASES:
            errors.append(_aliases_error(aliases))
    return errors


def coerce_variables(schema, operation: OperationDefinitionNode, variables: dict | None):
    """The variables as execution will see them, or the errors that would stop it."""
    coerced = get_variable_values(
        schema, operation.variable_definitions or [], variables or {}, max_errors=50
    )
    if isinstance(coerced, list):
        return None, coerced
    return coerced, []


def plan_operation(schema, document, operation, variables) -> tuple[OperationPlan, list]:
    """Measure one operation against the per-operation limits.

    `variables` are the coerced values (see `coerce_variables`).
    """
    # Depth and the number of root fields were checked on the text (`shape_errors`).
    fragments = _Fragments(document)
    root_type = schema.get_root_type(operation.operation)
    walk = _Walk(schema, fragments, variables)
    try:
        cost = walk.cost(operation, root_type)
    except GraphQLError as error:
        return OperationPlan(), [error]
    roots = fragments.field_names(operation)
    is_mutation = operation.operation.value == "mutation"
    plan = OperationPlan(
        cost=cost,
        root_fields=0 if is_mutation else roots.total(),
        root_mutations=roots.total() if is_mutation else 0,
        connections=walk.connections,
        sensitive=[
            name
            for name in sorted(SENSITIVE_MUTATIONS & roots.keys() if is_mutation else ())
            for _ in range(roots[name])
        ],
    )
    max_cost = settings.GRAPHQL_QUERY_MAX_COMPLEXITY
    if cost > max_cost:
        message = (
            f"Query cost {cost} exceeds the maximum complexity of {max_cost} "
            "(GRAPHQL_QUERY_MAX_COMPLEXITY): ask for fewer items or fields."
        )
        return plan, [_too_complex(message, cost, max_cost, operation)]
    return plan, []


def check_request(plans: list[OperationPlan]) -> list[GraphQLError]:
    """The limits of a whole request (every operation of a batch together)."""
    errors = []
    total, budget = sum(p.cost for p in plans), settings.GRAPHQL_REQUEST_MAX_COMPLEXITY
    if total > budget:
        message = (
            f"The request's total cost {total} exceeds the budget of {budget} per request "
            "(GRAPHQL_REQUEST_MAX_COMPLEXITY): ask for fewer items or fields."
        )
        errors.append(_too_complex(message, total, budget))
    checks = [
        (
            sum(p.root_fields for p in plans),
            settings.GRAPHQL_MAX_ROOT_FIELDS,
            ErrorCode.TOO_MANY_ROOT_FIELDS,
            "The request asks for {n} root fields, more than the {limit} allowed per request "
            "(GRAPHQL_MAX_ROOT_FIELDS).",
        ),
        (
            sum(p.root_mutations for p in plans),
            settings.GRAPHQL_MAX_ROOT_MUTATIONS,
            ErrorCode.TOO_MANY_ROOT_MUTATIONS,
            "The request runs {n} mutations, more than the {limit} allowed per request "
            "(GRAPHQL_MAX_ROOT_MUTATIONS).",
        ),
        (
            sum(p.connections for p in plans),
            settings.GRAPHQL_MAX_CONNECTIONS,
            ErrorCode.TOO_MANY_CONNECTIONS,
            "The request asks for {n} connection fields, more than the {limit} allowed per "
            "request (GRAPHQL_MAX_CONNECTIONS).",
        ),
    ]
    errors += [
        _error(message.format(n=n, limit=limit), code)
        for n, limit, code, message in checks
        if n > limit
    ]
    sensitive = [name for p in plans for name in p.sensitive]
    if len(sensitive) > 1:
        errors.append(
            _error(
                f"{', '.join(sorted(set(sensitive)))} may run only once per request "
                f"({len(sensitive)} asked): send each in its own request.",
                ErrorCode.TOO_MANY_SENSITIVE_OPERATIONS,
            )
        )
    return errors


# --- JSON ---------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


class JSONTooDeep(ValueError):
    code = ErrorCode.JSON_TOO_DEEP


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit`, found without recursion."""
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def load_json(text: str):
    """`json.loads`, refusing nesting deeper than GRAPHQL_MAX_JSON_DEPTH.

    Raises JSONTooDeep, or ValueError for text that is not JSON.
    """
    limit = settings.GRAPHQL_MAX_JSON_DEPTH
    message = (
        f"The JSON nests arrays or objects deeper than {limit} levels (GRAPHQL_MAX_JSON_DEPTH)."
    )
    if json_depth_exceeds(text, limit):
        raise JSONTooDeep(message)
    try:
        return json.loads(text)
    except RecursionError:
        raise JSONTooDeep(message) from None
