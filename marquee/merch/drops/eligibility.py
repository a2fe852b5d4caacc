"""Who may reserve during a drop's early-access window (before `starts_at`).

An app registers `fn(drop, user) -> bool` with an explicit order
(`marquee.core.registry`); a buyer is eligible when any registered rule
says so. Only signed-in buyers can be eligible; with nothing registered
nobody is, and the window is closed to everyone. A rule should be one SQL
statement (members' is an EXISTS), since it runs on the drop's hot path for
every signed-in buyer of the window.
"""

from __future__ import annotations

from collections.abc import Callable

from marquee.core.registry import Registry

EarlyAccessRule = Callable[[object, object], bool]

early_access_rules = Registry("drop early access rule")


def register_early_access(fn: EarlyAccessRule | None = None, *, order: int):
    return early_access_rules.register(fn, order=order)


def unregister_early_access(fn: EarlyAccessRule) -> None:
    early_access_rules.unregister(fn)


def is_eligible(drop, user) -> bool:
    """Whether `user` may reserve in the drop's early-access window."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(entry.fn(drop, user) for entry in early_access_rules)
