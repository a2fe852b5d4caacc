"""The response cache: public catalogue answers served without running GraphQL.

What is kept. A single query operation (no mutation, no subscription, not an
entry of a batch) whose root fields are all in the allow-list of
`data/response_cache.json` (products, categories, collections, films, menus,
pages, channels, shop, drops) and which selects none of its viewer fields.
Nothing reachable from those roots reads the viewer except through prices
and member-only variants, which the pricing segment captures; `me`,
checkouts, orders, backer programmes and licensor data are never kept. An
answer with `errors` is not stored.

The key is a sha256 over what the answer depends on:

- the query text, `operationName` and the variables as canonical JSON
  (the channel and the language are arguments, so they are in them; a
  missing channel is the single active channel, which is catalogue data);
- the scheme and host (image URLs are absolute, built from the request);
- the pricing segment (`merch.extensions.pricing_segment`: "public", or the
  viewer's programme tiers; never the user id, so members share entries);
- the catalogue token (`core.cache_versions`): moved by every committed
  catalogue write and by every registered moment passing;
- the registered catalogue rules (filters, variant filters, price rules,
  segment contributors), so a rule added at run time is never missed.

No resolver reads Accept-Language or any other header (no LocaleMiddleware).

Lifetime. An answer selecting a stock-dependent field (`stock_fields` in
the data file: quantityAvailable, isAvailable, a drop's remaining and state;
or an argument that can filter by stock, `stock_input_fields`) lives
GRAPHQL_STOCK_STALENESS_SECONDS (0: such answers are not kept) from the moment its computation
started; any other answer GRAPHQL_RESPONSE_CACHE_SECONDS, cut at the next
registered moment. Stock is never part of the catalogue version, so a sale
costs no invalidation; checkoutLinesAdd and checkoutComplete are never
cached and always check real stock.

The hit path does not parse, validate, cost or execute the document: the
document's classification is kept in-process by its text, and a hit is the
version read (one SQL statement) plus one cache get. The store is Django's
`default` cache (in-process, or Redis with REDIS_URL); a store that fails
serves misses, logged once, and is left alone for a few seconds.

Single flight: on a miss, the first request takes a short fill mark in the
store and computes; others missing the same key wait for its entry (polling,
at most FILL_WAIT_SECONDS and never past half the request's deadline), then
compute themselves, so a stampede after a price change computes once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.utils.utils import set_rollback
from graphql import (
    GraphQLError,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    get_operation_ast,
    parse,
    visit,
)
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode

from marquee.core.cache_versions import catalogue_state
from marquee.merch import extensions
from marquee.merch.extensions import PUBLIC_SEGMENT, pricing_segment
from marquee.merch.pricing.rules import price_rules

logger = logging.getLogger("marquee.graphql.cache")

DATA = json.loads((Path(__file__).parent / "data" / "response_cache.json").read_text())
CACHEABLE_ROOTS = frozenset(DATA["cacheable_roots"])
STOCK_FIELDS = frozenset(tuple(pair) for pair in DATA["stock_fields"])
VIEWER_FIELDS = frozenset(tuple(pair) for pair in DATA["viewer_fields"])
# Arguments whose input type holds one of these (a stock filter) make the answer stock-dependent.
STOCK_INPUT_FIELDS = frozenset(DATA["stock_input_fields"])

KEY_PREFIX = "graphql-response:"
MAX_DOCUMENT_LENGTH = 100_000
FILL_WAIT_SECONDS = 2.0
FILL_POLL_SECONDS = 0.01
FILL_MARK_SECONDS = 10
STORE_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class CachePolicy:
    """How a cacheable answer may be kept downstream (read by the view's dispatch).

    `shared`: the same for every anonymous viewer (a CDN may keep it);
    `max_age`: how many more seconds it stays right.
    """

    shared: bool
    max_age: int


@dataclass(frozen=True)
class Classification:
    cacheable: bool
    stock_dependent: bool = False


NOT_CACHEABLE = Classification(False)


# --- Which documents -----------------------------------------------------------


def _root_names(selection_set, fragments, expanded=None):
    """The root field names, each fragment expanded once (a fragment spread twice by a
    chain of fragments would otherwise be walked 2**n times before anything is refused)."""
    expanded = set() if expanded is None else expanded
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_names(selection.selection_set, fragments, expanded)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in fragments:
                yield "?"  # a missing fragment: let validation explain
                continue
            if name in expanded:
                continue  # its names are yielded already (or it is a cycle)
            expanded.add(name)
            yield from _root_names(fragments[name].selection_set, fragments, expanded)


def _filters_stock(input_type, seen=None) -> bool:
    """Whether an input type (or one nested in it) has a stock filter field."""
    input_type = get_named_type(input_type)
    fields = getattr(input_type, "fields", None)
    if not fields:
        return False
    seen = seen if seen is not None else set()
    if input_type.name in seen:
        return False
    seen.add(input_type.name)
    return any(
        name in STOCK_INPUT_FIELDS or _filters_stock(field.type, seen)
        for name, field in fields.items()
    )


class _FieldCollector(Visitor):
    def __init__(self, type_info: TypeInfo):
        super().__init__()
        self.type_info = type_info
        self.fields: set[tuple[str, str]] = set()
        self.stock_arguments = False

    def enter_field(self, node, *_args):
        parent = self.type_info.get_parent_type()
        if parent is not None:
            self.fields.add((get_named_type(parent).name, node.name.value))

    def enter_argument(self, _node, *_args):
        argument = self.type_info.get_argument()
        if argument is not None and _filters_stock(argument.type):
            self.stock_arguments = True


def selected_fields(graphql_schema, document) -> tuple[set[tuple[str, str]], bool]:
    """Every (type, field) pair the document selects, fragments included, and whether
    an argument can filter by stock."""
    type_info = TypeInfo(graphql_schema)
    collector = _FieldCollector(type_info)
    visit(document, TypeInfoVisitor(type_info, collector))
    return collector.fields, collector.stock_arguments


@functools.lru_cache(maxsize=1024)
def classify(graphql_schema, query: str, operation_name: str | None) -> Classification:
    """Whether an operation's answer may be cached, and whether it shows stock.

    Kept per document text, so a hit never parses.
    """
    try:
        document = parse(query, max_tokens=settings.GRAPHQL_MAX_QUERY_TOKENS)
    except (GraphQLError, RecursionError):
        return NOT_CACHEABLE
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation.value != "query":
        return NOT_CACHEABLE
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if definition.kind == "fragment_definition"
    }
    roots = set(_root_names(operation.selection_set, fragments))
    if not roots or not roots <= CACHEABLE_ROOTS:
        return NOT_CACHEABLE
    try:
        fields, stock_arguments = selected_fields(graphql_schema, document)
    except RecursionError:
        return NOT_CACHEABLE
    if fields & VIEWER_FIELDS:
        return NOT_CACHEABLE
    return Classification(True, stock_dependent=stock_arguments or bool(fields & STOCK_FIELDS))


# --- The store -----------------------------------------------------------------


class _Store:
    """Django's `default` cache, failing open: an unreachable store is a miss, logged once."""

    def __init__(self):
        self._down_until = 0.0
        self._logged = False
        self._lock = threading.Lock()

    @property
    def cache(self):
        return caches["default"]

    def _call(self, method, *args, default=None):
        if time.monotonic() < self._down_until:
            return default
        try:
            result = getattr(self.cache, method)(*args)
        except Exception:
            with self._lock:
                self._down_until = time.monotonic() + STORE_RETRY_SECONDS
                if not self._logged:
                    self._logged = True
                    logger.warning(
                        "The response cache's store is unreachable: serving misses.",
                        exc_info=True,
                    )
            return default
        if self._logged:
            with self._lock:
                self._logged = False
                logger.info("The response cache's store is reachable again.")
        return result

    def get(self, key):
        return self._call("get", key)

    def set(self, key, value, timeout):
        self._call("set", key, value, timeout)

    def add(self, key, value, timeout) -> bool:
        return bool(self._call("add", key, value, timeout, default=False))

    def delete(self, key):
        self._call("delete", key)

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def reset(self):
        self._down_until = 0.0
        self._logged = False


store = _Store()

_settings_epoch = 0


def _on_setting_changed(setting=None, **_kwargs):
    # Settings shape answers (the licence gate, limits, the shop's name); they change
    # at run time only in tests, whose entries must not outlive the change. The store's
    # own settings change where entries live, not what they say.
    global _settings_epoch
    if setting != "CACHES":
        _settings_epoch += 1


setting_changed.connect(_on_setting_changed, dispatch_uid="graphql.response_cache.settings")


def clear() -> None:
    """Forget this store's entries and its failure state (tests).

    Only the response cache's own keys: a shared Redis holds other things
    (waiting rooms, rate limits, other shops), so nothing is flushed.
    """
    store.reset()
    cache = store.cache
    try:
        client = getattr(cache, "_cache", None)
        if hasattr(client, "get_client"):  # Redis: delete by this cache's key pattern
            redis = client.get_client(write=True)
            pattern = cache.make_key(KEY_PREFIX + "*")
            keys = list(redis.scan_iter(match=pattern, count=500))
            if keys:
                redis.delete(*keys)
        elif isinstance(client, dict):  # in-process: this cache's own entries
            with cache._lock:
                for key in [k for k in client if KEY_PREFIX in k]:
                    del client[key]
                    cache._expire_info.pop(key, None)
    except Exception:
        store.reset()


# --- Serving -------------------------------------------------------------------


def _canonical_variables(variables) -> str | None:
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        return None
    try:
        return json.dumps(variables, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return None


def _origin(request) -> str:
    try:
        return request.build_absolute_uri("/")
    except Exception:
        return ""


def _viewer(request):
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _rules() -> str:
    """The registered catalogue rules: an app (or a test) adding one changes every answer."""
    registries = (
        extensions.catalogue_filters,
        extensions.variant_filters,
        extensions.pricing_segments,
        price_rules,
    )
    return "|".join(",".join(str(id(entry.fn)) for entry in registry) for registry in registries)


def cache_key(*, query, operation_name, variables_json, origin, segment, token) -> str:
    digest = hashlib.sha256()
    digest.update(_rules().encode())
    for part in (query, operation_name or "", variables_json, origin, segment, token):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    digest.update(str(_settings_epoch).encode())
    return KEY_PREFIX + digest.hexdigest()


def execute(view, request, data, params, show_graphiql=False):
    """graphene-django's get_response body: execute, roll back on errors, encode.

    Returns (body, status, execution result).
    """
    query, variables, operation_name, id_ = params
    result = view.execute_graphql_request(
        request, data, query, variables, operation_name, show_graphiql
    )
    if getattr(request, MUTATION_ERRORS_FLAG, False) is True:
        set_rollback()
    status = 200
    if not result:
        return None, status, result
    response = {}
    if result.errors:
        set_rollback()
        response["errors"] = [view.format_error(error) for error in result.errors]
    if result.errors and any(not getattr(error, "path", None) for error in result.errors):
        status = 400
    else:
        response["data"] = result.data
    if view.batch:
        response["id"] = id_
        response["status"] = status
    return view.json_encode(request, response, pretty=show_graphiql), status, result


def _lifetime(classification: Classification, era, started: float) -> float:
    """Until when (epoch seconds) an answer computed from `started` on stays right."""
    seconds = settings.GRAPHQL_RESPONSE_CACHE_SECONDS
    if classification.stock_dependent:
        seconds = min(seconds, settings.GRAPHQL_STOCK_STALENESS_SECONDS)
    expires = started + seconds
    if era is not None:
        expires = min(expires, era.timestamp())
    return expires


def _fresh(entry, now: float):
    if isinstance(entry, dict) and entry.get("expires", 0) > now:
        return entry
    return None


def _wait_for(key: str, request) -> dict | None:
    """Another request is computing this key: wait a little for its entry."""
    limit = FILL_WAIT_SECONDS
    deadline = getattr(request, "graphql_deadline", None)
    remaining = deadline.remaining() if deadline is not None else None
    if remaining is not None:
        limit = min(limit, remaining / 2)
    until = time.monotonic() + limit
    while time.monotonic() < until:
        time.sleep(FILL_POLL_SECONDS)
        entry = _fresh(store.get(key), time.time())
        if entry is not None:
            return entry
        if not store.available():
            return None
    return None


# What `X-Cache` says of a cacheable operation's answer (http_cache writes it), as
# CDNs and shared caches say it: operators and benches read hit rates from it.
HIT = "HIT"
MISS = "MISS"


def _serve(request, entry, shared: bool):
    max_age = max(int(entry["expires"] - time.time()), 0)
    request.graphql_cache_policy = CachePolicy(shared=shared, max_age=max_age)
    request.graphql_cache_status = HIT
    return entry["body"], 200


def respond(view, request, data, show_graphiql=False):
    """The view's get_response: from the cache when the answer may be kept, else executed."""
    params = view.get_graphql_params(request, data)
    if (
        not settings.GRAPHQL_RESPONSE_CACHE_ENABLED
        or show_graphiql
        or id(data) in getattr(request, "graphql_prepared", {})  # a batch entry
    ):
        return execute(view, request, data, params, show_graphiql)[:2]
    query, variables, operation_name, _id = params
    variables_json = _canonical_variables(variables)
    if (
        not isinstance(query, str)
        or len(query) > MAX_DOCUMENT_LENGTH
        or variables_json is None
        or not (operation_name is None or isinstance(operation_name, str))
    ):
        return execute(view, request, data, params, show_graphiql)[:2]
    classification = classify(view.schema.graphql_schema, query, operation_name)
    if not classification.cacheable:
        return execute(view, request, data, params, show_graphiql)[:2]

    started = time.time()
    viewer = _viewer(request)
    segment = pricing_segment(viewer)
    shared = viewer is None and segment == PUBLIC_SEGMENT
    state = catalogue_state(request)
    key = cache_key(
        query=query,
        operation_name=operation_name,
        variables_json=variables_json,
        origin=_origin(request),
        segment=segment,
        token=state.token,
    )
    entry = _fresh(store.get(key), started)
    if entry is not None:
        return _serve(request, entry, shared)

    fill_mark = key + ":filling"
    filling = store.add(fill_mark, 1, FILL_MARK_SECONDS)
    if not filling and store.available():
        entry = _wait_for(key, request)
        if entry is not None:
            return _serve(request, entry, shared)
    request.graphql_cache_status = MISS
    try:
        body, status, result = execute(view, request, data, params, show_graphiql)
        if status == 200 and result is not None and not result.errors and body is not None:
            expires = _lifetime(classification, state.era, started)
            left = expires - time.time()
            if left > 0:
                store.set(key, {"body": body, "expires": expires}, math.ceil(left))
                request.graphql_cache_policy = CachePolicy(shared=shared, max_age=int(left))
        return body, status
    finally:
        if filling:
            store.delete(fill_mark)
