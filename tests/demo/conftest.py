# The module-wide demo shop fixture, shared with tests/merch.
from tests.merch.conftest import demo  # noqa: F401
