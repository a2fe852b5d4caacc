"""The provider idempotency key and the transaction token, decided before the provider call.

A payment is started at the provider before it is recorded here (no lock is
held across the network call). What makes a retry safe is that both names
are derived, not drawn at random:

- the **provider key** (Stripe's `Idempotency-Key`) is the source (checkout
  or order), the action, the amount and the attempt: the client's
  idempotency key when it gave one, else how many transactions the source
  had when the attempt began. A retried request (a timeout, a double click,
  a crash between the provider call and the record) sends the same key, so
  the provider returns the payment it created the first time;
- the **transaction token** is an HMAC of that key under SECRET_KEY: the
  same attempt names the same transaction, whose token is unique, so it is
  recorded once however often it is retried; it is put in the provider's
  metadata, so a webhook finds it (or waits for it, see webhooks).

A new attempt (another amount, or one after a transaction was recorded)
gets a new key and a new token.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from django.conf import settings

from ..models import Checkout, Order


def provider_key(source, *, action: str, amount, currency: str, attempt: str) -> str:
    if isinstance(source, Checkout):
        kind = "checkout"
    elif isinstance(source, Order):
        kind = "order"
    else:  # a registered payable source (payments.sources)
        kind = source.kind.lower()
    return f"marquee-{kind}-{source.pk}-{action.lower()}-{amount}{currency}-{attempt}"


def attempt_of(client_key: str | None, transactions_so_far: int) -> str:
    if client_key:
        return "key-" + hashlib.sha256(client_key.encode()).hexdigest()[:32]
    return f"n{transactions_so_far}"


def transaction_token(key: str) -> uuid.UUID:
    digest = hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)
