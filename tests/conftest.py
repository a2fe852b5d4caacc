import json

import pytest
from django.test import Client


class GraphQLClient:
    """Posts operations to the real endpoint, the way a storefront does."""

    def __init__(self):
        self.client = Client()

    def post(self, payload, **extra):
        return self.client.post(
            "/graphql/", data=json.dumps(payload), content_type="application/json", **extra
        )

    def execute(self, query, variables=None, expect_errors=False):
        response = self.post({"query": query, "variables": variables or {}})
        assert response.status_code in (200, 400), response.content[:500]
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body["errors"]
        return body


@pytest.fixture
def gql():
    return GraphQLClient()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _offline_payments(settings):
    """The suite pays with the offline test gateway, which is off unless enabled."""
    settings.OFFLINE_PAYMENTS_ENABLED = True


@pytest.fixture(autouse=True)
def _empty_response_cache():
    """No test sees another's cached answers: a rolled back test reuses catalogue versions."""
    from marquee.core.cache_versions import forget_eras
    from marquee.graphql.core import response_cache

    response_cache.clear()
    forget_eras()
    yield
    response_cache.clear()
    forget_eras()
