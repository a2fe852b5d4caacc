"""Automatic persisted queries, as Apollo's clients and servers speak them.

A client sends `extensions: {"persistedQuery": {"version": 1, "sha256Hash":
"<hex>"}}` without the document (in a POST body, or as the JSON `extensions`
parameter of a GET). If the server knows the hash it runs the document it
stored; if not it answers `PersistedQueryNotFound`, and the client sends the
hash again with the full document, which the server checks, stores and runs.
Afterwards a GET carries a few dozen bytes instead of the document, so its
URL is short and stable: what a CDN can key on.

Apollo Server 4's answers are kept, since Apollo's link decides by them:
not found is HTTP 200 (the link retries on a 200 with that error; a status
it does not expect could be masked by error handling on the way), an
unsupported version and a hash that does not match the document are 400.
Apollo gives the last two no code; here each has its own, as every error
does. A malformed `extensions` is a 400 `PERSISTED_QUERY_INVALID`.

Documents are stored only once they parse and validate (so within the
token limit) and are kept in Django's `default` cache, which is Redis
shared by every worker when REDIS_URL is set, with an in-process LRU in
front. A hash names exactly one document, so a copy can never be stale and
needs no invalidation. A stored document is only text: it is parsed,
validated and measured against every limit on each use, as if it had been
sent.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from .refusals import RefusedRequest

logger = logging.getLogger("marquee.graphql")

VERSION = 1
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
VERSION_UNSUPPORTED = "PERSISTED_QUERY_VERSION_UNSUPPORTED"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
INVALID = "PERSISTED_QUERY_INVALID"

# Longer documents are run when sent but never stored: the parse cache's bound.
MAX_DOCUMENT_LENGTH = 100_000
_HASH = re.compile(r"[0-9a-fA-F]{64}")
_KEY_PREFIX = "apq:"


class _LocalDocuments:
    """The documents this process used last, bounded by their total length."""

    def __init__(self, max_chars: int = 4_000_000):
        self.max_chars = max_chars
        self.chars = 0
        self.entries: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, sha256_hash: str) -> str | None:
        with self.lock:
            document = self.entries.get(sha256_hash)
            if document is not None:
                self.entries.move_to_end(sha256_hash)
            return document

    def put(self, sha256_hash: str, document: str) -> None:
        with self.lock:
            if sha256_hash in self.entries:
                self.entries.move_to_end(sha256_hash)
                return
            self.entries[sha256_hash] = document
            self.chars += len(document)
            while self.chars > self.max_chars and self.entries:
                _, evicted = self.entries.popitem(last=False)
                self.chars -= len(evicted)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.chars = 0


local_documents = _LocalDocuments()


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def requested_hash(extensions) -> str | None:
    """The hash `extensions` asks for, or None when it asks for no persisted query.

    Raises `RefusedRequest` for a version other than 1 or a malformed value;
    the message never repeats the value, which may be huge.
    """
    if extensions is None:
        return None
    if not isinstance(extensions, dict):
        raise RefusedRequest("`extensions` must be a JSON object.", INVALID)
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise RefusedRequest("`extensions.persistedQuery` must be a JSON object.", INVALID)
    version = persisted.get("version")
    if type(version) is not int:
        raise RefusedRequest("`extensions.persistedQuery.version` must be an integer.", INVALID)
    if version != VERSION:
        # Apollo Server's message.
        raise RefusedRequest("Unsupported persisted query version", VERSION_UNSUPPORTED)
    sha256_hash = persisted.get("sha256Hash")
    if not isinstance(sha256_hash, str) or not _HASH.fullmatch(sha256_hash):
        raise RefusedRequest(
            "`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits "
            "(the SHA-256 of the document's UTF-8 text).",
            INVALID,
        )
    return sha256_hash.lower()


def resolve(query, extensions, is_valid: Callable[[str], bool]):
    """The document to run for a request's `query` and `extensions`.

    Without a persisted query, `query` as sent. With a hash alone, the stored
    document. With a hash and a document, the document once its hash is
    checked; it is stored when `is_valid(document)` says it parses and
    validates (as Apollo Server stores only what it could run).
    """
    sha256_hash = requested_hash(extensions)
    if sha256_hash is None:
        return query
    if not settings.GRAPHQL_PERSISTED_QUERIES_ENABLED:
        # Apollo's link stops sending hashes when it reads this.
        raise RefusedRequest("PersistedQueryNotSupported", NOT_SUPPORTED, status=200)
    if not query:
        document = stored_document(sha256_hash)
        if document is None:
            # Apollo's message, which its link matches as well as the code.
            raise RefusedRequest("PersistedQueryNotFound", NOT_FOUND, status=200)
        return document
    if not isinstance(query, str):
        return query  # the usual answer for a query that is not a string follows
    if sha256_hex(query) != sha256_hash:
        # Apollo Server's message.
        raise RefusedRequest("provided sha does not match query", HASH_MISMATCH)
    if len(query) <= MAX_DOCUMENT_LENGTH and is_valid(query):
        store_document(sha256_hash, query)
    return query


def stored_document(sha256_hash: str) -> str | None:
    document = local_documents.get(sha256_hash)
    if document is not None:
        return document
    try:
        document = cache.get(_KEY_PREFIX + sha256_hash)
    except Exception:
        # A shared cache that is down is a miss: the client sends the document again.
        logger.warning("Persisted query lookup failed", exc_info=True)
        return None
    if isinstance(document, str):
        local_documents.put(sha256_hash, document)
        return document
    return None


def store_document(sha256_hash: str, document: str) -> None:
    local_documents.put(sha256_hash, document)
    try:
        cache.set(_KEY_PREFIX + sha256_hash, document, settings.GRAPHQL_PERSISTED_QUERY_SECONDS)
    except Exception:
        # The request still runs; other workers will ask for the document again.
        logger.warning("Persisted query could not be stored", exc_info=True)
