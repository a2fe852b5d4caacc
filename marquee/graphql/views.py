"""The GraphQL endpoint: GraphiQL in development, JSON in, JSON out, never a 500.

On top of graphene-django's view it adds what a public storefront API needs:
batched operations (a JSON list) capped at GRAPHQL_MAX_BATCH_SIZE, depth and
cost limits checked before execution, DataLoader batching, and errors whose
messages a client can act on (internal failures are logged, not leaked).
"""

import functools
import json
import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView, HttpError
from graphql import ExecutionResult, GraphQLError, execute, parse, specified_rules, validate
from graphql.error import GraphQLSyntaxError

from .api import schema
from .core.errors import ErrorCode
from .core.execution import BatchingExecutionContext
from .core.limits import check_limits

logger = logging.getLogger("marquee.graphql")

MAX_QUERY_TOKENS = 20000


def _json_error(message: str, code: str, status: int = 400) -> HttpResponse:
    body = {"errors": [{"message": message, "extensions": {"exception": {"code": code}}}]}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


@method_decorator(csrf_exempt, name="dispatch")
class MarqueeGraphQLView(GraphQLView):
    schema = schema
    graphiql = False
    execution_context_class = BatchingExecutionContext

    def __init__(self, **kwargs):
        kwargs.setdefault("graphiql", settings.GRAPHIQL_ENABLED)
        super().__init__(**kwargs)

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and self.get_content_type(request) == "application/json":
            try:
                payload = json.loads(request.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return _json_error("POST body sent invalid JSON.", ErrorCode.INVALID)
            if isinstance(payload, list):
                return self._dispatch_batch(request, payload)
            if not isinstance(payload, dict):
                return _json_error(
                    "The request body must be a JSON object, or a list of them for a batch.",
                    ErrorCode.INVALID,
                )
        return super().dispatch(request, *args, **kwargs)

    def _dispatch_batch(self, request, payload):
        limit = settings.GRAPHQL_MAX_BATCH_SIZE
        if not payload:
            return _json_error("Received an empty list in the batch request.", ErrorCode.INVALID)
        if len(payload) > limit:
            return _json_error(
                f"A batch of {len(payload)} operations exceeds the limit of {limit} operations "
                "per request (GRAPHQL_MAX_BATCH_SIZE).",
                ErrorCode.BATCH_TOO_LARGE,
            )
        results = []
        status = 200
        for entry in payload:
            if not isinstance(entry, dict):
                results.append(
                    json.dumps({"errors": [{"message": "Each batch entry must be a JSON object."}]})
                )
                status = 400
                continue
            try:
                result, entry_status = self.get_response(request, entry)
            except HttpError as error:
                result = json.dumps({"errors": [self.format_error(error)]})
                entry_status = 400
            results.append(result)
            status = max(status, entry_status)
        return HttpResponse(
            "[" + ",".join(results) + "]", status=status, content_type="application/json"
        )

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        if not query:
            if show_graphiql:
                return None
            return ExecutionResult(errors=[_error("Must provide query string.", ErrorCode.INVALID)])
        if not isinstance(query, str):
            return ExecutionResult(errors=[_error("`query` must be a string.", ErrorCode.INVALID)])
        if variables is not None and not isinstance(variables, dict):
            return ExecutionResult(
                errors=[_error("`variables` must be a JSON object.", ErrorCode.INVALID)]
            )
        if operation_name is not None and not isinstance(operation_name, str):
            return ExecutionResult(
                errors=[_error("`operationName` must be a string.", ErrorCode.INVALID)]
            )
        graphql_schema = self.schema.graphql_schema
        document, errors = parse_and_validate(graphql_schema, query)
        if errors:
            return ExecutionResult(errors=errors)
        # Cost depends on the variables (`first: $n`), so it is checked per request.
        errors = check_limits(document, variables)
        if errors:
            return ExecutionResult(errors=errors)

        operations = [d for d in document.definitions if hasattr(d, "operation")]
        is_mutation = any(
            getattr(d, "operation", None)
            and d.operation.value == "mutation"
            and (operation_name is None or (d.name and d.name.value == operation_name))
            for d in operations
        )
        if request.method.lower() == "get" and is_mutation:
            return ExecutionResult(
                errors=[_error("Mutations must be sent with POST.", ErrorCode.INVALID)]
            )
        options = {
            "root_value": self.get_root_value(request),
            "context_value": self.get_context(request),
            "variable_values": variables,
            "operation_name": operation_name,
            "execution_context_class": self.execution_context_class,
        }
        try:
            if is_mutation:
                with transaction.atomic():
                    return execute(graphql_schema, document, **options)
            return execute(graphql_schema, document, **options)
        except GraphQLError as error:
            return ExecutionResult(errors=[error])
        except Exception:
            logger.exception("GraphQL execution failed")
            return ExecutionResult(
                errors=[_error("Internal error while executing the request.", "INTERNAL_ERROR")]
            )

    def render_graphiql(self, request, **data):
        """GraphiQL's page loads its scripts and styles from jsDelivr: its own, wider CSP."""
        response = super().render_graphiql(request, **data)
        response.headers["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY_GRAPHIQL
        return response

    @staticmethod
    def format_error(error):
        if isinstance(error, GraphQLError):
            original = error.original_error
            # Errors without a path come from parsing or validating the request
            # (e.g. a scalar that rejects its literal): they are the client's.
            if original is not None and not isinstance(original, GraphQLError) and error.path:
                logger.error("Unhandled error in resolver %s", error.path, exc_info=original)
                formatted = {
                    "message": "Internal error while resolving this field.",
                    "extensions": {"exception": {"code": "INTERNAL_ERROR"}},
                }
                if error.locations:
                    formatted["locations"] = [
                        {"line": loc.line, "column": loc.column} for loc in error.locations
                    ]
                if error.path:
                    formatted["path"] = error.path
                return formatted
            formatted = error.formatted
            if isinstance(original, GraphQLError) and original.extensions:
                formatted["extensions"] = original.extensions
            formatted.setdefault("extensions", {}).setdefault(
                "exception", {"code": "GRAPHQL_VALIDATION_FAILED" if not error.path else "INVALID"}
            )
            return formatted
        return GraphQLView.format_error(error)


MAX_CACHED_QUERY_LENGTH = 100_000


def parse_and_validate(graphql_schema, query: str):
    """Parse and validate a document, cached: storefronts send the same few queries.

    Validation depends only on the schema and the text, so its result can be
    reused; it is a sizeable share of a small query's time.
    """
    if len(query) <= MAX_CACHED_QUERY_LENGTH:
        return _parse_and_validate_cached(graphql_schema, query)
    return _parse_and_validate(graphql_schema, query)


def _parse_and_validate(graphql_schema, query: str):
    try:
        document = parse(query, max_tokens=MAX_QUERY_TOKENS)
    except GraphQLSyntaxError as error:
        return None, [error]
    return document, validate(graphql_schema, document, specified_rules, max_errors=50)


_parse_and_validate_cached = functools.lru_cache(maxsize=512)(_parse_and_validate)


def _error(message, code):
    return GraphQLError(message, extensions={"exception": {"code": code}})
