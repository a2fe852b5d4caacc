"""localstripe (a stateful Stripe emulator) for the real `stripe` SDK, and signed webhooks."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import stripe

from tests.orders.conftest import ShopBuilder

WEBHOOK_SECRET = "whsec_test_marquee"  # noqa: S105 - a test value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    port = _free_port()
    binary = Path(sys.executable).parent / "localstripe"
    process = subprocess.Popen(
        [str(binary), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("localstripe did not start")
    previous = stripe.api_base
    stripe.api_base = url
    yield url
    stripe.api_base = previous
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_settings(settings, localstripe_url):
    settings.STRIPE_SECRET_KEY = "sk_test_marquee"  # noqa: S105
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_marquee"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_url
    return settings


def signed(payload: dict, secret: str = WEBHOOK_SECRET) -> tuple[str, str]:
    """Stripe's scheme: header t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<payload>")."""
    body = json.dumps(payload)
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return body, f"t={timestamp},v1={digest.hexdigest()}"


@pytest.fixture(autouse=True)
def _without_licence_gate(settings):
    """These products declare no licences; the licence gate is licensing's to test."""
    settings.LICENCE_GATE_ENABLED = False


@pytest.fixture
def shop(db):
    return ShopBuilder()
