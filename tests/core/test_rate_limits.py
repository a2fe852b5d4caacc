"""Rate limits: a fixed window per (scope, key), counted atomically in a shared store.

Each behaviour runs against the PostgreSQL table and a real Redis. Counts
are committed on a connection of their own, hence `transaction=True`.
"""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marquee.core import rate_limits
from marquee.core.models import RateLimitCounter

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["database", "redis"])
def limits(request, settings, django_db_blocker):
    """The rate-limit store under test, empty."""
    from .conftest import TEST_KEY_PREFIX, TEST_REDIS_URL, redis_available

    settings.REDIS_KEY_PREFIX = TEST_KEY_PREFIX
    settings.REDIS_URL = ""
    if request.param == "redis":
        if not redis_available(TEST_REDIS_URL):
            pytest.skip(f"no Redis at {TEST_REDIS_URL}")
        settings.REDIS_URL = TEST_REDIS_URL
    rate_limits.clear_all()
    yield request.param
    rate_limits.clear_all()


def test_the_limit_allows_that_many_hits_then_refuses_until_the_window_ends(limits):
    decisions = [
        rate_limits.hit("drop-ip", "203.0.113.7", limit=3, window_seconds=60) for _ in range(5)
    ]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.retry_after for d in decisions[:3]] == [0, 0, 0]
    assert all(0 < d.retry_after <= 60 for d in decisions[3:])


def test_keys_scopes_and_windows_are_counted_apart(limits):
    for _ in range(2):
        rate_limits.hit("drop-ip", "203.0.113.7", limit=2, window_seconds=60)
    assert not rate_limits.hit("drop-ip", "203.0.113.7", limit=2, window_seconds=60).allowed
    assert rate_limits.hit("drop-ip", "198.51.100.1", limit=2, window_seconds=60).allowed
    assert rate_limits.hit("drop-account", "203.0.113.7", limit=2, window_seconds=60).allowed
    assert rate_limits.hit("drop-ip", "203.0.113.7", limit=2, window_seconds=30).allowed


def test_check_raises_rate_limited_with_the_wait(limits):
    rate_limits.check("drop-ip", "203.0.113.7", limit=1, window_seconds=60)
    with pytest.raises(rate_limits.RateLimited) as refused:
        rate_limits.check("drop-ip", "203.0.113.7", limit=1, window_seconds=60)
    detail = refused.value.details[0]
    assert detail.code == "RATE_LIMITED"
    assert 0 < refused.value.retry_after <= 60
    assert detail.extra["retry_after"] == refused.value.retry_after
    assert f"try again in {refused.value.retry_after} s" in detail.message


def test_concurrent_hits_never_exceed_the_limit(limits):
    allowed = []
    lock = threading.Lock()

    def hammer():
        for _ in range(5):
            decision = rate_limits.hit("drop-ip", "203.0.113.7", limit=7, window_seconds=60)
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 7
    assert len(allowed) == 40


def test_a_hit_is_outside_the_requests_transaction(limits):
    """Counted on a connection of its own: nothing on the request's connection, and the
    count stays even when the request's transaction rolls back."""
    from django.db import transaction

    with CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic():
                rate_limits.hit("drop-ip", "203.0.113.7", limit=1, window_seconds=60)
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
    assert [q["sql"] for q in queries if "ratelimit" in q["sql"].lower()] == []
    assert not rate_limits.hit("drop-ip", "203.0.113.7", limit=1, window_seconds=60).allowed


def test_the_table_stores_digests_not_addresses(settings, django_db_blocker):
    settings.REDIS_URL = ""
    rate_limits.clear_all()
    rate_limits.hit("drop-ip", "203.0.113.7", limit=1, window_seconds=60)
    [row] = RateLimitCounter.objects.all()
    assert "203.0.113.7" not in row.key
    assert row.count == 1
    rate_limits.clear_all()


def test_an_unreachable_redis_is_a_retryable_error(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    with pytest.raises(rate_limits.RateLimitUnavailable) as refused:
        rate_limits.hit("drop-ip", "203.0.113.7", limit=1, window_seconds=60)
    assert refused.value.details[0].code == "UNAVAILABLE"
    assert refused.value.retry_after >= 1


def test_several_limits_count_in_turn_and_a_refusal_spares_the_later_ones(limits):
    hits = [("drop-ip", "203.0.113.7", 1, 60), ("drop-account", "lin", 5, 60)]
    assert [d.allowed for d in rate_limits.hit_all(hits)] == [True, True]
    refused = rate_limits.hit_all(hits)
    assert [d.allowed for d in refused] == [False]  # the account's count was not used
    assert rate_limits.hit("drop-account", "lin", limit=5, window_seconds=60).count == 2
    with pytest.raises(rate_limits.RateLimited):
        rate_limits.check_all(hits)
