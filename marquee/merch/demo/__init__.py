"""Demo data: a small licensed-merchandise shop to explore the API and admin with."""

from .loader import (
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
    demo_is_loaded,
    load_demo,
)

__all__ = [
    "DEMO_STAFF_EMAIL",
    "DEMO_STAFF_PASSWORD",
    "demo_is_loaded",
    "load_demo",
]
