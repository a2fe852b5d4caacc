import pytest


@pytest.fixture(autouse=True)
def _no_request_deadline(settings):
    """These tests pin SQL statements, not time.

    A product list's first request renders every product image's thumbnail
    (Pillow, in the request), so on a slow or busy machine it can pass the
    5-second request deadline and answer REQUEST_TIMEOUT instead of being counted.
    """
    settings.GRAPHQL_REQUEST_DEADLINE_SECONDS = 120


@pytest.fixture(autouse=True)
def _response_cache_off(settings):
    """These pins count the statements of computing an answer (the cache's miss path);
    the hit path has its own pins in tests/graphql/cache."""
    settings.GRAPHQL_RESPONSE_CACHE_ENABLED = False
