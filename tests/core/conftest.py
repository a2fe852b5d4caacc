"""Core fixtures: the shared store, in-process or a real Redis of the tests' own."""

import contextlib
import os
import uuid

import pytest

from marquee.core import admission

# Admission and rate-limit tests use their own Redis database and key prefix.
TEST_REDIS_URL = os.environ.get("TEST_ADMISSION_REDIS_URL", "redis://127.0.0.1:6379/11")
TEST_KEY_PREFIX = "test-admission"


def redis_available(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


@pytest.fixture
def room():
    """A room name no other test uses, forgotten afterwards (Redis keeps rooms for days)."""
    name = f"room-{uuid.uuid4().hex[:12]}"
    yield name
    # (unless the test pointed REDIS_URL at a Redis that is not there)
    with contextlib.suppress(admission.AdmissionUnavailable):
        admission.reset(name)


@pytest.fixture(params=["local", "redis"])
def store(request, settings):
    """Run a test against each store: in-process, and Redis when one runs."""
    settings.REDIS_KEY_PREFIX = TEST_KEY_PREFIX
    settings.REDIS_URL = ""
    if request.param == "redis":
        if not redis_available(TEST_REDIS_URL):
            pytest.skip(f"no Redis at {TEST_REDIS_URL} (set TEST_ADMISSION_REDIS_URL)")
        settings.REDIS_URL = TEST_REDIS_URL
    yield request.param


@pytest.fixture
def redis_store(settings):
    """Only the Redis store."""
    if not redis_available(TEST_REDIS_URL):
        pytest.skip(f"no Redis at {TEST_REDIS_URL} (set TEST_ADMISSION_REDIS_URL)")
    settings.REDIS_KEY_PREFIX = TEST_KEY_PREFIX
    settings.REDIS_URL = TEST_REDIS_URL
    return admission.rooms()
