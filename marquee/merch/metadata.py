"""Public metadata: key-value pairs a storefront keeps on a checkout or an order.

Saleor's storefronts store small things there (a chosen gift message, a
tracking consent). It is client data, so it is bounded: key and value
lengths, and the number of keys, each with a clear error.
"""

from __future__ import annotations

from marquee.core.exceptions import DomainError, ErrorDetail

MAX_KEYS = 100
MAX_KEY_LENGTH = 256
MAX_VALUE_LENGTH = 10_000


def update_metadata(instance, items: list[tuple[str, str]]):
    errors = []
    for key, value in items:
        if not key or not key.strip():
            errors.append(ErrorDetail("REQUIRED", "Metadata key cannot be empty.", field="input"))
        elif len(key) > MAX_KEY_LENGTH:
            errors.append(
                ErrorDetail(
                    "INVALID", f"Metadata keys are at most {MAX_KEY_LENGTH} characters.", "input"
                )
            )
        if len(value) > MAX_VALUE_LENGTH:
            errors.append(
                ErrorDetail(
                    "INVALID",
                    f"Metadata values are at most {MAX_VALUE_LENGTH} characters.",
                    "input",
                )
            )
    merged = {**(instance.metadata or {}), **dict(items)}
    if len(merged) > MAX_KEYS:
        errors.append(ErrorDetail("INVALID", f"At most {MAX_KEYS} metadata keys.", "input"))
    if errors:
        raise DomainError(*errors)
    instance.metadata = merged
    instance.save(update_fields=["metadata"])
    return instance


def delete_metadata(instance, keys: list[str]):
    remaining = {k: v for k, v in (instance.metadata or {}).items() if k not in set(keys)}
    if remaining != instance.metadata:
        instance.metadata = remaining
        instance.save(update_fields=["metadata"])
    return instance
