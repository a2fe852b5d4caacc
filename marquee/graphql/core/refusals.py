"""A request refused before any operation runs, with its own HTTP status.

It is both graphene-django's `HttpError` (so the view answers with the
response it carries: a 405 with `Allow`, a 200 for a persisted query the
client should resend) and a `GraphQLError` (so the body is a GraphQL error
like any other, with its stable code). The code is given twice: as
`extensions.code`, where Apollo's clients look, and as
`extensions.exception.code`, where Saleor's clients and ours look.
"""

from __future__ import annotations

from django.http import HttpResponse
from graphene_django.views import HttpError
from graphql import GraphQLError


class RefusedRequest(HttpError, GraphQLError):
    def __init__(
        self, message: str, code: str, status: int = 400, headers: dict | None = None
    ) -> None:
        response = HttpResponse(status=status, content_type="application/json")
        for name, value in (headers or {}).items():
            response.headers[name] = value
        super().__init__(response, message, extensions={"code": code, "exception": {"code": code}})
        self.code = code
