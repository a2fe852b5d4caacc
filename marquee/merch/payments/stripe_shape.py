"""Is a signed webhook body a Stripe event Marquee can apply?

A valid signature proves who sent the body, not what it holds: a wrong
endpoint secret shared with another service, a test tool or a future API
version may sign anything. `parse_event` turns the body into an event and
refuses, with a message naming the field, every shape the handlers in
stripe_events cannot read, before anything is stored; so a refused event is
a 400 that Stripe shows on its dashboard, never a 500 and never an event
recorded as processed (which would make its valid resend a duplicate).

Checked for every event: a JSON object with a non-empty string `id` and
`type` that fit their columns, and `data.object` an object when present.
For the types Marquee applies (stripe_events.HANDLED) `data.object` is
required and the fields the handlers read must have Stripe's types: amounts
non-negative integers in minor units, references strings, metadata an
object whose transaction token is a UUID. Other types are acknowledged
without being read, so their `data` is stored as sent.
"""

from __future__ import annotations

import json
import uuid

MAX_EVENT_ID_LENGTH = 255  # ProviderEvent.event_id
MAX_EVENT_TYPE_LENGTH = 128  # ProviderEvent.event_type
MAX_MINOR_UNITS = 10**15  # fits DecimalField(max_digits=20, decimal_places=4) in any currency

_INTENT_AMOUNTS = ("amount",)
_INTENT_OPTIONAL_AMOUNTS = ("amount_received", "amount_capturable")
_CHARGE_AMOUNTS = ("amount",)
_CHARGE_OPTIONAL_AMOUNTS = ("amount_refunded", "amount_captured")


class MalformedEvent(ValueError):
    """The body is signed but is not a Stripe event Marquee can read; the message says why."""


def _refuse_constant(name: str):
    raise MalformedEvent(f"The event holds {name}, which is not a JSON number.")


def parse_event(payload: str, handled: frozenset[str] | set[str]) -> dict:
    """The event in PAYLOAD, or MalformedEvent saying what is wrong with it."""
    try:
        event = json.loads(payload, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise MalformedEvent("The event is nested too deeply.") from exc
    except MalformedEvent:
        raise
    except ValueError as exc:
        raise MalformedEvent("The body is not valid JSON.") from exc
    _check_storable(event)
    check_event(event, handled)
    return event


def _check_storable(event) -> None:
    """PostgreSQL's jsonb and text refuse NUL characters and unpaired surrogates."""
    pending = [event]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise MalformedEvent("The event holds a NUL character.")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise MalformedEvent("The event holds an invalid Unicode escape.") from exc


def check_event(event, handled: frozenset[str] | set[str]) -> None:
    if not isinstance(event, dict):
        raise MalformedEvent(f"A Stripe event is a JSON object, not {_kind(event)}.")
    _string(event, "id", "id", MAX_EVENT_ID_LENGTH)
    event_type = _string(event, "type", "type", MAX_EVENT_TYPE_LENGTH)
    data = event.get("data")
    if data is not None and not isinstance(data, dict):
        raise MalformedEvent(f"`data` must be an object, not {_kind(data)}.")
    obj = (data or {}).get("object")
    if obj is not None and not isinstance(obj, dict):
        raise MalformedEvent(f"`data.object` must be an object, not {_kind(obj)}.")
    if event_type not in handled:
        return
    if obj is None:
        raise MalformedEvent(f"A {event_type} event must carry `data.object`.")
    _metadata(obj)
    if event_type == "charge.refunded":
        _optional_string(obj, "payment_intent", "data.object.payment_intent")
        _amounts(obj, _CHARGE_AMOUNTS, _CHARGE_OPTIONAL_AMOUNTS)
    else:
        _string(obj, "id", "data.object.id", None)
        _amounts(obj, _INTENT_AMOUNTS, _INTENT_OPTIONAL_AMOUNTS)
        error = obj.get("last_payment_error")
        if error is not None:
            if not isinstance(error, dict):
                raise MalformedEvent(
                    f"`data.object.last_payment_error` must be an object, not {_kind(error)}."
                )
            _optional_string(error, "message", "data.object.last_payment_error.message")


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
    }.get(type(value), "a value")


def _string(obj: dict, key: str, label: str, max_length: int | None) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        shown = "missing" if key not in obj else _kind(value)
        raise MalformedEvent(f"`{label}` must be a non-empty string, not {shown}.")
    if max_length is not None and len(value) > max_length:
        raise MalformedEvent(f"`{label}` is longer than {max_length} characters.")
    return value


def _optional_string(obj: dict, key: str, label: str) -> None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedEvent(f"`{label}` must be a string, not {_kind(value)}.")


def _amount(obj: dict, key: str) -> None:
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedEvent(
            f"`data.object.{key}` must be an integer in minor units, not {_kind(value)}."
        )
    if not 0 <= value < MAX_MINOR_UNITS:
        raise MalformedEvent(f"`data.object.{key}` must be between 0 and {MAX_MINOR_UNITS - 1}.")


def _amounts(obj: dict, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    for key in required:
        if key not in obj:
            raise MalformedEvent(f"`data.object.{key}` is missing.")
        _amount(obj, key)
    for key in optional:
        if obj.get(key) is not None:
            _amount(obj, key)


def _metadata(obj: dict) -> None:
    metadata = obj.get("metadata")
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise MalformedEvent(f"`data.object.metadata` must be an object, not {_kind(metadata)}.")
    token = metadata.get("transaction_token")
    if token in (None, ""):
        return
    label = "data.object.metadata.transaction_token"
    if not isinstance(token, str):
        raise MalformedEvent(f"`{label}` must be a string, not {_kind(token)}.")
    try:
        uuid.UUID(token)
    except ValueError as exc:
        raise MalformedEvent(f"`{label}` is not a transaction token.") from exc
