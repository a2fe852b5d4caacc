"""The GraphQL endpoint: GraphiQL in development, JSON in, JSON out, never a 500.

On top of graphene-django's view it adds what a public storefront API needs:
batched operations (a JSON list) capped at GRAPHQL_MAX_BATCH_SIZE, the
request limits of `core.limits` checked for the whole request before any
operation of it executes, a per-request deadline, DataLoader batching, and
errors whose messages a client can act on (internal failures are logged,
not leaked), and `Retry-After` on an answer that told the client to wait
(RATE_LIMITED, UNAVAILABLE: see `core.rate_limits`).
"""

from __future__ import annotations

import functools
import json
import logging
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene.utils.str_converters import to_camel_case
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ExecutionResult,
    GraphQLError,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.error import GraphQLSyntaxError
from graphql.language import FieldNode
from psycopg.pq import TransactionStatus

from marquee.core.exceptions import DomainError

from .api import schema
from .core import get_requests, http_cache, persisted_queries, response_cache
from .core.encoding import encode_result
from .core.errors import ErrorCode
from .core.execution import BatchingExecutionContext, Deadline, RequestTimeout
from .core.introspection import NoIntrospection
from .core.limits import (
    JSONTooDeep,
    OperationPlan,
    check_request,
    coerce_variables,
    load_json,
    plan_operation,
    shape_errors,
)
from .core.rate_limits import note_details, retry_after_of
from .core.text_input import document_nul_errors, variables_nul_errors

logger = logging.getLogger("marquee.graphql")


def _json_error(message: str, code: str, status: int = 400) -> HttpResponse:
    body = {"errors": [{"message": message, "extensions": {"exception": {"code": code}}}]}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def _errors_response(errors, status: int = 400) -> HttpResponse:
    body = {"errors": [MarqueeGraphQLView.format_error(error) for error in errors]}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


class ClientHttpError(HttpError):
    """A request refused before GraphQL sees it, with a stable code."""

    def __init__(self, message: str, code: str):
        super().__init__(HttpResponseBadRequest(message), message)
        self.code = code


@dataclass
class Prepared:
    """One operation parsed, validated and measured, ready to execute."""

    document: object = None
    operation: object = None
    plan: OperationPlan | None = None
    errors: list | None = None


def _timeout_error() -> GraphQLError:
    seconds = settings.GRAPHQL_REQUEST_DEADLINE_SECONDS
    return _error(
        f"The request did not finish within {seconds} seconds "
        "(GRAPHQL_REQUEST_DEADLINE_SECONDS): ask for less, or split it.",
        ErrorCode.REQUEST_TIMEOUT,
    )


