"""Demo data: a small licensed-merchandise shop to explore the API and admin with.

The data is in `data/*.toml`; `loader.load_demo` writes it through every
domain. Nothing in a domain package imports this one: the demo sits on top,
like the API.

The app is installed for its management commands, so importing this package
must stay cheap and model-free: the demo logins are read from the data files
only when asked for.
"""

__all__ = [
    "DEMO_STAFF_EMAIL",
    "DEMO_STAFF_PASSWORD",
    "LICENSOR_PASSWORD",
    "MEMBER_EMAILS",
    "MEMBER_PASSWORD",
]


def __getattr__(name: str):
    if name in __all__:
        from . import files

        return getattr(files, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
