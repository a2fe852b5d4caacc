import pytest


@pytest.fixture(autouse=True)
def _no_request_deadline(settings):
    """These tests pin SQL statements, not time.

    A product list's first request renders every product image's thumbnail
    (Pillow, in the request), so on a slow or busy machine it can pass the
    5-second request deadline and answer REQUEST_TIMEOUT instead of being counted.
    """
    settings.GRAPHQL_REQUEST_DEADLINE_SECONDS = 120
