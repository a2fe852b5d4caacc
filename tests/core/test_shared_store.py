"""The Django cache is the shared Redis when REDIS_URL is set, local memory otherwise.

A backer programme's sold-out mark (`members.services.backing.soldout`)
lives in the cache: with Redis, one worker's mark is every worker's.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.servers import database_url

from .conftest import TEST_KEY_PREFIX, TEST_REDIS_URL, redis_available

REPO = Path(__file__).resolve().parents[2]

_SCRIPT = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from marquee.members.services.backing import soldout
programme, action = int(sys.argv[1]), sys.argv[2]
if action == "mark":
    soldout.mark(programme)
options = settings.CACHES["default"]
print(json.dumps({"backend": options["BACKEND"], "prefix": options.get("KEY_PREFIX", ""),
                  "options": options.get("OPTIONS", {}), "marked": soldout.is_marked(programme)}))
"""


def run(redis_url: str, programme: int, action: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marquee.settings",
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": TEST_KEY_PREFIX,
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(programme), action],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_redis_the_cache_is_each_process_own():
    programme = uuid.uuid4().int % 10**9
    assert run("", programme, "mark")["marked"] is True
    seen = run("", programme, "read")
    assert seen["backend"] == "django.core.cache.backends.locmem.LocMemCache"
    assert seen["marked"] is False


def test_with_redis_a_mark_made_in_one_process_is_seen_by_another():
    if not redis_available(TEST_REDIS_URL):
        pytest.skip(f"no Redis at {TEST_REDIS_URL}")
    programme = uuid.uuid4().int % 10**9
    assert run(TEST_REDIS_URL, programme, "mark")["marked"] is True
    seen = run(TEST_REDIS_URL, programme, "read")
    assert seen["backend"] == "django.core.cache.backends.redis.RedisCache"
    assert seen["prefix"] == f"{TEST_KEY_PREFIX}:cache"
    assert seen["options"]["socket_timeout"] <= 0.5
    assert seen["options"]["socket_connect_timeout"] <= 0.5
    assert seen["marked"] is True