@method_decorator(csrf_exempt, name="dispatch")
class MarqueeGraphQLView(GraphQLView):
    schema = schema
    graphiql = False
    execution_context_class = BatchingExecutionContext

    def __init__(self, **kwargs):
        kwargs.setdefault("graphiql", settings.GRAPHIQL_ENABLED)
        super().__init__(**kwargs)

    def dispatch(self, request, *args, **kwargs):
        response = self._dispatch(request, *args, **kwargs)
        retry_after = retry_after_of(request)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        # Cache-Control, ETag (304 when the client's copy is current) and Vary.
        return http_cache.finish(request, response, varies_on_accept=self.graphiql)

    def _dispatch(self, request, *args, **kwargs):
        request.graphql_deadline = Deadline(settings.GRAPHQL_REQUEST_DEADLINE_SECONDS)
        request.graphql_prepared = {}
        if request.method == "POST" and self.get_content_type(request) == "application/json":
            try:
                payload = load_json(request.body.decode("utf-8"))
            except JSONTooDeep as error:
                return _json_error(str(error), error.code)
            except (UnicodeDecodeError, ValueError):
                return _json_error("POST body sent invalid JSON.", ErrorCode.INVALID)
            if isinstance(payload, list):
                return self._dispatch_batch(request, payload)
            if not isinstance(payload, dict):
                return _json_error(
                    "The request body must be a JSON object, or a list of them for a batch.",
                    ErrorCode.INVALID,
                )
            request.graphql_payload = payload
        # graphene-django's dispatch without its ensure_csrf_cookie: the API reads
        # no cookie, and minting a CSRF token per request was a tenth of the
        # cost of a drop's SOLD_OUT answer.
        return GraphQLView.dispatch.__wrapped__(self, request, *args, **kwargs)

    def parse_body(self, request):
        # The JSON body was decoded (with its depth bounded) in `dispatch`.
        payload = getattr(request, "graphql_payload", None)
        if payload is not None:
            return payload
        return super().parse_body(request)

    def get_graphql_params(self, request, data):
        # As graphene-django's, with `variables` and `extensions` sent as JSON strings
        # (GET, forms) decoded under the same depth bound as a JSON body, a persisted
        # query's document found by its hash, and a GET refused unless it only reads.
        def json_parameter(name: str):
            value = request.GET.get(name) or data.get(name)
            if not value or not isinstance(value, str):
                return value
            try:
                return load_json(value)
            except JSONTooDeep as error:
                raise ClientHttpError(str(error), error.code) from None
            except ValueError:
                raise ClientHttpError(f"`{name}` is invalid JSON.", ErrorCode.INVALID) from None

        query = request.GET.get("query") or data.get("query")
        variables = json_parameter("variables")
        extensions = json_parameter("extensions")
        operation_name = request.GET.get("operationName") or data.get("operationName")
        if operation_name == "null":
            operation_name = None
        graphql_schema = self.schema.graphql_schema
        query = persisted_queries.resolve(
            query, extensions, lambda text: not parse_and_validate(graphql_schema, text)[1]
        )
        if request.method in get_requests.READ_ONLY_METHODS and isinstance(query, str):
            document, _errors = parse_and_validate(graphql_schema, query)
            get_requests.refuse_writes(request.method, document, operation_name)
        return query, variables, operation_name, request.GET.get("id") or data.get("id")

    def get_response(self, request, data, show_graphiql=False):
        # Public catalogue answers come from the response cache (core.response_cache).
        return response_cache.respond(self, request, data, show_graphiql)

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
        # Every entry is measured first, so the batch's limits hold before any entry runs.
        plans = []
        for entry in payload:
            if not isinstance(entry, dict):
                continue
            try:
                query, variables, operation_name, _id = self.get_graphql_params(request, entry)
            except HttpError:
                continue
            prepared = self.prepare(query, variables, operation_name)
            request.graphql_prepared[id(entry)] = prepared
            if prepared.plan is not None:
                plans.append(prepared.plan)
        errors = check_request(plans)
        if errors:
            return _errors_response(errors)
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

    def prepare(self, query, variables, operation_name) -> Prepared:
        """Parse, validate, coerce the variables and measure one operation."""
        if not query:
            return Prepared(errors=[_error("Must provide query string.", ErrorCode.INVALID)])
        if not isinstance(query, str):
            return Prepared(errors=[_error("`query` must be a string.", ErrorCode.INVALID)])
        if variables is not None and not isinstance(variables, dict):
            return Prepared(
                errors=[_error("`variables` must be a JSON object.", ErrorCode.INVALID)]
            )
        if operation_name is not None and not isinstance(operation_name, str):
            return Prepared(errors=[_error("`operationName` must be a string.", ErrorCode.INVALID)])
        graphql_schema = self.schema.graphql_schema
        document, errors = parse_and_validate(graphql_schema, query)
        if errors:
            return Prepared(errors=errors)
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            # execute() explains which operation is missing or ambiguous.
            return Prepared(document=document, plan=OperationPlan())
        errors = variables_nul_errors(variables)
        if errors:
            return Prepared(errors=errors)
        coerced, errors = coerce_variables(graphql_schema, operation, variables)
        if errors:
            return Prepared(errors=errors)
        plan, errors = plan_operation(graphql_schema, document, operation, coerced)
        return Prepared(document=document, operation=operation, plan=plan, errors=errors or None)

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        if not query and show_graphiql:
            return None
        prepared = request.graphql_prepared.pop(id(data), None)
        if prepared is None:
            prepared = self.prepare(query, variables, operation_name)
            if not prepared.errors and prepared.plan is not None:
                prepared.errors = check_request([prepared.plan]) or None
        if prepared.errors:
            return ExecutionResult(errors=prepared.errors)
        operation = prepared.operation
        is_mutation = operation is not None and operation.operation.value == "mutation"
        if request.method.lower() == "get" and is_mutation:
            return ExecutionResult(
                errors=[_error("Mutations must be sent with POST.", ErrorCode.INVALID)]
            )
        deadline = request.graphql_deadline
        remaining = deadline.remaining()
        if remaining is not None and remaining <= 0:
            return ExecutionResult(errors=[_timeout_error()])
        options = {
            "root_value": self.get_root_value(request),
            "context_value": self.get_context(request),
            "variable_values": variables,
            "operation_name": operation_name,
            "execution_context_class": self.execution_context_class,
        }
        # Queries too run in a transaction, so statement_timeout can be SET LOCAL
        # (it ends with the transaction, so no pooled connection keeps it). Mutations
        # that own their transactions (a payment provider is called between them) run
        # outside it; if a document mixes them with others, all run inside it.
        own = is_mutation and _owns_transactions(operation)
        try:
            request_transaction = (
                nullcontext() if own else transaction.atomic(savepoint=is_mutation)
            )
            with _statement_deadline(deadline), request_transaction:
                result = execute(self.schema.graphql_schema, prepared.document, **options)
            for error in result.errors or ():
                if isinstance(error.original_error, DomainError):
                    note_details(request, error.original_error.details)
            return result
        except RequestTimeout:
            return ExecutionResult(errors=[_timeout_error()])
        except GraphQLError as error:
            return ExecutionResult(errors=[error])
        except Exception:
            logger.exception("GraphQL execution failed")
            return ExecutionResult(
                errors=[_error("Internal error while executing the request.", "INTERNAL_ERROR")]
            )

    def json_encode(self, request, d, pretty=False):
        pretty = pretty or self.pretty or bool(request.GET.get("pretty"))
        return encode_result(d, pretty=pretty)

    def render_graphiql(self, request, **data):
        """GraphiQL's page loads its scripts and styles from jsDelivr: its own, wider CSP."""
        response = super().render_graphiql(request, **data)
        response.headers["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY_GRAPHIQL
        return response

    @staticmethod
    def format_error(error):
        if isinstance(error, GraphQLError):
            original = error.original_error
            if isinstance(original, DomainError) and original.details:
                # A resolver refused with a stable code (e.g. UNAVAILABLE): the client's to see.
                detail = original.details[0]
                formatted = error.formatted
                formatted["message"] = detail.message
                formatted["extensions"] = {"exception": {"code": detail.code}}
                if "retry_after" in detail.extra:
                    formatted["extensions"]["retryAfter"] = detail.extra["retry_after"]
                return formatted
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
        if isinstance(error, ClientHttpError):
            return {"message": str(error), "extensions": {"exception": {"code": error.code}}}
        return GraphQLView.format_error(error)


MAX_CACHED_QUERY_LENGTH = 100_000


def parse_and_validate(graphql_schema, query: str):
    """Parse and validate a document, cached: storefronts send the same few queries.

    Validation depends only on the schema, the text and the settings passed
    along, so its result can be reused; it is a sizeable share of a small
    query's time.
    """
    options = (
        settings.GRAPHQL_INTROSPECTION_ENABLED,
        settings.GRAPHQL_MAX_QUERY_TOKENS,
        settings.GRAPHQL_QUERY_MAX_DEPTH,
        settings.GRAPHQL_MAX_ROOT_FIELDS,
        settings.GRAPHQL_MAX_ROOT_MUTATIONS,
    )
    if len(query) <= MAX_CACHED_QUERY_LENGTH:
        return _parse_and_validate_cached(graphql_schema, query, options)
    return _parse_and_validate(graphql_schema, query, options)


def _parse_and_validate(graphql_schema, query: str, options: tuple):
    introspection, max_tokens = options[:2]
    try:
        document = parse(query, max_tokens=max_tokens)
        errors = shape_errors(document) or document_nul_errors(document)
        if errors:
            return None, errors
        rules = specified_rules if introspection else (*specified_rules, NoIntrospection)
        return document, validate(graphql_schema, document, rules, max_errors=50)
    except GraphQLSyntaxError as error:
        return None, [error]
    except RecursionError:
        return None, [
            _error(
                "The document nests selections, lists or objects too deeply to read.",
                ErrorCode.QUERY_TOO_DEEP,
            )
        ]


_parse_and_validate_cached = functools.lru_cache(maxsize=512)(_parse_and_validate)


def _error(message, code):
    return GraphQLError(message, extensions={"exception": {"code": code}})


class _StatementDeadline:
    """Gives the request's SQL its remaining time as statement_timeout, on its first statement.

    Sent on the driver's connection, not through Django's cursor: it is a
    setting, not a statement of the operation, and stays out of the statement
    counts the tests pin. It is sent only when the request runs SQL at all, so
    an answer made without the database (a sold-out drop, a waiting-room
    ticket) never touches PostgreSQL, not even to set a timeout:

    - a statement that opens a transaction (Django's atomic blocks: the
      request's own, or a service's) is preceded by `SET LOCAL`, which ends
      with that transaction, so no pooled connection keeps it and a rolled
      back transaction loses nothing the next one needs;
    - a statement in autocommit (outside any atomic block) is preceded, the
      first time, by a session `SET`, undone by `RESET` when the request ends.
    """

    def __init__(self, deadline: Deadline):
        self.deadline = deadline
        self.session_set = False

    def _milliseconds(self) -> int:
        return max(int((self.deadline.remaining() or 0) * 1000), 1)

    def __call__(self, execute, sql, params, many, context):
        driver = connection.connection
        if driver is not None and driver.info.transaction_status == TransactionStatus.IDLE:
            if not driver.autocommit:
                driver.execute(f"SET LOCAL statement_timeout = {self._milliseconds()}")
            elif not self.session_set:
                driver.execute(f"SET statement_timeout = {self._milliseconds()}")
                self.session_set = True
        return execute(sql, params, many, context)

    def reset(self) -> None:
        if self.session_set and connection.connection is not None:
            connection.connection.execute("RESET statement_timeout")


@contextmanager
def _statement_deadline(deadline: Deadline):
    """Every SQL statement of the block runs under the request's deadline (see above)."""
    if deadline.remaining() is None or connection.vendor != "postgresql":
        yield
        return
    limit = _StatementDeadline(deadline)
    try:
        with connection.execute_wrapper(limit):
            yield
    finally:
        limit.reset()


@functools.cache
def _self_transacting_fields() -> frozenset[str]:
    """Root mutation fields whose mutation sets `owns_transactions` (see core.mutations)."""
    fields = schema.mutation._meta.fields
    return frozenset(
        to_camel_case(name)
        for name, field in fields.items()
        if getattr(field.type, "owns_transactions", False)
    )


def _owns_transactions(operation) -> bool:
    """Whether every root field of the mutation runs its own transactions."""
    names = []
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode):
            return False  # a fragment at the root: keep the request's transaction
        if selection.name.value != "__typename":
            names.append(selection.name.value)
    return bool(names) and all(name in _self_transacting_fields() for name in names)
