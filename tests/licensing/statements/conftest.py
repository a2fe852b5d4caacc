"""A licensor with one licence whose first contract year ends with Q1 2025."""

from __future__ import annotations

from datetime import date

import pytest

from marquee.licensing.statements import close as closing

from .factories import terms

Q4_2024 = (date(2024, 10, 1), date(2024, 12, 31))
Q1_2025 = (date(2025, 1, 1), date(2025, 3, 31))
Q2_2025 = (date(2025, 4, 1), date(2025, 6, 30))


@pytest.fixture
def licence(register):
    licence = register.licence(
        register.licensor_a,
        "A-ROY",
        [register.property_a],
        term_start=date(2024, 4, 1),
        term_end=date(2027, 3, 31),
    )
    terms(licence, rate="10")
    return licence


def close(period, staff=None):
    """Close a period through the service and its (eager) task."""
    request = closing.close_period(*period, staff)
    request.close.refresh_from_db()
    return request


@pytest.fixture
def run_close(django_capture_on_commit_callbacks, register):
    def run(period):
        with django_capture_on_commit_callbacks(execute=True):
            request = closing.close_period(*period, register.staff)
        request.close.refresh_from_db()
        return request

    return run
