"""Confirming an account's email: the link from sign-up, once; optional or required."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from marquee.accounts.models import User

from .conftest import PASSWORD, codes_of

pytestmark = pytest.mark.django_db

REDIRECT = "http://localhost:3000/account/confirm/"

REGISTER = """
mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) { requiresConfirmation user { email } errors { field code } }
}
"""

CONFIRM = """
mutation($email: String!, $token: String!) {
  confirmAccount(email: $email, token: $token) {
    user { email isConfirmed } errors { field code message }
  }
}
"""

SIGN_IN = """
mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token errors { field code } }
}
"""


def sign_up(gql, mailoutbox, capture, **fields):
    data = {"email": "new.fan@marquee.example", "password": PASSWORD, **fields}
    with capture(execute=True):
        body = gql.execute(REGISTER, {"input": data})
    return body["data"]["accountRegister"]


def confirmation_link(message):
    link = re.search(r"https?://\S+", message.body).group(0)
    return urlsplit(link), parse_qs(urlsplit(link).query)


def test_sign_up_mails_a_link_that_confirms_the_account_once(
    gql, mailoutbox, django_capture_on_commit_callbacks
):
    answer = sign_up(gql, mailoutbox, django_capture_on_commit_callbacks, redirectUrl=REDIRECT)
    assert answer == {"requiresConfirmation": False, "user": None, "errors": []}
    assert User.objects.get().is_confirmed is False
    (message,) = mailoutbox
    link, query = confirmation_link(message)
    assert (link.netloc, link.path) == ("localhost:3000", "/account/confirm/")
    assert query["email"] == ["new.fan@marquee.example"]
    variables = {"email": query["email"][0], "token": query["token"][0]}
    body = gql.execute(CONFIRM, variables)["data"]["confirmAccount"]
    assert body == {
        "user": {"email": "new.fan@marquee.example", "isConfirmed": True},
        "errors": [],
    }
    again = gql.execute(CONFIRM, variables)["data"]["confirmAccount"]
    assert again["user"] is None
    assert [e["code"] for e in again["errors"]] == ["INVALID"]


def test_without_a_redirect_url_no_link_is_sent_and_the_account_counts_as_confirmed(
    gql, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(gql, mailoutbox, django_capture_on_commit_callbacks)
    assert mailoutbox == []
    assert User.objects.get().is_confirmed is True


@pytest.mark.parametrize("email", ["lin.wei@marquee.example", "nobody@marquee.example"])
def test_a_bad_token_or_unknown_email_gets_one_answer(gql, user, email):
    user.is_confirmed = False
    user.save()
    body = gql.execute(CONFIRM, {"email": email, "token": "1-abc"})["data"]["confirmAccount"]
    assert body == {
        "user": None,
        "errors": [{"field": "token", "code": "INVALID", "message": "Invalid or expired token."}],
    }
    user.refresh_from_db()
    assert user.is_confirmed is False


def test_a_reset_token_does_not_confirm(gql, user):
    from marquee.accounts.email_tokens import password_reset_tokens

    user.is_confirmed = False
    user.save()
    token = password_reset_tokens.make_token(user)
    body = gql.execute(CONFIRM, {"email": user.email, "token": token})
    assert codes_of(body, "confirmAccount") == ["INVALID"]


def test_when_required_sign_in_waits_for_the_link(
    gql, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_CONFIRMATION_REQUIRED = True
    missing = sign_up(gql, mailoutbox, django_capture_on_commit_callbacks)
    assert missing["errors"] == [{"field": "redirectUrl", "code": "REQUIRED"}]
    answer = sign_up(gql, mailoutbox, django_capture_on_commit_callbacks, redirectUrl=REDIRECT)
    assert answer["requiresConfirmation"] is True
    credentials = {"email": "new.fan@marquee.example", "password": PASSWORD}
    refused = gql.execute(SIGN_IN, credentials)["data"]["tokenCreate"]
    assert refused == {
        "token": None,
        "errors": [{"field": "email", "code": "ACCOUNT_NOT_CONFIRMED"}],
    }
    _, query = confirmation_link(mailoutbox[-1])
    gql.execute(CONFIRM, {"email": query["email"][0], "token": query["token"][0]})
    assert gql.execute(SIGN_IN, credentials)["data"]["tokenCreate"]["token"]
