"""Execution context that batches DataLoader dispatches and keeps the request's deadline.

Extends graphql-sync-dataloaders' deferred execution: the queue of pending
loader dispatches is kept on the request, so a loader first asked for a key
inside another loader's callback is still batched with its siblings instead
of running one statement per parent.

Fields are resolved the way graphql-core does, with the work that does not
change between two rows of a list done once per execution: the field's
definition and its argument values (they depend only on the document and
the variables) are looked up once per (type, selection) and kept in a plan,
a scalar that graphene's default resolver would read from its source is
read directly (no resolve info is built for it), and a scalar or enum
field whose resolver answers a plain value is serialized on the spot
instead of through graphql-core's chain of completion calls. Answers and
errors are the same as graphql-core's; a list of a hundred products asks
graphql-core's questions once per field instead of once per row. The
cyclic garbage collector waits while an operation executes (see
`collection_pause`).

The deadline is checked before every field resolves. Past it, execution
stops as a whole (`RequestTimeout` is not an `Exception`, so graphql-core
does not turn it into one null field after another) and the view answers
REQUEST_TIMEOUT; a statement PostgreSQL cancels for its statement_timeout
stops the request the same way.
"""

from __future__ import annotations

import functools
import time
from typing import Any, NamedTuple

from graphene.types.resolver import attr_resolver, dict_or_attr_resolver, dict_resolver
from graphql import (
    ExecutionContext,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    is_leaf_type,
    located_error,
)
from graphql.execution.execute import get_field_def
from graphql.execution.values import get_argument_values
from graphql.pyutils import Undefined
from graphql_sync_dataloaders import DeferredExecutionContext, SyncFuture

from .collection_pause import collector_paused
from .dataloaders import pending_dispatches

try:
    from psycopg.errors import QueryCanceled
except ImportError:  # pragma: no cover - psycopg is the only supported driver
    QueryCanceled = ()


class RequestTimeout(BaseException):  # noqa: N818 - raised to unwind execution, like KeyboardInterrupt
    """The request ran past its deadline."""


