"""A mutation's declared rate limits through the endpoint: RATE_LIMITED and `Retry-After`.

The demonstration schema (`rate_limited_api`) adds `demoPing`, limited per IP
and per account by the drop limit settings, `demoJoin` (a waiting-room
ticket) and the `demoSoldOut` query.
"""

import json

import graphene
import pytest
from django.test import Client

from marquee.accounts import services
from marquee.accounts.models import User
from marquee.core import rate_limits
from marquee.graphql.core.mutations import BaseMutation, error_type, errors_field
from marquee.graphql.core.rate_limits import RateLimit

pytestmark = [pytest.mark.urls("tests.core.rate_limited_urls"), pytest.mark.django_db]

PING = "mutation { demoPing { ok errors { field code message } } }"
JOIN = 'mutation { demoJoin(room: "r") { number errors { field code message } } }'
SOLD_OUT = '{ demoSoldOut(room: "r") }'


@pytest.fixture(autouse=True)
def _limits(settings, django_db_blocker):
    settings.REDIS_URL = ""
    settings.DROP_RATE_LIMIT_PER_IP = 3
    settings.DROP_RATE_LIMIT_PER_ACCOUNT = 100
    settings.DROP_RATE_LIMIT_WINDOW_SECONDS = 60
    with django_db_blocker.unblock():
        rate_limits.clear_all()
    yield
    settings.REDIS_URL = ""
    with django_db_blocker.unblock():
        rate_limits.clear_all()


def post(payload, ip="203.0.113.7", token=None):
    extra = {"REMOTE_ADDR": ip}
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client().post(
        "/graphql/", data=json.dumps(payload), content_type="application/json", **extra
    )


def ping(**kwargs):
    response = post({"query": PING}, **kwargs)
    assert response.status_code == 200, response.content[:500]
    return response, response.json()["data"]["demoPing"]


def test_over_the_per_ip_limit_the_answer_is_rate_limited_with_retry_after():
    answers = [ping() for _ in range(5)]
    assert [a[1]["ok"] for a in answers[:3]] == [True, True, True]
    assert all("Retry-After" not in a[0].headers for a in answers[:3])
    for response, payload in answers[3:]:
        [error] = payload["errors"]
        assert (error["code"], error["field"]) == ("RATE_LIMITED", None)
        seconds = int(response.headers["Retry-After"])
        assert 0 < seconds <= 60
        assert error["message"].endswith(f"try again in {seconds} s.")
    # Another address has its own count.
    assert ping(ip="198.51.100.1")[1]["ok"] is True


def test_the_per_account_limit_follows_the_account_across_addresses(settings):
    settings.DROP_RATE_LIMIT_PER_IP = 100
    settings.DROP_RATE_LIMIT_PER_ACCOUNT = 2
    lin = User.objects.create_user("lin.wei@marquee.example", "Kung-fu-Panda-1984")
    ada = User.objects.create_user("ada@marquee.example", "Kung-fu-Panda-1984")
    lin_token = services.issue_tokens(lin).token
    ips = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    answers = [ping(ip=ip, token=lin_token)[1] for ip in ips]
    assert [a["ok"] for a in answers] == [True, True, None]
    assert answers[2]["errors"][0]["code"] == "RATE_LIMITED"
    assert ping(ip=ips[2], token=services.issue_tokens(ada).token)[1]["ok"] is True
    # Anonymous requests are limited by address only.
    assert ping(ip=ips[2])[1]["ok"] is True


def test_a_limit_of_zero_is_no_limit(settings):
    settings.DROP_RATE_LIMIT_PER_IP = 0
    assert {ping()[1]["ok"] for _ in range(6)} == {True}


def test_a_batch_carries_the_retry_after_of_its_refused_entry(settings):
    settings.DROP_RATE_LIMIT_PER_IP = 1
    response = post([{"query": PING}, {"query": PING}])
    first, second = (entry["data"]["demoPing"] for entry in response.json())
    assert first["ok"] is True
    assert second["errors"][0]["code"] == "RATE_LIMITED"
    assert int(response.headers["Retry-After"]) > 0


def test_an_unreachable_store_is_unavailable_with_retry_after(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.ADMISSION_POLL_SECONDS = 3
    response = post({"query": JOIN})
    [error] = response.json()["data"]["demoJoin"]["errors"]
    assert error["code"] == "UNAVAILABLE"
    assert response.headers["Retry-After"] == "3"
    # The limit cannot be counted either: a retryable error, not a free pass.
    response, payload = ping()
    assert payload["errors"][0]["code"] == "UNAVAILABLE"
    assert response.headers["Retry-After"] == "3"


def test_a_query_whose_store_is_down_answers_unavailable_not_an_internal_error(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.ADMISSION_POLL_SECONDS = 2
    response = post({"query": SOLD_OUT})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["exception"]["code"] == "UNAVAILABLE"
    assert error["extensions"]["retryAfter"] == 2
    assert response.headers["Retry-After"] == "2"


def test_an_answer_without_a_wait_has_no_retry_after():
    response = post({"query": SOLD_OUT})
    assert response.json() == {"data": {"demoSoldOut": False}}
    assert "Retry-After" not in response.headers


def test_a_rate_limited_mutation_must_be_able_to_say_so():
    class OnlyInvalid(graphene.Enum):
        INVALID = "INVALID"

    with pytest.raises(TypeError, match="RATE_LIMITED"):

        class Limited(BaseMutation):
            errors = errors_field(error_type("OnlyInvalidError", OnlyInvalid))
            error_type_class = error_type("OnlyInvalidError2", OnlyInvalid)
            rate_limits = (RateLimit("demo", "ip", 1, 60),)
