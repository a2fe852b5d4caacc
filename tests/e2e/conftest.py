"""Browser tests: a real Chromium, driven by Playwright, against the shop as it is deployed.

One database per run (`<test database>_e2e`, migrated and loaded with the
demo data by the project's own commands), served by gunicorn with
production settings (DEBUG off, collected static files, the project's
gunicorn config). Tests share that shop, so each one makes the customer,
cart or approval it needs instead of relying on what another test left.

The browser is Debian's Chromium (`/usr/bin/chromium`), one named by
`MARQUEE_CHROMIUM`, or one Playwright installed; with none of them the run
fails and says how to get one: browser tests are never skipped silently.
Every test saves a screenshot of its last page under `.data/e2e-artefacts/`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.servers import REPO, database_url, gunicorn, production_env

ARTEFACTS = REPO / ".data" / "e2e-artefacts"
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def chromium_executable() -> str:
    """The Chromium to drive, or a failure that says how to get one."""
    named = os.environ.get("MARQUEE_CHROMIUM")
    if named:
        if Path(named).exists():
            return named
        pytest.fail(f"MARQUEE_CHROMIUM={named} does not exist", pytrace=False)
    for candidate in CHROMIUM_PATHS:
        if Path(candidate).exists():
            return candidate
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        managed = playwright.chromium.executable_path
    if managed and Path(managed).exists():
        return managed
    pytest.fail(
        "The browser tests need Chromium and none was found. On Debian or Ubuntu: "
        "`sudo apt-get install chromium`; elsewhere `.venv/bin/playwright install chromium`; "
        "or set MARQUEE_CHROMIUM to a Chromium or Chrome executable.",
        pytrace=False,
    )


def server_environment(database: str, data_dir: Path) -> dict[str, str]:
    return production_env(
        database,
        data_dir=data_dir,
        MEDIA_ROOT=str(data_dir / "media"),
        # Plain HTTP on loopback: cookies marked Secure would not come back.
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
    )


def _manage(env: dict, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr[-3000:]}"


@pytest.fixture(scope="session")
def shop_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo shop on its own database, served by gunicorn; yields the base URL."""
    with django_db_blocker.unblock():
        settings_dict = dict(connection.settings_dict)
    name = f"{settings_dict['NAME']}_e2e"
    admin_url = database_url({**settings_dict, "NAME": "postgres"})
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    data_dir = tmp_path_factory.mktemp("e2e-shop")
    env = server_environment(database_url({**settings_dict, "NAME": name}), data_dir)
    _manage(env, "migrate", "--noinput", "--verbosity", "0")
    _manage(env, "loaddemo")
    _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    log = data_dir / "gunicorn.log"
    try:
        with gunicorn(env, log, "--workers", "2", "--threads", "4", ready_path="/") as (
            url,
            _pid,
        ):
            yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def base_url(shop_server):
    """pytest-playwright opens relative URLs (`page.goto("/")`) against the shop."""
    return shop_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": chromium_executable()}


@pytest.fixture(autouse=True)
def _last_page_screenshot(request, page):
    """Each test's last page, kept as an artefact whether it passed or not."""
    yield
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid.split("::", 1)[-1])
    try:
        page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
    except Exception as exc:  # noqa: BLE001 - a closed page must not hide the test's result
        (ARTEFACTS / f"{name}.txt").write_text(f"no screenshot: {exc}\n")


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in {"serious", "critical"}
    ]
    assert not serious, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in serious
    )
