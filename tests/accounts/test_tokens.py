"""Signing in with JWTs: tokenCreate, tokenRefresh, tokenVerify, tokensDeactivateAll."""

import jwt
import pytest
from django.conf import settings as django_settings

from marquee.accounts import services

from .conftest import PASSWORD, TokenClient, codes_of, errors_of

pytestmark = pytest.mark.django_db

TOKEN_CREATE = """
mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) {
    token refreshToken csrfToken
    user { id email }
    errors { field code message }
  }
}
"""
TOKEN_REFRESH = """
mutation($refreshToken: String, $csrfToken: String) {
  tokenRefresh(refreshToken: $refreshToken, csrfToken: $csrfToken) {
    token user { email } errors { field code message }
  }
}
"""
TOKEN_VERIFY = """
mutation($token: String!) {
  tokenVerify(token: $token) { isValid payload user { email } errors { field code message } }
}
"""
DEACTIVATE = "mutation { tokensDeactivateAll { errors { field code message } } }"
ME = "{ me { email } }"


def sign_in(gql, email, password):
    return gql.execute(TOKEN_CREATE, {"email": email, "password": password})


def decode(token):
    return jwt.decode(token, django_settings.JWT_SECRET, algorithms=["HS256"])


def tamper(token):
    header, payload, signature = token.split(".")
    return f"{header}.{payload}.{signature[:-4]}AAAA"


def test_token_create_issues_access_and_refresh_tokens(gql, user):
    data = sign_in(gql, "Lin.Wei@Marquee.example", PASSWORD)["data"]["tokenCreate"]
    assert data["errors"] == []
    assert data["user"]["email"] == user.email
    access, refresh = decode(data["token"]), decode(data["refreshToken"])
    assert access["type"] == "access" and refresh["type"] == "refresh"
    assert access["exp"] - access["iat"] == 5 * 60
    assert refresh["exp"] - refresh["iat"] == 30 * 24 * 3600
    assert access["user_id"] == data["user"]["id"] == refresh["user_id"]
    assert access["email"] == user.email
    assert access["token"] == user.jwt_token_key
    assert access["iss"] == refresh["iss"] == f"{django_settings.PUBLIC_URL}/graphql/"
    assert refresh["csrf_token"] == data["csrfToken"]
    user.refresh_from_db()
    assert user.last_login is not None


def test_access_token_signs_requests_in(user):
    token = sign_in(TokenClient(), user.email, PASSWORD)["data"]["tokenCreate"]["token"]
    assert TokenClient(token).execute(ME)["data"]["me"] == {"email": user.email}
    # Saleor's clients may also send "JWT <token>".
    assert TokenClient(token, scheme="JWT").execute(ME)["data"]["me"] == {"email": user.email}


@pytest.mark.parametrize(
    ("email", "password"),
    [("lin.wei@marquee.example", "not-the-password"), ("nobody@marquee.example", PASSWORD)],
)
def test_wrong_password_and_unknown_email_get_the_same_answer(gql, user, email, password):
    body = sign_in(gql, email, password)
    data = body["data"]["tokenCreate"]
    assert data["token"] is None and data["user"] is None
    assert errors_of(body, "tokenCreate") == [
        {
            "field": "email",
            "code": "INVALID_CREDENTIALS",
            "message": "Please, enter valid credentials.",
        }
    ]


def test_inactive_account_cannot_sign_in(gql, user):
    user.is_active = False
    user.save()
    assert codes_of(sign_in(gql, user.email, PASSWORD), "tokenCreate") == ["INACTIVE"]


