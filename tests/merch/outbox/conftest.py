"""Outbox tests: a shop that takes orders, and consumers of the test's own.

`consumers` empties the consumer registry for the test (whatever the other
apps registered, such as the royalty ledger) and gives it back afterwards,
so a test sees exactly the consumers it registers.
"""

import pytest

from marquee.merch.outbox import consumers as registry
from tests.orders.conftest import ShopBuilder


@pytest.fixture(autouse=True)
def _without_licence_gate(settings):
    """These products declare no licences; the licence gate is licensing's to test."""
    settings.LICENCE_GATE_ENABLED = False


@pytest.fixture
def shop(db):
    return ShopBuilder()


class Consumers:
    """Registers consumers for one test and records what each was given."""

    def __init__(self):
        self.calls: list[tuple[str, int]] = []

    def add(self, name, *, order=100, event_types=("order.placed", "order.paid"), fail=0):
        """A consumer that records (name, event id); it raises on its first `fail` calls."""
        state = {"fail": fail}

        def consume(event):
            if state["fail"] > 0:
                state["fail"] -= 1
                raise RuntimeError(f"{name} is down")
            self.calls.append((name, event.pk))

        consume.__qualname__ = f"consume_{name}"
        registry.register_consumer(consume, name=name, order=order, event_types=event_types)
        return consume

    def of(self, name):
        return [event_id for who, event_id in self.calls if who == name]


@pytest.fixture
def consumers(monkeypatch):
    monkeypatch.setattr(registry.consumers, "_entries", [])
    monkeypatch.setattr(registry, "_types", {})
    return Consumers()
