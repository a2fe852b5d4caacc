"""accountRequestDeletion and accountDelete: closing an account by emailed link."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from marquee.accounts.email_tokens import password_reset_tokens

from .conftest import PASSWORD, codes_of

pytestmark = pytest.mark.django_db

REQUEST = """
mutation($redirectUrl: String!) {
  accountRequestDeletion(redirectUrl: $redirectUrl) { errors { field code message } }
}
"""
DELETE = """
mutation($token: String!) {
  accountDelete(token: $token) { user { email isActive } errors { field code message } }
}
"""


def test_delete_account_by_emailed_link(
    user, me_gql, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = me_gql.execute(REQUEST, {"redirectUrl": "http://localhost:3000/delete"})
    assert body["data"]["accountRequestDeletion"]["errors"] == []
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.email]
    link = re.search(r"https?://\S+", mailoutbox[0].body).group(0)
    token = parse_qs(urlsplit(link).query)["token"][0]

    data = me_gql.execute(DELETE, {"token": token})["data"]["accountDelete"]
    assert data == {"user": {"email": user.email, "isActive": False}, "errors": []}
    user.refresh_from_db()
    assert not user.is_active
    assert me_gql.execute("{ me { email } }", expect_errors=True)["errors"]


def test_a_password_reset_token_cannot_delete_the_account(user, me_gql):
    body = me_gql.execute(DELETE, {"token": password_reset_tokens.make_token(user)})
    assert codes_of(body, "accountDelete") == ["INVALID"]
    user.refresh_from_db()
    assert user.is_active and user.check_password(PASSWORD)


def test_deletion_needs_a_signed_in_user_and_an_allowed_host(gql, user, me_gql, mailoutbox):
    body = gql.execute(REQUEST, {"redirectUrl": "http://localhost:3000/delete"})
    assert codes_of(body, "accountRequestDeletion") == ["JWT_MISSING_TOKEN"]
    body = me_gql.execute(REQUEST, {"redirectUrl": "https://elsewhere.example/delete"})
    assert codes_of(body, "accountRequestDeletion") == ["INVALID"]
    assert mailoutbox == []
