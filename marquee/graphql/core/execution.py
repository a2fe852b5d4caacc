"""Execution context that batches DataLoader dispatches and keeps the request's deadline.

Extends graphql-sync-dataloaders' deferred execution: the queue of pending
loader dispatches is kept on the request, so a loader first asked for a key
inside another loader's callback is still batched with its siblings instead
of running one statement per parent.

The deadline is checked before every field resolves. Past it, execution
stops as a whole (`RequestTimeout` is not an `Exception`, so graphql-core
does not turn it into one null field after another) and the view answers
REQUEST_TIMEOUT; a statement PostgreSQL cancels for its statement_timeout
stops the request the same way.
"""

from __future__ import annotations

import time

from graphql import ExecutionContext
from graphql_sync_dataloaders import DeferredExecutionContext, SyncFuture

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


class BatchingExecutionContext(DeferredExecutionContext):
    def execute_operation(self, operation, root_value):
        pending = pending_dispatches(self.context_value)
        self._deferred_callbacks = pending
        self._deadline = request_deadline(self.context_value)
        try:
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

    def execute_field(self, parent_type, source, field_nodes, path):
        self._check_deadline()
        return super().execute_field(parent_type, source, field_nodes, path)

    def handle_field_error(self, error, return_type, path=None):
        if _cancelled_statement(error):
            raise RequestTimeout from error
        # graphql-sync-dataloaders calls this without `path`, which graphql-core
        # 3.2.7+ requires; the path only deduplicates errors under a nulled parent.
        return ExecutionContext.handle_field_error(self, error, return_type, path)
