"""Login limits hold under concurrency, for tokenCreate, the admin login and passwordChange.

Each test runs against the PostgreSQL counters and, when a Redis runs at
TEST_REDIS_URL, the Redis ones.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from marquee.accounts import services
from marquee.accounts.models import AttemptCounter, User
from marquee.core.exceptions import DomainError

from .conftest import PASSWORD, TokenClient, codes_of, errors_of
from .test_passwords import CHANGE, NEW_PASSWORD
from .test_tokens import TOKEN_CREATE, sign_in

LIMIT = 5
GUESSES = 24


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_FAILURE_LIMIT_PER_EMAIL = 4 * LIMIT


def _guess(email, password, barrier):
    from tests.conftest import GraphQLClient

    client = GraphQLClient()
    barrier.wait()
    try:
        body = client.execute(TOKEN_CREATE, {"email": email, "password": password})
        return [e["code"] for e in body["data"]["tokenCreate"]["errors"]]
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_get_at_most_limit_password_checks(counter_store):
    user = User.objects.create_user("lin.wei@marquee.example", PASSWORD)
    barrier = threading.Barrier(GUESSES)
    with ThreadPoolExecutor(GUESSES) as pool:
        answers = list(
            pool.map(
                _guess,
                [user.email] * GUESSES,
                [f"guess-{i}" for i in range(GUESSES)],
                [barrier] * GUESSES,
            )
        )
    checked = [a for a in answers if a == ["INVALID_CREDENTIALS"]]
    delayed = [a for a in answers if a == ["LOGIN_ATTEMPT_DELAYED"]]
    assert (len(checked), len(delayed)) == (LIMIT, GUESSES - LIMIT), answers
    # Locked out: the right password is refused too.
    body = sign_in(TokenClient(), user.email, PASSWORD)
    assert codes_of(body, "tokenCreate") == ["LOGIN_ATTEMPT_DELAYED"]
    assert body["data"]["tokenCreate"]["token"] is None


def test_locked_out_right_password_is_refused_without_checking_it(counter_store, user, gql):
    for _ in range(LIMIT):
        assert codes_of(sign_in(gql, user.email, "guess"), "tokenCreate") == ["INVALID_CREDENTIALS"]
    body = sign_in(gql, user.email, PASSWORD)
    assert errors_of(body, "tokenCreate") == [
        {
            "field": "email",
            "code": "LOGIN_ATTEMPT_DELAYED",
            "message": "Too many failed login attempts. Try again in up to 15 minutes.",
        }
    ]


def test_the_lock_out_ends_with_its_window(counter_store, user, gql, settings):
    settings.LOGIN_FAILURE_LIMIT = 1
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 2
    sign_in(gql, user.email, "guess")
    assert codes_of(sign_in(gql, user.email, PASSWORD), "tokenCreate") == ["LOGIN_ATTEMPT_DELAYED"]
    time.sleep(2.1)
    assert codes_of(sign_in(gql, user.email, PASSWORD), "tokenCreate") == []


def test_guesses_from_many_addresses_hit_the_per_email_limit(counter_store, user, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_EMAIL = 3
    answers = []
    for i in range(5):
        try:
            services.sign_in(user.email, "guess", f"10.0.0.{i}")
        except DomainError as error:
            answers.append(error.details[0].code)
    assert answers == ["INVALID_CREDENTIALS"] * 3 + ["LOGIN_ATTEMPT_DELAYED"] * 2
    with pytest.raises(DomainError) as refused:
        services.sign_in(user.email, PASSWORD, "10.0.1.1")
    assert refused.value.details[0].code == "LOGIN_ATTEMPT_DELAYED"


def test_a_client_locked_out_does_not_use_up_the_per_email_limit(counter_store, user, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_FAILURE_LIMIT_PER_EMAIL = 3
    for _ in range(10):
        with pytest.raises(DomainError):
            services.sign_in(user.email, "guess", "10.0.0.1")
    # Two attempts counted towards the email's limit, not ten: the owner elsewhere signs in.
    assert services.sign_in(user.email, PASSWORD, "192.0.2.10").user == user


def test_counters_survive_the_refused_requests_rollback(user, gql):
    """The database store writes outside the request's transaction."""
    sign_in(gql, user.email, "guess")
    assert AttemptCounter.objects.filter(count=1).count() == 2  # per email and IP, per email


def test_password_change_old_password_is_limited_per_user(counter_store, user, client_for):
    client = client_for(user)
    for _ in range(LIMIT):
        body = client.execute(CHANGE, {"old": "guess", "new": NEW_PASSWORD})
        assert codes_of(body, "passwordChange") == ["INVALID_PASSWORD"]
    body = client.execute(CHANGE, {"old": PASSWORD, "new": NEW_PASSWORD})
    assert [(e["field"], e["code"]) for e in errors_of(body, "passwordChange")] == [
        ("oldPassword", "LOGIN_ATTEMPT_DELAYED")
    ]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_success_clears_its_count(counter_store, user, client_for):
    client = client_for(user)
    for _ in range(LIMIT - 1):
        client.execute(CHANGE, {"old": "guess", "new": NEW_PASSWORD})
    body = client.execute(CHANGE, {"old": PASSWORD, "new": NEW_PASSWORD})
    assert body["data"]["passwordChange"]["errors"] == []
    client = client_for(User.objects.get(pk=user.pk))
    for _ in range(LIMIT - 1):
        client.execute(CHANGE, {"old": "guess", "new": PASSWORD})
    body = client.execute(CHANGE, {"old": NEW_PASSWORD, "new": PASSWORD})
    assert body["data"]["passwordChange"]["errors"] == []


def _admin_login(client, email, password):
    client.get("/admin/login/")
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
    )


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("admin@marquee.example", PASSWORD)


def test_admin_login_is_limited_like_token_create(counter_store, staff):
    client = Client()
    assert _admin_login(client, staff.email, PASSWORD).status_code == 302  # works, and clears
    client = Client()
    for _ in range(LIMIT):
        response = _admin_login(client, staff.email, "guess")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = _admin_login(client, staff.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_and_api_share_one_count(counter_store, staff, gql):
    client = Client()
    for _ in range(LIMIT - 1):
        _admin_login(client, staff.email, "guess")
    assert codes_of(sign_in(gql, staff.email, "guess"), "tokenCreate") == ["INVALID_CREDENTIALS"]
    assert _admin_login(client, staff.email, PASSWORD).status_code == 200
    assert codes_of(sign_in(gql, staff.email, PASSWORD), "tokenCreate") == ["LOGIN_ATTEMPT_DELAYED"]
