"""The Authorization header: a good token signs in, a bad one is a clear error, never a 500."""

import pytest

from marquee.accounts import services

from .conftest import TokenClient

pytestmark = pytest.mark.django_db

ME = "{ me { email } }"
PUBLIC = "{ shop { name } }"


def code_of(body):
    return body["errors"][0]["extensions"]["exception"]["code"]


def test_me_is_null_without_a_token(gql, user):
    assert gql.execute(ME)["data"]["me"] is None


def test_expired_token_is_an_error_on_me(user, settings):
    settings.JWT_ACCESS_TOKEN_LIFETIME_SECONDS = 0
    client = TokenClient(services.issue_tokens(user).token)
    body = client.execute(ME, expect_errors=True)
    assert code_of(body) == "JWT_SIGNATURE_EXPIRED"
    assert body["errors"][0]["message"] == "Signature has expired"
    assert body["data"]["me"] is None


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer not.a.token", "JWT_DECODE_ERROR"),
        ("Bearer ", "JWT_DECODE_ERROR"),
        ("Bearer \u00ff\u00fe", "JWT_DECODE_ERROR"),
    ],
)
def test_malformed_tokens_are_client_errors(gql, user, header, code):
    response = gql.post({"query": ME}, HTTP_AUTHORIZATION=header)
    assert response.status_code == 200
    assert code_of(response.json()) == code


def test_refresh_token_is_not_an_access_token(user):
    body = TokenClient(services.issue_tokens(user).refresh_token).execute(ME, expect_errors=True)
    assert code_of(body) == "JWT_INVALID_TOKEN"


def test_token_of_deactivated_user_is_refused(user, me_gql):
    user.is_active = False
    user.save()
    assert code_of(me_gql.execute(ME, expect_errors=True)) == "JWT_INVALID_TOKEN"


def test_public_queries_ignore_a_bad_token(db):
    client = TokenClient("garbage")
    assert client.execute(PUBLIC)["data"]["shop"]["name"]


def test_other_authorization_schemes_are_ignored(gql, user):
    response = gql.post({"query": ME}, HTTP_AUTHORIZATION="Basic dXNlcjpwdw==")
    assert response.json() == {"data": {"me": None}}


def test_session_login_does_not_authenticate_the_api(gql, user):
    """The endpoint is CSRF-exempt, so only tokens count, never the admin's cookie."""
    gql.client.force_login(user)
    assert gql.execute(ME)["data"]["me"] is None


def test_api_requests_without_a_token_are_anonymous_even_with_a_session(client, user):
    """`request.user` on the API path is the token's user or nobody, for every resolver."""
    from django.test import RequestFactory

    from marquee.graphql.core.auth import JWTAuthenticationMiddleware

    seen = {}

    def view(request):
        seen["user"] = request.user
        return None

    request = RequestFactory().post("/graphql/")
    request.user = user  # as AuthenticationMiddleware would set from a session
    JWTAuthenticationMiddleware(view)(request)
    assert seen["user"].is_anonymous

    request = RequestFactory().get("/admin/")
    request.user = user
    JWTAuthenticationMiddleware(view)(request)
    assert seen["user"] == user
