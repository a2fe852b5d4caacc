"""Helpers for the response cache's tests: who asks, and whether the answer was computed."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from marquee.accounts.tokens import create_access_token

# Statements a hit may run: the catalogue version, the signed-in viewer, the viewer's segment.
NOT_DATA = ("core_catalogueversion", "accounts_user", "members_membership")


class Asker:
    """Posts one operation as one viewer (None: anonymous) and says how it was answered."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {create_access_token(user)}"
        self.statements: list[str] = []
        self.response = None

    def post(self, payload):
        with CaptureQueriesContext(connection) as captured:
            self.response = self.client.post(
                "/graphql/",
                data=json.dumps(payload),
                content_type="application/json",
                **self.headers,
            )
        self.statements = [q["sql"] for q in captured.captured_queries]
        return self.response

    def ask(self, query, variables=None, operation_name=None):
        payload = {"query": query, "variables": variables or {}}
        if operation_name:
            payload["operationName"] = operation_name
        response = self.post(payload)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    @property
    def computed(self) -> bool:
        """Whether the last answer was computed (it read catalogue data) rather than served."""
        return any(not any(t in sql for t in NOT_DATA) for sql in self.statements)

    @property
    def policy(self):
        return getattr(self.response.wsgi_request, "graphql_cache_policy", None)


@pytest.fixture
def anonymous():
    return Asker()


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