def test_failed_sign_ins_are_rate_limited_per_email_and_ip(gql, user, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert codes_of(sign_in(gql, user.email, "guess"), "tokenCreate") == ["INVALID_CREDENTIALS"]
    # Locked: even the right password is refused, so guessing learns nothing.
    body = sign_in(gql, user.email.upper(), PASSWORD)
    assert codes_of(body, "tokenCreate") == ["LOGIN_ATTEMPT_DELAYED"]
    assert "Too many failed login attempts" in errors_of(body, "tokenCreate")[0]["message"]
    # Another client address is counted on its own.
    response = gql.post(
        {"query": TOKEN_CREATE, "variables": {"email": user.email, "password": PASSWORD}},
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.json()["data"]["tokenCreate"]["errors"] == []


def test_successful_sign_in_resets_the_failure_count(gql, user, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    sign_in(gql, user.email, "guess")
    assert codes_of(sign_in(gql, user.email, PASSWORD), "tokenCreate") == []
    sign_in(gql, user.email, "guess")
    assert codes_of(sign_in(gql, user.email, PASSWORD), "tokenCreate") == []


def test_refresh_token_gives_a_new_access_token(gql, user):
    issued = services.issue_tokens(user)
    body = gql.execute(
        TOKEN_REFRESH, {"refreshToken": issued.refresh_token, "csrfToken": issued.csrf_token}
    )
    data = body["data"]["tokenRefresh"]
    assert data["errors"] == [] and data["user"] == {"email": user.email}
    assert decode(data["token"])["type"] == "access"
    assert TokenClient(data["token"]).execute(ME)["data"]["me"] == {"email": user.email}


@pytest.mark.parametrize(
    ("make_variables", "code"),
    [
        (lambda issued: {"refreshToken": issued.token}, "JWT_INVALID_TOKEN"),  # an access token
        (lambda issued: {"refreshToken": tamper(issued.refresh_token)}, "JWT_DECODE_ERROR"),
        (lambda issued: {"refreshToken": "not-a-jwt"}, "JWT_DECODE_ERROR"),
        (lambda issued: {}, "JWT_MISSING_TOKEN"),
        (
            lambda issued: {"refreshToken": issued.refresh_token, "csrfToken": "other"},
            "JWT_INVALID_CSRF_TOKEN",
        ),
    ],
)
def test_refresh_refuses_bad_tokens(gql, user, make_variables, code):
    body = gql.execute(TOKEN_REFRESH, make_variables(services.issue_tokens(user)))
    assert body["data"]["tokenRefresh"]["token"] is None
    assert codes_of(body, "tokenRefresh") == [code]


def test_expired_refresh_token_is_refused(gql, user, settings):
    settings.JWT_REFRESH_TOKEN_LIFETIME_SECONDS = 0
    refresh = services.issue_tokens(user).refresh_token
    body = gql.execute(TOKEN_REFRESH, {"refreshToken": refresh})
    assert codes_of(body, "tokenRefresh") == ["JWT_SIGNATURE_EXPIRED"]
    # Saleor's wording, which Saleor's storefront matches to sign the shopper out.
    assert errors_of(body, "tokenRefresh")[0]["message"] == "Signature has expired"


def test_verify_valid_token(gql, user, token):
    data = gql.execute(TOKEN_VERIFY, {"token": token})["data"]["tokenVerify"]
    assert data["isValid"] is True and data["errors"] == []
    assert data["payload"]["email"] == user.email and data["payload"]["type"] == "access"
    assert data["user"] == {"email": user.email}


def test_verify_expired_and_tampered_tokens(gql, user, settings):
    good = services.issue_tokens(user).token
    settings.JWT_ACCESS_TOKEN_LIFETIME_SECONDS = 0
    expired = services.issue_tokens(user).token
    for token, code in [(expired, "JWT_SIGNATURE_EXPIRED"), (tamper(good), "JWT_DECODE_ERROR")]:
        body = gql.execute(TOKEN_VERIFY, {"token": token})
        data = body["data"]["tokenVerify"]
        assert data["isValid"] is False and data["payload"] is None and data["user"] is None
        assert codes_of(body, "tokenVerify") == [code]
    body = gql.execute(TOKEN_VERIFY, {"token": expired})
    assert errors_of(body, "tokenVerify")[0]["message"] == "Signature has expired"


def test_token_signed_with_another_key_is_refused(gql, user):
    forged = jwt.encode(decode(services.issue_tokens(user).token), "guessed-key-" * 4, "HS256")
    body = gql.execute(TOKEN_VERIFY, {"token": forged})
    assert codes_of(body, "tokenVerify") == ["JWT_DECODE_ERROR"]


def test_deactivate_all_revokes_every_token(user, me_gql):
    refresh = services.issue_tokens(user).refresh_token
    assert me_gql.execute(DEACTIVATE)["data"]["tokensDeactivateAll"]["errors"] == []
    body = me_gql.execute(ME, expect_errors=True)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "JWT_INVALID_TOKEN"
    refreshed = TokenClient().execute(TOKEN_REFRESH, {"refreshToken": refresh})
    assert codes_of(refreshed, "tokenRefresh") == ["JWT_INVALID_TOKEN"]
    # A new sign-in works.
    assert codes_of(sign_in(TokenClient(), user.email, PASSWORD), "tokenCreate") == []


def test_deactivate_all_needs_a_signed_in_user(gql, db):
    body = gql.execute(DEACTIVATE)
    assert codes_of(body, "tokensDeactivateAll") == ["JWT_MISSING_TOKEN"]
