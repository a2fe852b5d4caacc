"""Accounts fixtures: users, addresses and a client that sends a Bearer token."""

import os

import pytest
from django.core.cache import cache

from marquee.accounts import services
from marquee.accounts.attempt_counters import counters
from marquee.accounts.models import User

from ..conftest import GraphQLClient

PASSWORD = "Kung-fu-Panda-1984"
# Attempt counters in Redis go to their own database, apart from other tests' data.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")

SHANGHAI = {
    "firstName": "Lin",
    "lastName": "Wei",
    "streetAddress1": "1 Century Avenue",
    "city": "浦东新区",
    "postalCode": "200120",
    "country": "CN",
    "countryArea": "上海市",
    "phone": "+86 21 5555 0101",
}
MOUNTAIN_VIEW = {
    "firstName": "Ada",
    "lastName": "Byron",
    "streetAddress1": "1600 Amphitheatre Pkwy",
    "city": "Mountain View",
    "postalCode": "94043",
    "country": "US",
    "countryArea": "CA",
}


def model_address(data: dict) -> dict:
    """An API address input as the snake_case dict services take."""
    return {
        "first_name": data.get("firstName", ""),
        "last_name": data.get("lastName", ""),
        "street_address_1": data.get("streetAddress1", ""),
        "city": data.get("city", ""),
        "postal_code": data.get("postalCode", ""),
        "country": data.get("country", ""),
        "country_area": data.get("countryArea", ""),
        "phone": data.get("phone", ""),
    }


class TokenClient(GraphQLClient):
    """The storefront's client once signed in: every request carries the access token."""

    def __init__(self, token=None, scheme="Bearer"):
        super().__init__()
        self.token = token
        self.scheme = scheme

    def post(self, payload, **extra):
        if self.token is not None:
            extra.setdefault("HTTP_AUTHORIZATION", f"{self.scheme} {self.token}")
        return super().post(payload, **extra)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login failure counts and email intervals live in the cache; no test inherits them."""
    cache.clear()
    yield
    cache.clear()


def _uses_db(request) -> bool:
    return request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def _fresh_attempt_counters(request, settings, django_db_blocker):
    """Counters are committed on a connection of their own, outside the test's
    transaction: cleared here so that no test inherits another's attempts."""
    settings.LOGIN_THROTTLE_REDIS_URL = ""
    if _uses_db(request):
        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            counters().clear_all()
    yield


def redis_available(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["database", "redis"])
def counter_store(request, settings, django_db_blocker):
    """Run a test against each store: the PostgreSQL table, and Redis when one runs."""
    if request.param == "redis":
        if not redis_available(TEST_REDIS_URL):
            pytest.skip(f"no Redis at {TEST_REDIS_URL} (set TEST_REDIS_URL)")
        settings.LOGIN_THROTTLE_REDIS_URL = TEST_REDIS_URL
        counters().clear_all()
    yield request.param
    with django_db_blocker.unblock():
        counters().clear_all()


@pytest.fixture
def user(db):
    return User.objects.create_user(
        "lin.wei@marquee.example", PASSWORD, first_name="Lin", last_name="Wei"
    )


@pytest.fixture
def other_user(db):
    return User.objects.create_user("ada@marquee.example", PASSWORD, first_name="Ada")


@pytest.fixture
def token(user):
    return services.issue_tokens(user).token


@pytest.fixture
def client_for():
    """A TokenClient signed in as the given user (a fresh access token)."""

    def make(user):
        return TokenClient(services.issue_tokens(user).token)

    return make


@pytest.fixture
def me_gql(user, client_for):
    return client_for(user)


@pytest.fixture
def add_address():
    def make(user, data=SHANGHAI, address_type=None):
        return services.add_address(user, model_address(data), address_type)

    return make


def errors_of(body, mutation):
    return body["data"][mutation]["errors"]


def codes_of(body, mutation):
    return [e["code"] for e in errors_of(body, mutation)]
