import hashlib
import json

import pytest
from django.core.cache import cache
from django.test import Client

from marquee.graphql.core.persisted_queries import local_documents

PRODUCTS = 'query Products { products(channel: "china", first: 10) { edges { node { name } } } }'


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(document: str | None = None, sha256_hash: str | None = None, version=1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": sha256_hash or sha256(document)}}


class HttpClient:
    """Sends operations the ways a browser, Apollo's links and a CDN do: POST and GET."""

    def __init__(self):
        self.client = Client()

    def post(self, payload, **headers):
        return self.client.post(
            "/graphql/", data=json.dumps(payload), content_type="application/json", **headers
        )

    def get(self, query=None, variables=None, extensions=None, operation_name=None, **headers):
        params = {}
        if query is not None:
            params["query"] = query
        if variables is not None:
            params["variables"] = json.dumps(variables)
        if extensions is not None:
            params["extensions"] = (
                extensions if isinstance(extensions, str) else json.dumps(extensions)
            )
        if operation_name is not None:
            params["operationName"] = operation_name
        headers.setdefault("HTTP_ACCEPT", "application/json")
        return self.client.get("/graphql/", params, **headers)


@pytest.fixture
def http():
    return HttpClient()


@pytest.fixture(autouse=True)
def _empty_document_store():
    """Each test starts with no persisted document, in the process or the shared cache."""
    local_documents.clear()
    cache.clear()
    yield
    local_documents.clear()
    cache.clear()


def codes(response) -> list[str]:
    return [error["extensions"]["exception"]["code"] for error in response.json()["errors"]]
