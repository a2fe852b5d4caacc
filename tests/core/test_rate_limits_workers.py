"""Rate limits and Retry-After over real HTTP: gunicorn with three workers, one count.

The server runs the production settings with the demonstration schema
(`rate_limited_settings`) against the test database (its data is committed,
hence `transaction=True`) and, in the Redis variant, the test Redis.
"""

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection

from marquee.core import admission, rate_limits
from tests.servers import database_url, gunicorn

from .conftest import TEST_KEY_PREFIX, TEST_REDIS_URL, redis_available

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 3
LIMIT = 5
REQUESTS = 24
PING = "mutation { demoPing { ok errors { field code message } } }"
JOIN = 'mutation { demoJoin(room: "workers") { number errors { field code message } } }'


def _env(tmp_path, redis_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.core.rate_limited_settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "DB_POOL_ENABLED": "0",
        "DEBUG": "1",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": TEST_KEY_PREFIX,
        "LOGIN_THROTTLE_REDIS_URL": "",
        "DROP_RATE_LIMIT_PER_IP": str(LIMIT),
        "DROP_RATE_LIMIT_PER_ACCOUNT": "1000",
        "DROP_RATE_LIMIT_WINDOW_SECONDS": "120",
        "ADMISSION_POLL_SECONDS": "2",
        "MARQUEE_DATA_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "",
    }


@contextmanager
def _serving(settings, tmp_path, redis_url: str):
    """gunicorn serving the demonstration schema; yields (base url, access log)."""
    settings.REDIS_URL = redis_url
    settings.REDIS_KEY_PREFIX = TEST_KEY_PREFIX
    rate_limits.clear_all()
    log = tmp_path / "access.log"
    try:
        with gunicorn(
            _env(tmp_path, redis_url),
            tmp_path / "server.log",
            f"--workers={WORKERS}",
            f"--access-logfile={log}",
            "--access-logformat=%(p)s %(r)s %(s)s",
            "--timeout=120",
        ) as (url, _pid):
            yield url, log
    finally:
        rate_limits.clear_all()


@pytest.fixture(params=["database", "redis"])
def server(request, settings, tmp_path):
    redis_url = ""
    if request.param == "redis":
        if not redis_available(TEST_REDIS_URL):
            pytest.skip(f"no Redis at {TEST_REDIS_URL}")
        redis_url = TEST_REDIS_URL
    with _serving(settings, tmp_path, redis_url) as served:
        yield served


@pytest.fixture
def redis_server(settings, tmp_path):
    if not redis_available(TEST_REDIS_URL):
        pytest.skip(f"no Redis at {TEST_REDIS_URL}")
    with _serving(settings, tmp_path, TEST_REDIS_URL) as served:
        yield served


def _served_by(log: Path, marker: str) -> set[str]:
    time.sleep(0.3)  # the access log is written after the response
    return {
        line.split()[0].strip("<>")
        for line in log.read_text().splitlines()
        if re.search(rf"[?&]{marker}\b", line)
    }


def _post(url, query, marker):
    response = httpx.post(f"{url}/graphql/?{marker}", json={"query": query}, timeout=120)
    assert response.status_code == 200, response.text[:500]
    return response


def test_the_per_ip_limit_holds_across_workers_and_refusals_carry_retry_after(server):
    url, log = server
    with ThreadPoolExecutor(REQUESTS) as pool:
        responses = list(pool.map(lambda _i: _post(url, PING, "storm"), range(REQUESTS)))
    payloads = [r.json()["data"]["demoPing"] for r in responses]
    allowed = [p for p in payloads if p["ok"]]
    assert len(allowed) == LIMIT, payloads
    refused = [(r, p) for r, p in zip(responses, payloads, strict=True) if not p["ok"]]
    assert len(refused) == REQUESTS - LIMIT
    for response, payload in refused:
        [error] = payload["errors"]
        assert (error["code"], error["field"]) == ("RATE_LIMITED", None)
        seconds = int(response.headers["Retry-After"])
        assert 0 < seconds <= 120
        assert error["message"].endswith(f"try again in {seconds} s.")
    assert len(_served_by(log, "storm")) > 1  # the storm was spread over workers


def test_a_store_that_is_down_answers_unavailable_with_retry_after(settings, tmp_path):
    """REDIS_URL naming a Redis that is not there: a retryable error, never a hang or a 500."""
    env = _env(tmp_path, "redis://127.0.0.1:1/0")
    server = gunicorn(env, tmp_path / "server.log", "--workers=2", "--timeout=120")
    with server as (url, _pid), ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda _i: _post(url, JOIN, "down"), range(6)))
    for response in responses:
        [error] = response.json()["data"]["demoJoin"]["errors"]
        assert error["code"] == "UNAVAILABLE"
        assert response.headers["Retry-After"] == "2"


def test_with_redis_every_worker_numbers_arrivals_from_one_room(redis_server):
    url, log = redis_server
    admission.reset("workers")
    with ThreadPoolExecutor(REQUESTS) as pool:
        responses = list(pool.map(lambda _i: _post(url, JOIN, "join"), range(REQUESTS)))
    numbers = sorted(r.json()["data"]["demoJoin"]["number"] for r in responses)
    assert numbers == list(range(1, REQUESTS + 1))
    assert len(_served_by(log, "join")) > 1
    admission.reset("workers")
