"""Accounts fixtures: users, addresses and a client that sends a Bearer token."""

import pytest
from django.core.cache import cache

from marquee.accounts import services
from marquee.accounts.models import User

from ..conftest import GraphQLClient

PASSWORD = "Kung-fu-Panda-1984"

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
