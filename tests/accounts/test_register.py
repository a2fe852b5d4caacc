"""accountRegister: validation, duplicates, password rules, argon2 storage."""

import pytest

from marquee.accounts.models import User

from .conftest import PASSWORD, codes_of, errors_of

pytestmark = pytest.mark.django_db

REGISTER = """
mutation($input: AccountRegisterInput!) {
  accountRegister(input: $input) {
    requiresConfirmation
    user { email firstName lastName languageCode isActive isConfirmed }
    errors { field code message }
  }
}
"""


def register(gql, **fields):
    data = {"email": "new.fan@marquee.example", "password": PASSWORD, **fields}
    return gql.execute(REGISTER, {"input": data})


def test_register_creates_an_active_account(gql, db):
    body = register(
        gql,
        email="  New.Fan@Marquee.example ",
        firstName="Xiao",
        lastName="Ming",
        languageCode="ZH_HANS",
        redirectUrl="http://localhost:3000/account/confirm",
    )
    data = body["data"]["accountRegister"]
    assert data == {"requiresConfirmation": False, "user": None, "errors": []}
    user = User.objects.get(email="new.fan@marquee.example")
    assert (user.first_name, user.last_name, user.is_active) == ("Xiao", "Ming", True)
    assert user.language_code == "zh-hans"
    assert user.check_password(PASSWORD)


def test_passwords_are_stored_with_argon2(gql, db):
    register(gql)
    user = User.objects.get(email="new.fan@marquee.example")
    assert user.password.startswith("argon2$argon2id$")
    assert PASSWORD not in user.password


def test_known_email_gets_the_new_accounts_answer_and_its_owner_an_email(
    gql, user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = register(gql, email="LIN.WEI@marquee.EXAMPLE", password="Other-Passw0rd-77")
        new = register(gql, email="new.fan@marquee.example", password="Other-Passw0rd-77")
    assert known == new
    assert known["data"]["accountRegister"] == {
        "requiresConfirmation": False,
        "user": None,
        "errors": [],
    }
    assert User.objects.count() == 2
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # the existing account is untouched
    assert [m.to for m in mailoutbox] == [[user.email]]
    assert "already has one" in mailoutbox[0].body


def test_known_email_is_told_once_per_interval(
    gql, user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert register(gql, email=user.email)["data"]["accountRegister"]["errors"] == []
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "password",
    ["Sh0rt!", "password123", "839201748293", "lin.wei@marquee"],
)
def test_password_rules_answer_the_same_for_known_and_new_emails(gql, user, password):
    known = register(gql, email=user.email, password=password)
    new = register(gql, email="lin.wei@marquee.example.org", password=password)
    assert known == new
    assert "UNIQUE" not in codes_of(known, "accountRegister")
    assert User.objects.count() == 1


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "lin@@marquee.example"])
def test_invalid_email(gql, db, email):
    body = register(gql, email=email)
    assert codes_of(body, "accountRegister") == ["INVALID"]
    assert errors_of(body, "accountRegister")[0]["field"] == "email"


def test_empty_email_is_required(gql, db):
    assert codes_of(register(gql, email=" "), "accountRegister") == ["REQUIRED"]


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Sh0rt!", ["PASSWORD_TOO_SHORT"]),
        ("password123", ["PASSWORD_TOO_COMMON"]),
        ("839201748293", ["PASSWORD_ENTIRELY_NUMERIC"]),
        ("12345", ["PASSWORD_TOO_SHORT", "PASSWORD_TOO_COMMON", "PASSWORD_ENTIRELY_NUMERIC"]),
        ("new.fan@marquee", ["PASSWORD_TOO_SIMILAR"]),
    ],
)
def test_weak_passwords_are_refused_with_their_reason(gql, db, password, codes):
    body = register(gql, password=password)
    assert codes_of(body, "accountRegister") == codes
    assert {e["field"] for e in errors_of(body, "accountRegister")} == {"password"}
    assert not User.objects.exists()


def test_redirect_url_must_point_at_an_allowed_host(gql, db):
    body = register(gql, redirectUrl="https://evil.example/confirm")
    assert errors_of(body, "accountRegister")[0]["field"] == "redirectUrl"
    assert codes_of(body, "accountRegister") == ["INVALID"]


def test_unknown_channel_is_not_found(gql, db):
    body = register(gql, channel="no-such-channel")
    assert errors_of(body, "accountRegister")[0] | {"message": None} == {
        "field": "channel",
        "code": "NOT_FOUND",
        "message": None,
    }
