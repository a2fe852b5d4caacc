"""Synchronous DataLoaders: one SQL statement per kind of thing per request.

graphene 3 runs resolvers synchronously under Django and has no DataLoader
of its own. Resolvers ask a loader for a key and get a `SyncFuture`; the
execution context (see `execution.py`) dispatches every loader's queued
keys in one batch once the resolvers of the current level have run. Loaders
live on the request, so their cache never outlives it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from graphql_sync_dataloaders import SyncFuture


class DataLoader:
    """Base loader; subclasses implement `batch_load(keys) -> values in key order`."""

    def __new__(cls, context):
        registry = _registry(context)
        loader = registry.get(cls)
        if loader is None:
            loader = super().__new__(cls)
            loader._init(context)
            registry[cls] = loader
        return loader

    def _init(self, context):
        self.context = context
        self._cache: dict[Hashable, SyncFuture] = {}
        self._queue: list[tuple[Hashable, SyncFuture]] = []

    def batch_load(self, keys: Sequence[Hashable]) -> Sequence[Any]:
        raise NotImplementedError

    def load(self, key: Hashable) -> SyncFuture:
        future = self._cache.get(key)
        if future is None:
            future = SyncFuture()
            if not self._queue:
                _pending(self.context).append(self._dispatch)
            self._queue.append((key, future))
            self._cache[key] = future
        return future

    def load_many(self, keys: Iterable[Hashable]) -> SyncFuture:
        return gather([self.load(key) for key in keys])

    def prime(self, key: Hashable, value: Any) -> None:
        if key not in self._cache:
            future = SyncFuture()
            future.set_result(value)
            self._cache[key] = future

    def _dispatch(self):
        queue, self._queue = self._queue, []
        if not queue:
            return
        keys = [key for key, _ in queue]
        try:
            values = list(self.batch_load(keys))
            if len(values) != len(keys):
                raise ValueError(
                    f"{type(self).__name__} returned {len(values)} values for {len(keys)} keys"
                )
        except Exception as error:  # noqa: BLE001 - handed to every waiting resolver
            for key, future in queue:
                self._cache.pop(key, None)
                future.set_exception(error)
            return
        for (_, future), value in zip(queue, values, strict=True):
            future.set_result(value)


def _registry(context) -> dict:
    registry = getattr(context, "_dataloaders", None)
    if registry is None:
        registry = {}
        context._dataloaders = registry
    return registry


def _pending(context) -> list[Callable]:
    pending = getattr(context, "_dataloader_pending", None)
    if pending is None:
        pending = []
        context._dataloader_pending = pending
    return pending


def pending_dispatches(context) -> list[Callable]:
    """The queue the execution context drains after each level of resolvers."""
    return _pending(context)


def then(value: Any, fn: Callable[[Any], Any]) -> Any:
    """Apply `fn` to a value or, when it is a future, to its result.

    `fn` may itself return a future (a second loader): the returned future
    settles when that one does.
    """
    if not isinstance(value, SyncFuture):
        return fn(value)
    if value.done():
        return fn(value.result())
    outer = SyncFuture()

    def settle():
        try:
            result = fn(value.result())
        except Exception as error:  # noqa: BLE001
            outer.set_exception(error)
            return
        _resolve_into(outer, result)

    value.add_done_callback(settle)
    return outer


def _resolve_into(outer: SyncFuture, result: Any) -> None:
    if not isinstance(result, SyncFuture):
        outer.set_result(result)
    elif result.done():
        try:
            outer.set_result(result.result())
        except Exception as error:  # noqa: BLE001
            outer.set_exception(error)
    else:
        result.add_done_callback(lambda: _resolve_into(outer, result))


def gather(values: Sequence[Any]) -> Any:
    """A future of the list of results (values that are not futures pass through)."""
    values = list(values)
    waiting = [v for v in values if isinstance(v, SyncFuture) and not v.done()]
    if not waiting:
        return [v.result() if isinstance(v, SyncFuture) else v for v in values]
    outer = SyncFuture()
    remaining = len(waiting)

    def one_done():
        nonlocal remaining
        remaining -= 1
        if remaining == 0:
            try:
                outer.set_result([v.result() if isinstance(v, SyncFuture) else v for v in values])
            except Exception as error:  # noqa: BLE001
                outer.set_exception(error)

    for future in waiting:
        future.add_done_callback(one_done)
    return outer


def group_by(rows: Iterable[Any], key: Callable[[Any], Hashable]) -> dict[Hashable, list]:
    grouped: dict[Hashable, list] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


class ByIdLoader(DataLoader):
    """Loads model instances by primary key; missing ids load as None."""

    model = None
    select_related: tuple[str, ...] = ()

    def batch_load(self, keys):
        queryset = self.model._default_manager.filter(pk__in=set(keys))
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        by_id = {obj.pk: obj for obj in queryset}
        return [by_id.get(key) for key in keys]


class ManyByFieldLoader(DataLoader):
    """Loads lists of related rows by a foreign-key field, in the model's order."""

    model = None
    field = ""
    select_related: tuple[str, ...] = ()

    def get_queryset(self):
        return self.model._default_manager.all()

    def batch_load(self, keys):
        queryset = self.get_queryset().filter(**{f"{self.field}__in": set(keys)})
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        grouped = group_by(queryset, lambda row: getattr(row, self.field))
        return [grouped.get(key, []) for key in keys]