class Deadline:
    """When the request must be done by, from the moment it arrived."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds if seconds and seconds > 0 else None

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()

    def check(self) -> None:
        if self.at is not None and time.monotonic() > self.at:
            raise RequestTimeout


def request_deadline(request) -> Deadline | None:
    return getattr(request, "graphql_deadline", None)


def _cancelled_statement(error) -> bool:
    while error is not None:
        if isinstance(error, QueryCanceled):
            return True
        error = error.__cause__ or getattr(error, "original_error", None)
    return False


_NON_NULL, _LIST, _LEAF, _OBJECT, _OTHER = "non-null", "list", "leaf", "object", "other"
_KINDS: dict = {}  # GraphQL output type -> its kind; the schema's types live as long


def _kind(return_type) -> str:
    if isinstance(return_type, GraphQLNonNull):
        kind = _NON_NULL
    elif isinstance(return_type, GraphQLList):
        kind = _LIST
    elif is_leaf_type(return_type):
        kind = _LEAF
    elif isinstance(return_type, GraphQLObjectType):
        kind = _OBJECT
    else:
        kind = _OTHER
    _KINDS[return_type] = kind
    return kind


class FieldPlan(NamedTuple):
    """What resolving one selected field needs that is the same for every row."""

    field_def: Any
    resolve: Any
    return_type: Any
    arguments: dict | None  # None: computed on each call (they failed to coerce once)
    leaf_type: Any  # the scalar or enum type of a leaf field, else None
    non_null: bool
    getter: Any  # for a scalar read by graphene's default resolver: source -> value


def _plain_getter(resolve, arguments):
    """What graphene's default resolver reads, as one call; None for any other resolver.

    Graphene resolves a field with no resolver of its own by reading the
    attribute (or key) of the same name; the resolve info is not used, so a
    scalar read that way needs none built.
    """
    if arguments != {} or not isinstance(resolve, functools.partial) or resolve.keywords:
        return None
    if len(resolve.args) != 2:
        return None
    name, default = resolve.args
    if resolve.func is dict_or_attr_resolver:
        return lambda source: (
            source.get(name, default)
            if isinstance(source, dict)
            else getattr(source, name, default)
        )
    if resolve.func is attr_resolver:
        return lambda source: getattr(source, name, default)
    if resolve.func is dict_resolver:
        return lambda source: source.get(name, default)
    return None


class BatchingExecutionContext(DeferredExecutionContext):
    def execute_operation(self, operation, root_value):
        pending = pending_dispatches(self.context_value)
        self._deferred_callbacks = pending
        self._deadline = request_deadline(self.context_value)
        self._field_plans = {}
        try:
            with collector_paused():
                result = ExecutionContext.execute_operation(self, operation, root_value)
                while pending:
                    self._check_deadline()
                    pending.pop(0)()
        except RequestTimeout:
            pending.clear()
            raise
        if isinstance(result, SyncFuture):
            if not result.done():
                raise RuntimeError("GraphQL deferred execution failed to complete.")
            return result.result()
        return result

    def _check_deadline(self):
        if self._deadline is not None:
            self._deadline.check()

    def _plan(self, parent_type, field_nodes) -> FieldPlan | None:
        key = (parent_type, id(field_nodes[0]))
        plan = self._field_plans.get(key, Undefined)
        if plan is not Undefined:
            return plan
        field_def = get_field_def(self.schema, parent_type, field_nodes[0])
        if not field_def:
            plan = None
        else:
            resolve = field_def.resolve or self.field_resolver
            if self.middleware_manager:
                resolve = self.middleware_manager.get_field_resolver(resolve)
            try:
                arguments = get_argument_values(field_def, field_nodes[0], self.variable_values)
            except Exception:  # noqa: BLE001 - raised again, as a field error, on each call
                arguments = None
            return_type = field_def.type
            non_null = isinstance(return_type, GraphQLNonNull)
            named = return_type.of_type if non_null else return_type
            leaf_type = named if is_leaf_type(named) else None
            getter = _plain_getter(resolve, arguments) if leaf_type is not None else None
            plan = FieldPlan(
                field_def, resolve, return_type, arguments, leaf_type, non_null, getter
            )
        # The key holds the node's id: the node is kept alive by the document.
        self._field_plans[key] = plan
        return plan

    def execute_field(self, parent_type, source, field_nodes, path):
        deadline = self._deadline
        if deadline is not None and deadline.at is not None and time.monotonic() > deadline.at:
            raise RequestTimeout
        plan = self._plan(parent_type, field_nodes)
        if plan is None:
            return Undefined
        return_type = plan.return_type
        info = None
        try:
            if plan.getter is not None:
                result = plan.getter(source)
            else:
                info = self._resolve_info(field_nodes, return_type, parent_type, path)
                arguments = plan.arguments
                if arguments is None:
                    arguments = get_argument_values(
                        plan.field_def, field_nodes[0], self.variable_values
                    )
                result = plan.resolve(source, info, **arguments)
            if plan.leaf_type is not None and not isinstance(result, (SyncFuture, Exception)):
                # A scalar answered as a value: what complete_value would do, in one step.
                if result is None or result is Undefined:
                    if plan.non_null:
                        raise TypeError(
                            "Cannot return null for non-nullable field"
                            f" {parent_type.name}.{field_nodes[0].name.value}."
                        )
                    return None
                return self.complete_leaf_value(plan.leaf_type, result)
            if info is None:
                info = self._resolve_info(field_nodes, return_type, parent_type, path)
            if isinstance(result, SyncFuture):
                if not result.done():
                    return self._complete_later(return_type, field_nodes, info, path, result)
                result = result.result()
            completed = self.complete_value(return_type, field_nodes, info, path, result)
        except Exception as raw_error:  # noqa: BLE001 - a field error, as graphql-core's
            return self._field_error(raw_error, field_nodes, path, return_type)
        if isinstance(completed, SyncFuture):
            if completed.done():
                try:
                    return completed.result()
                except Exception as raw_error:  # noqa: BLE001
                    return self._field_error(raw_error, field_nodes, path, return_type)
            future = SyncFuture()
            completed.add_done_callback(
                lambda: self._settle(future, completed, field_nodes, path, return_type)
            )
            return future
        return completed

    def _resolve_info(self, field_nodes, return_type, parent_type, path):
        return GraphQLResolveInfo(
            field_nodes[0].name.value,
            field_nodes,
            return_type,
            parent_type,
            path,
            self.schema,
            self.fragments,
            self.root_value,
            self.operation,
            self.variable_values,
            self.context_value,
            self.is_awaitable,
        )

    def complete_value(self, return_type, field_nodes, info, path, result):
        # graphql-core's completion, with the kind of type asked once per type: the
        # same answers, the same errors (abstract types take graphql-core's path).
        if isinstance(result, Exception):
            raise result
        kind = _KINDS.get(return_type) or _kind(return_type)
        if kind is _NON_NULL:
            completed = self.complete_value(return_type.of_type, field_nodes, info, path, result)
            if completed is None:
                raise TypeError(
                    "Cannot return null for non-nullable field"
                    f" {info.parent_type.name}.{info.field_name}."
                )
            return completed
        if result is None or result is Undefined:
            return None
        if kind is _OBJECT:
            if return_type.is_type_of is not None:
                return self.complete_object_value(return_type, field_nodes, info, path, result)
            fields = self.collect_subfields(return_type, field_nodes)
            return self.execute_fields(return_type, result, path, fields)
        if kind is _LEAF:
            return self.complete_leaf_value(return_type, result)
        if kind is _LIST:
            return self.complete_list_value(return_type, field_nodes, info, path, result)
        return super().complete_value(return_type, field_nodes, info, path, result)

    def _complete_later(self, return_type, field_nodes, info, path, result: SyncFuture):
        """A future of the field's completed value, once the resolver's future settles."""
        callback = result.deferred_callback
        if callback:
            self._deferred_callbacks.append(callback)
        future = SyncFuture()

        def resolved():
            try:
                completed = self.complete_value(
                    return_type, field_nodes, info, path, result.result()
                )
            except Exception as raw_error:  # noqa: BLE001
                future.set_result(self._field_error(raw_error, field_nodes, path, return_type))
                return
            if not isinstance(completed, SyncFuture):
                future.set_result(completed)
            elif completed.done():
                self._settle(future, completed, field_nodes, path, return_type)
            else:
                completed.add_done_callback(
                    lambda: self._settle(future, completed, field_nodes, path, return_type)
                )

        result.add_done_callback(resolved)
        return future

    def _settle(self, future, completed, field_nodes, path, return_type):
        try:
            value = completed.result()
        except Exception as raw_error:  # noqa: BLE001
            value = self._field_error(raw_error, field_nodes, path, return_type)
        future.set_result(value)

    def _field_error(self, raw_error, field_nodes, path, return_type):
        error = located_error(raw_error, field_nodes, path.as_list())
        # Without the path, as graphql-sync-dataloaders reports them: every error is kept.
        self.handle_field_error(error, return_type)
        return None

    def handle_field_error(self, error, return_type, path=None):
        if _cancelled_statement(error):
            raise RequestTimeout from error
        # graphql-sync-dataloaders calls this without `path`, which graphql-core
        # 3.2.7+ requires; the path only deduplicates errors under a nulled parent.
        return ExecutionContext.handle_field_error(self, error, return_type, path)
