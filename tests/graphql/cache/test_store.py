"""The store: Redis shared by every process, a Redis that is down, and one fill per stampede."""

import logging
import threading
import uuid

import pytest

from marquee.core.cache_versions import catalogue_token
from marquee.graphql.core import response_cache
from marquee.merch.extensions import PUBLIC_SEGMENT
from tests.concurrency import in_parallel

from .conftest import Asker

pytestmark = pytest.mark.django_db

NAMES = 'query { products(channel: "china", first: 10) { edges { node { name } } } }'
REDIS = "redis://127.0.0.1:6379/0"


def redis_caches(location, prefix):
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }


@pytest.fixture
def redis_prefix(settings):
    prefix = f"marquee-test-{uuid.uuid4().hex}"
    settings.CACHES = redis_caches(REDIS, prefix)
    yield prefix
    for used in (prefix, prefix + "-other"):  # only this test's keys: the Redis is shared
        settings.CACHES = redis_caches(REDIS, used)
        response_cache.clear()


def test_two_processes_share_entries_through_redis(catalogue, settings, redis_prefix):
    catalogue.product("Tee")
    first = Asker()
    answer = first.ask(NAMES)
    assert first.computed
    # Another process: its own cache client and connection, the same Redis and prefix.
    settings.CACHES = redis_caches(REDIS, redis_prefix)
    second = Asker()
    assert second.ask(NAMES) == answer
    assert not second.computed


def test_another_prefix_shares_nothing(catalogue, settings, redis_prefix):
    catalogue.product("Tee")
    Asker().ask(NAMES)
    settings.CACHES = redis_caches(REDIS, redis_prefix + "-other")
    other = Asker()
    other.ask(NAMES)
    assert other.computed


def test_a_redis_that_is_down_serves_misses_logged_once(catalogue, settings, caplog):
    settings.CACHES = redis_caches("redis://127.0.0.1:1/0", "down")
    response_cache.store.reset()
    catalogue.product("Tee")
    asker = Asker()
    with caplog.at_level(logging.WARNING, logger="marquee.graphql.cache"):
        for _ in range(3):
            assert asker.ask(NAMES)["products"]["edges"] == [{"node": {"name": "Tee"}}]
            assert asker.computed
    warnings = [r for r in caplog.records if r.name == "marquee.graphql.cache"]
    assert len(warnings) == 1
    response_cache.store.reset()


def key_of(query, variables=None):
    return response_cache.cache_key(
        query=query,
        operation_name=None,
        variables_json=response_cache._canonical_variables(variables or {}),
        origin="http://testserver/",
        segment=PUBLIC_SEGMENT,
        token=catalogue_token(),
    )


def test_a_request_missing_a_key_being_filled_waits_for_the_entry(catalogue, anonymous):
    catalogue.product("Tee")
    answer = anonymous.ask(NAMES)
    key = key_of(NAMES)
    entry = response_cache.store.get(key)
    assert entry is not None
    response_cache.store.delete(key)
    assert response_cache.store.add(key + ":filling", 1, 10)  # another request is computing
    filler = threading.Timer(0.05, lambda: response_cache.store.set(key, entry, 10))
    filler.start()
    try:
        assert anonymous.ask(NAMES) == answer
    finally:
        filler.join()
    assert not anonymous.computed


def test_a_fill_that_never_comes_is_waited_for_a_bounded_time(catalogue, anonymous, monkeypatch):
    monkeypatch.setattr(response_cache, "FILL_WAIT_SECONDS", 0.05)
    catalogue.product("Tee")
    anonymous.ask(NAMES)
    key = key_of(NAMES)
    response_cache.store.delete(key)
    response_cache.store.add(key + ":filling", 1, 10)
    assert anonymous.ask(NAMES)["products"]["edges"] == [{"node": {"name": "Tee"}}]
    assert anonymous.computed
    assert response_cache.store.get(key) is not None  # and it stored what it computed


def test_the_fill_mark_is_released_after_computing(catalogue, anonymous):
    catalogue.product("Tee")
    anonymous.ask(NAMES)
    assert response_cache.store.get(key_of(NAMES) + ":filling") is None


@pytest.mark.django_db(transaction=True)
def test_a_stampede_on_one_missing_answer_computes_it_once(catalogue):
    """Eight requests for one uncached answer at the same moment, each on its own thread and
    database connection: one computes it, the seven others wait for its entry."""
    catalogue.product("Tee")

    def ask():
        asker = Asker()
        answer = asker.ask(NAMES)
        return asker.response["X-Cache"], answer

    outcomes = in_parallel([ask] * 8)
    # (X-Cache, not the statements: each may read the next catalogue moment the first time it
    # sees the version, one statement that is not the answer's)
    assert sorted(status for status, _answer in outcomes) == ["HIT"] * 7 + ["MISS"]
    assert all(
        answer == {"products": {"edges": [{"node": {"name": "Tee"}}]}} for _s, answer in outcomes
    )
