"""passwordChange, requestPasswordReset and setPassword."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from marquee.accounts import services

from .conftest import PASSWORD, TokenClient, codes_of, errors_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Crouching-Tiger-2000"

CHANGE = """
mutation($old: String, $new: String!) {
  passwordChange(oldPassword: $old, newPassword: $new) {
    user { email } errors { field code message }
  }
}
"""
REQUEST_RESET = """
mutation($email: String!, $redirectUrl: String!, $channel: String) {
  requestPasswordReset(email: $email, redirectUrl: $redirectUrl, channel: $channel) {
    errors { field code message }
  }
}
"""
SET_PASSWORD = """
mutation($email: String!, $token: String!, $password: String!) {
  setPassword(email: $email, token: $token, password: $password) {
    token refreshToken csrfToken user { email } errors { field code message }
  }
}
"""
RESET_URL = "http://localhost:3000/reset-password/"


def test_change_password(user, me_gql):
    data = me_gql.execute(CHANGE, {"old": PASSWORD, "new": NEW_PASSWORD})["data"]["passwordChange"]
    assert data == {"user": {"email": user.email}, "errors": []}
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.password.startswith("argon2$")


def test_change_password_revokes_earlier_tokens(user, me_gql):
    me_gql.execute(CHANGE, {"old": PASSWORD, "new": NEW_PASSWORD})
    body = me_gql.execute("{ me { email } }", expect_errors=True)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "JWT_INVALID_TOKEN"


def test_wrong_old_password(user, me_gql):
    body = me_gql.execute(CHANGE, {"old": "not-it", "new": NEW_PASSWORD})
    assert errors_of(body, "passwordChange") == [
        {"field": "oldPassword", "code": "INVALID_PASSWORD", "message": "Old password isn't valid."}
    ]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_weak_new_password(user, me_gql):
    body = me_gql.execute(CHANGE, {"old": PASSWORD, "new": "lin.wei@marquee"})
    assert codes_of(body, "passwordChange") == ["PASSWORD_TOO_SIMILAR"]
    assert {e["field"] for e in errors_of(body, "passwordChange")} == {"newPassword"}


def test_change_password_needs_a_signed_in_user(gql, db):
    body = gql.execute(CHANGE, {"old": PASSWORD, "new": NEW_PASSWORD})
    assert codes_of(body, "passwordChange") == ["JWT_MISSING_TOKEN"]


def request_reset(gql, email, url=RESET_URL, **extra):
    return gql.execute(REQUEST_RESET, {"email": email, "redirectUrl": url, **extra})


def reset_link(message):
    link = re.search(r"https?://\S+", message.body).group(0)
    return urlsplit(link), parse_qs(urlsplit(link).query)


def test_reset_flow(gql, user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = request_reset(gql, "LIN.WEI@marquee.example")
    assert body["data"]["requestPasswordReset"]["errors"] == []
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    link, query = reset_link(mailoutbox[0])
    assert (link.netloc, link.path) == ("localhost:3000", "/reset-password/")
    assert query["email"] == [user.email]

    token = query["token"][0]
    data = gql.execute(
        SET_PASSWORD, {"email": user.email, "token": token, "password": NEW_PASSWORD}
    )["data"]["setPassword"]
    assert data["errors"] == [] and data["user"] == {"email": user.email}
    assert TokenClient(data["token"]).execute("{ me { email } }")["data"]["me"]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The link works once.
    again = gql.execute(SET_PASSWORD, {"email": user.email, "token": token, "password": PASSWORD})
    assert codes_of(again, "setPassword") == ["INVALID"]


def test_reset_answers_the_same_for_unknown_emails(
    gql, user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = request_reset(gql, user.email)
        unknown = request_reset(gql, "nobody@marquee.example")
    assert known == unknown == {"data": {"requestPasswordReset": {"errors": []}}}
    assert len(mailoutbox) == 1


def test_repeated_reset_requests_send_one_email(
    gql, user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(gql, user.email)
        body = request_reset(gql, user.email)
    assert body["data"]["requestPasswordReset"]["errors"] == []
    assert len(mailoutbox) == 1


def test_reset_redirect_must_be_an_allowed_host(gql, user, mailoutbox):
    body = request_reset(gql, user.email, url="https://phish.example/reset")
    assert [(e["field"], e["code"]) for e in errors_of(body, "requestPasswordReset")] == [
        ("redirectUrl", "INVALID")
    ]
    assert "not an allowed client host" in errors_of(body, "requestPasswordReset")[0]["message"]
    body = request_reset(gql, user.email, url="javascript:alert(1)")
    assert codes_of(body, "requestPasswordReset") == ["INVALID"]
    assert mailoutbox == []


def test_reset_with_unknown_channel(gql, user):
    body = request_reset(gql, user.email, channel="nowhere")
    assert codes_of(body, "requestPasswordReset") == ["NOT_FOUND"]


@pytest.mark.parametrize("email", ["lin.wei@marquee.example", "nobody@marquee.example"])
def test_set_password_with_a_bad_token(gql, user, email):
    body = gql.execute(SET_PASSWORD, {"email": email, "token": "abc-123", "password": NEW_PASSWORD})
    assert errors_of(body, "setPassword") == [
        {"field": "token", "code": "INVALID", "message": "Invalid or expired token."}
    ]


def test_set_password_validates_the_new_password(gql, user):
    from marquee.accounts.email_tokens import password_reset_tokens

    token = password_reset_tokens.make_token(user)
    body = gql.execute(SET_PASSWORD, {"email": user.email, "token": token, "password": "123"})
    assert "PASSWORD_TOO_SHORT" in codes_of(body, "setPassword")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_set_password_revokes_earlier_tokens(gql, user, me_gql):
    from marquee.accounts.email_tokens import password_reset_tokens

    token = password_reset_tokens.make_token(user)
    gql.execute(SET_PASSWORD, {"email": user.email, "token": token, "password": NEW_PASSWORD})
    body = me_gql.execute("{ me { email } }", expect_errors=True)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "JWT_INVALID_TOKEN"
    assert services.sign_in(user.email, NEW_PASSWORD, "127.0.0.1").user == user
