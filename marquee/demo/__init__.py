"""Demo data: a small licensed-merchandise shop to explore the API and admin with.

The data is in `data/*.toml`; `loader.load_demo` writes it through every
domain. Nothing in a domain package imports this one: the demo sits on top,
like the API. (This module imports no models, so the app can be installed.)
"""

from .files import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, LICENSOR_PASSWORD

__all__ = ["DEMO_STAFF_EMAIL", "DEMO_STAFF_PASSWORD", "LICENSOR_PASSWORD"]
