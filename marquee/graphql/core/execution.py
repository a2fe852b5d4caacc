"""Execution context that batches DataLoader dispatches.

Extends graphql-sync-dataloaders' deferred execution: the queue of pending
loader dispatches is kept on the request, so a loader first asked for a key
inside another loader's callback is still batched with its siblings instead
of running one statement per parent.
"""

from graphql import ExecutionContext
from graphql_sync_dataloaders import DeferredExecutionContext, SyncFuture

from .dataloaders import pending_dispatches


class BatchingExecutionContext(DeferredExecutionContext):
    def execute_operation(self, operation, root_value):
        pending = pending_dispatches(self.context_value)
        self._deferred_callbacks = pending
        result = ExecutionContext.execute_operation(self, operation, root_value)
        while pending:
            pending.pop(0)()
        if isinstance(result, SyncFuture):
            if not result.done():
                raise RuntimeError("GraphQL deferred execution failed to complete.")
            return result.result()
        return result

    def handle_field_error(self, error, return_type, path=None):
        # graphql-sync-dataloaders calls this without `path`, which graphql-core
        # 3.2.7+ requires; the path only deduplicates errors under a nulled parent.
        return ExecutionContext.handle_field_error(self, error, return_type, path)
