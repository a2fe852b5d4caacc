"""The production settings, serving the demonstration schema (gunicorn in the tests)."""

from marquee.settings import *  # noqa: F403

ROOT_URLCONF = "tests.core.rate_limited_urls"
