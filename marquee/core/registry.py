"""Ordered extension points that declare the error codes their entries may raise.

Every extension point of the commerce core (checkout validators, price
rules, catalogue filters, publication checks) is a `Registry`. An entry
registers with an explicit `order` (lower runs first; equal orders run in
registration order) and the codes it may raise. Two things follow:

- the order is a declaration, not an accident of which app's `ready()` ran
  first: the licence gate (order 300) speaks before the stock check (500),
  so an unlicensed, sold-out line is told about its licence;
- the API builds its error enums from `codes()`, so a new rule needs no edit
  to the API, and an entry that raises a code it did not declare fails
  loudly (`UndeclaredErrorCode`, a programming error every test run meets)
  instead of reaching a client as a silent `INVALID`.

Registration is idempotent (registering the same function twice keeps one
entry), so a module imported twice, or a `ready()` run again by a test
runner, changes nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .exceptions import ErrorDetail


class UndeclaredErrorCode(RuntimeError):
    """A registered entry raised a code it did not declare at registration."""


@dataclass(frozen=True)
class Entry:
    fn: Callable
    order: int
    codes: frozenset[str]
    name: str
    seq: int

    def check(self, details: Iterable[ErrorDetail], registry: str) -> list[ErrorDetail]:
        """The entry's errors, refusing any whose code it did not declare."""
        found = list(details)
        for detail in found:
            if detail.code not in self.codes:
                raise UndeclaredErrorCode(
                    f"{registry} entry {self.name!r} raised {detail.code!r}, "
                    f"which it did not declare (declared: {sorted(self.codes)})."
                )
        return found


class Registry:
    """One extension point: ordered entries, each with the codes it may raise."""

    def __init__(self, name: str):
        self.name = name
        self._entries: list[Entry] = []
        self._seq = itertools.count()

    def register(
        self,
        fn: Callable | None = None,
        *,
        order: int,
        codes: Iterable[str] = (),
        name: str | None = None,
    ):
        """Add `fn` (usable as `@registry.register(order=..., codes=[...])`)."""

        def add(target: Callable) -> Callable:
            if any(entry.fn is target for entry in self._entries):
                return target
            self._entries.append(
                Entry(
                    fn=target,
                    order=int(order),
                    codes=frozenset(codes),
                    name=name or getattr(target, "__qualname__", repr(target)),
                    seq=next(self._seq),
                )
            )
            self._entries.sort(key=lambda entry: (entry.order, entry.seq))
            return target

        return add(fn) if fn is not None else add

    def unregister(self, fn: Callable) -> None:
        self._entries = [entry for entry in self._entries if entry.fn is not fn]

    def __iter__(self) -> Iterator[Entry]:
        # A copy: an entry may (un)register others while the registry runs.
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def codes(self) -> list[str]:
        """Every code an entry may raise, in entry order, each once."""
        seen: dict[str, None] = {}
        for entry in self._entries:
            for code in sorted(entry.codes):
                seen.setdefault(code, None)
        return list(seen)
