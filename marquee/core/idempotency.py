"""Idempotency keys: a retried write returns the first answer, never a second order.

A client that lost the answer to `checkoutComplete` or `dropReserve` (a
timeout, a dropped connection, a worker killed mid-request) sends the same
request again with the same key. `once()` makes the retry see what the
first request did instead of doing it again:

1. `INSERT ... ON CONFLICT (scope, owner, key) DO NOTHING RETURNING id`, in
   the caller's transaction, before any other write. While the first request
   is still running, the retry's INSERT waits on the unique index for the
   first transaction to end: PostgreSQL itself queues duplicates, no lock
   is held by Python;
2. inserted: the work runs and its outcome (references such as an order id,
   never whole objects) is written to the row in the same transaction, so
   the key and the order commit together or not at all;
3. not inserted: the first request committed. The stored fingerprint of its
   arguments must match (another request under the same key is
   `IDEMPOTENCY_KEY_REUSED`, as Stripe answers), and its outcome is returned.

A first request that was refused (a `DomainError`) rolled back its key with
everything else, so a retry runs again and may succeed: only outcomes that
changed something are remembered. Keys are kept for
`IDEMPOTENCY_KEY_RETENTION_HOURS`; `purge()` (Celery beat) deletes older ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .exceptions import DomainError
from .models import IdempotencyKey

MAX_KEY_LENGTH = 255
CODES = ("IDEMPOTENCY_KEY_REUSED", "INVALID_IDEMPOTENCY_KEY")

_TABLE = IdempotencyKey._meta.db_table
_CLAIM = f"""
INSERT INTO {_TABLE} (scope, owner, key, fingerprint, outcome, created_at)
VALUES (%s, %s, %s, %s, %s::jsonb, now())
ON CONFLICT (scope, owner, key) DO NOTHING
RETURNING id
"""  # noqa: S608 (the table name is ours; values are parameters)


def fingerprint(arguments: dict) -> str:
    """SHA-256 of the arguments in a canonical JSON form (keys sorted, values as text)."""
    canonical = json.dumps(arguments, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def owner_of(user) -> str:
    """Whose key it is: a signed-in user's own, or one shared by anonymous callers."""
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return "anonymous"


def clean_key(key: str | None, field: str = "idempotencyKey") -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise DomainError.single(
            "INVALID_IDEMPOTENCY_KEY",
            f"An idempotency key is 1 to {MAX_KEY_LENGTH} printable characters.",
            field=field,
        )
    return key


def once(
    scope: str,
    key: str | None,
    *,
    user,
    arguments: dict,
    run: Callable[[], Any],
    outcome: Callable[[Any], dict],
    replay: Callable[[dict], Any],
    field: str = "idempotencyKey",
    known_outcome: dict | None = None,
) -> tuple[Any, bool]:
    """Run `run()` once per key; returns (result, replayed).

    Must be called inside a transaction (the key commits with the work).
    `outcome(result)` turns the result into JSON references; `replay(refs)`
    turns them back into a result for a retry. Without a key, `run()` simply runs.

    A caller that knows its references before the work (`known_outcome`: the
    checkout token it is about to create) has them written with the claim, so
    no statement follows the work: a hot path whose last statement locks a
    hot row keeps it last.
    """
    key = clean_key(key, field)
    if key is None:
        return run(), False
    owner, digest = owner_of(user), fingerprint(arguments)
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [scope, owner, key, digest, json.dumps(known_outcome or {})])
        claimed = cursor.fetchone()
    if claimed is None:
        first = IdempotencyKey.objects.get(scope=scope, owner=owner, key=key)
        if first.fingerprint != digest:
            raise DomainError.single(
                "IDEMPOTENCY_KEY_REUSED",
                "This idempotency key was already used for a different request.",
                field=field,
            )
        return replay(first.outcome), True
    result = run()
    if known_outcome is None:
        IdempotencyKey.objects.filter(pk=claimed[0]).update(outcome=outcome(result))
    return result, False


def purge(now=None) -> int:
    """Delete keys past their retention; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
