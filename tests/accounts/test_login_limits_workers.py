"""The login limit across worker processes: gunicorn with three workers, one count.

The server runs against the test database (the test's data is committed,
hence `transaction=True`) and, in the Redis variant, the test Redis.
"""

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection

from marquee.accounts.models import User
from tests.servers import database_url, gunicorn

from .conftest import PASSWORD, TEST_REDIS_URL
from .test_tokens import TOKEN_CREATE

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 3
LIMIT = 5
GUESSES = 24


@pytest.fixture
def server(counter_store, tmp_path):
    """gunicorn serving the project; yields (base url, access log, master pid)."""
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DB_POOL_ENABLED": "0",
        "DEBUG": "1",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOGIN_FAILURE_LIMIT": str(LIMIT),
        "LOGIN_FAILURE_LIMIT_PER_EMAIL": str(10 * GUESSES),
        "LOGIN_THROTTLE_REDIS_URL": TEST_REDIS_URL if counter_store == "redis" else "",
        "MARQUEE_DATA_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "",
    }
    with gunicorn(
        env,
        tmp_path / "server.log",
        f"--workers={WORKERS}",
        f"--access-logfile={log}",
        "--access-logformat=%(p)s %(r)s %(s)s",
        "--timeout=120",
        ready_path="/admin/login/",
    ) as (url, pid):
        yield url, log, pid


def _worker_pids(master: int) -> set[str]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return set(children)


def _served_by(log: Path, marker: str) -> set[str]:
    return {
        line.split()[0].strip("<>")
        for line in log.read_text().splitlines()
        if re.search(rf"[?&]{marker}\b", line)
    }


def _token_create(url, email, password, marker):
    body = httpx.post(
        f"{url}/graphql/?{marker}",
        json={"query": TOKEN_CREATE, "variables": {"email": email, "password": password}},
        timeout=120,
    ).json()
    return [e["code"] for e in body["data"]["tokenCreate"]["errors"]]


def _until_every_worker_answered(url, log, master, send, marker):
    """Send requests, a few at a time, until each worker has served at least one."""
    answers = []
    with ThreadPoolExecutor(WORKERS * 2) as pool:
        for _ in range(20):
            answers += pool.map(lambda _i: send(marker), range(WORKERS * 2))
            time.sleep(0.3)  # the access log is written after the response
            if _served_by(log, marker) >= _worker_pids(master):
                return answers
    pytest.fail(f"not every worker answered: {_served_by(log, marker)}")


def test_token_create_lock_out_holds_on_every_worker(server):
    url, log, master = server
    user = User.objects.create_user("lin.wei@marquee.example", PASSWORD)
    assert _token_create(url, user.email, PASSWORD, "warm-up") == []  # clears the count

    with ThreadPoolExecutor(GUESSES) as pool:
        answers = list(
            pool.map(
                lambda i: _token_create(url, user.email, f"guess-{i}", "guess"), range(GUESSES)
            )
        )
    assert answers.count(["INVALID_CREDENTIALS"]) == LIMIT, answers
    assert answers.count(["LOGIN_ATTEMPT_DELAYED"]) == GUESSES - LIMIT, answers
    assert len(_served_by(log, "guess")) > 1  # the guesses were spread over workers

    right = _until_every_worker_answered(
        url, log, master, lambda m: _token_create(url, user.email, PASSWORD, m), "right"
    )
    assert set(map(tuple, right)) == {("LOGIN_ATTEMPT_DELAYED",)}


def _admin_login(url, email, password, marker) -> bool:
    """Post the admin login form as a browser does; True when it signs in."""
    with httpx.Client(base_url=url, timeout=120) as browser:
        page = browser.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = browser.post(
            f"/admin/login/?{marker}",
            data={
                "csrfmiddlewaretoken": token,
                "username": email,
                "password": password,
                "next": "/admin/",
            },
        )
        assert response.status_code in (200, 302), response.text[:300]
        return response.status_code == 302 and "sessionid" in browser.cookies


def test_admin_login_lock_out_holds_on_every_worker(server):
    url, log, master = server
    staff = User.objects.create_superuser("admin@marquee.example", PASSWORD)
    assert _admin_login(url, staff.email, PASSWORD, "warm-up") is True

    with ThreadPoolExecutor(12) as pool:
        signed_in = list(
            pool.map(lambda i: _admin_login(url, staff.email, f"guess-{i}", "guess"), range(12))
        )
    assert signed_in == [False] * 12

    right = _until_every_worker_answered(
        url, log, master, lambda m: _admin_login(url, staff.email, PASSWORD, m), "right"
    )
    assert right and not any(right)
