"""Response bodies: a GraphQL result serialized with orjson, the same JSON as before.

A 100-product list is a few hundred kilobytes of JSON; the standard library's
encoder spends milliseconds of a worker's CPU on it, orjson a fraction of
that. What a client reads does not change:

- amounts are floats (graphql-core's `Float`), written as the shortest text
  that reads back as the same number, as `json.dumps` writes them (the two
  differ only in the notation of numbers below 0.0001, which is not money);
  `Decimal` never reaches the encoder: the `Decimal` scalar serializes to a
  string first;
- text is written as UTF-8 rather than as `\\uXXXX` escapes: the same
  strings once parsed, fewer bytes on the wire;
- keys keep the order graphql-core built them in (the order of the
  selection), and the separators are the compact ones.

Anything orjson refuses (an integer beyond 64 bits, a lone surrogate in a
string, a key that is not a string) is serialized by the standard library
exactly as before, so no answer that used to be served now fails. The
pretty form (GraphiQL, `?pretty`) stays the standard library's.
"""

from __future__ import annotations

import json

import orjson


def encode_result(data: dict, pretty: bool = False) -> str:
    """The response body of one operation's result (a dict of data / errors)."""
    if pretty:
        return json.dumps(data, sort_keys=True, indent=2, separators=(",", ": "))
    try:
        return orjson.dumps(data).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(data, separators=(",", ":"))
