"""No answer tells whether an email has an account: sign-in, password reset, sign-up."""

import pytest

from .conftest import PASSWORD
from .test_passwords import request_reset
from .test_register import register
from .test_tokens import sign_in

pytestmark = pytest.mark.django_db

UNKNOWN = "nobody@marquee.example"


def test_token_create_answers_a_wrong_password_and_an_unknown_email_alike(gql, user):
    assert sign_in(gql, user.email, "Not-The-Passw0rd") == sign_in(gql, UNKNOWN, "Not-The-Passw0rd")


def test_token_create_hashes_the_password_for_an_unknown_email(gql, db, monkeypatch):
    """The same work either way, so the response time does not tell them apart."""
    from django.contrib.auth import base_user

    hashed = []
    real = base_user.make_password
    monkeypatch.setattr(base_user, "make_password", lambda *a: hashed.append(1) or real(*a))
    sign_in(gql, UNKNOWN, PASSWORD)
    assert hashed


def test_password_reset_answers_known_and_unknown_emails_alike(
    gql, user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert request_reset(gql, user.email) == request_reset(gql, UNKNOWN)
    assert [m.to for m in mailoutbox] == [[user.email]]


@pytest.mark.parametrize(
    "fields",
    [
        {"password": PASSWORD},
        {"password": "Sh0rt!"},
        {"password": PASSWORD, "firstName": "Lin", "languageCode": "ZH_HANS"},
        {"password": PASSWORD, "redirectUrl": "https://evil.example/"},
    ],
)
def test_account_register_answers_known_and_unknown_emails_alike(gql, user, fields):
    assert register(gql, email=user.email, **fields) == register(gql, email=UNKNOWN, **fields)


def test_account_register_hashes_the_password_for_a_known_email(gql, user, monkeypatch):
    from django.contrib.auth import base_user

    hashed = []
    real = base_user.make_password
    monkeypatch.setattr(base_user, "make_password", lambda *a: hashed.append(1) or real(*a))
    register(gql, email=user.email)
    assert hashed
