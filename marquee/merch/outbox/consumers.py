"""Who receives order events: a registry, like every other extension point.

A consumer registers with a stable name (recorded per delivery, so renaming
one means it sees every event again), an explicit order (lower first, for
consumers that read what an earlier one wrote) and the event types it
wants:

    from marquee.merch.outbox.consumers import register_consumer

    @register_consumer(name="royalty-ledger", order=100,
                       event_types=["order.paid", "order.refunded"])
    def post_royalties(event):      # an OutboxEvent
        ...                         # idempotent: may see the same event again

A consumer runs inside its own transaction together with the row that marks
the event delivered to it, so it either takes the event and is marked, or
neither. It must be idempotent all the same (a delivery can be retried
after its commit if the worker dies before the sweep notices).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from marquee.core.registry import Registry

consumers = Registry("outbox consumer")
_types: dict[str, frozenset[str]] = {}


def register_consumer(
    fn: Callable | None = None, *, name: str, order: int, event_types: Iterable[str]
):
    wanted = frozenset(event_types)

    def add(target: Callable) -> Callable:
        for entry in consumers:
            if entry.name == name and entry.fn is not target:
                raise ValueError(f"An outbox consumer named {name!r} is registered already.")
        _types[name] = wanted
        return consumers.register(target, order=order, name=name)

    return add(fn) if fn is not None else add


def unregister_consumer(fn: Callable) -> None:
    consumers.unregister(fn)


def consumers_for(event_type: str):
    """The registry entries that want this event type, in their order."""
    return [entry for entry in consumers if event_type in _types.get(entry.name, ())]
