"""The demo shop, loaded once per test module.

Loading takes a few seconds, too long to repeat for every test. The module
fixture loads it inside a transaction that is rolled back when the module
is done; each test runs in a savepoint within it (pytest-django's usual
per-test transaction), so tests still cannot see each other's writes and
nothing outlives the module.
"""

import pytest
from django.db import transaction
from django.test import override_settings

from marquee.demo.loader import load_demo

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media_root = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media_root), PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        assert load_demo() is True
        yield media_root
        transaction.set_rollback(True)
