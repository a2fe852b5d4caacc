"""The demo a buyer sees, pinned: what `make run` loads must not drift.

`expected.json` holds the fingerprint of a loaded demo (see
`fingerprint.py`): counts per model, a readable view of every product,
menu, collection, page, licensor, licence and approval, and a digest per
model of every row. A product dropped, a price changed or a translation
lost fails here. Digests cover the columns pinned in the file, so a column
added to a model later does not fail the test; a model the demo fills
afresh does (its count is new). After a deliberate change to the demo data,
rewrite the file with `DEMO_FINGERPRINT_WRITE=1` and review its diff.
"""

import json
import os
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from marquee.demo.loader import load_demo
from tests.merch.conftest import FAST_HASHERS

from .fingerprint import Fingerprint

EXPECTED = Path(__file__).with_name("expected.json")
# The demo is loaded as of one fixed day. Its data mixes fixed dates (release
# dates, box office days, dated exchange rates) with dates computed from the
# day of the load (windows, expiries); only a fixed "today" keeps both where
# `expected.json` recorded them, whatever day the suite runs on.
LOADED_ON = "2026-12-02 12:00:00+00:00"

pytestmark = pytest.mark.django_db


@pytest.fixture
def fingerprint(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    rewrite = os.environ.get("DEMO_FINGERPRINT_WRITE") == "1"
    fields = None if rewrite else json.loads(EXPECTED.read_text())["fields"]
    with time_machine.travel(LOADED_ON, tick=False):
        now = timezone.now()
        assert load_demo() is True
        return Fingerprint(now, fields).everything()


def test_the_demo_is_what_a_buyer_saw_before(fingerprint, tmp_path):
    if os.environ.get("DEMO_FINGERPRINT_WRITE") == "1":
        EXPECTED.write_text(json.dumps(fingerprint, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(EXPECTED.read_text())
    actual_file = tmp_path / "actual.json"
    actual_file.write_text(json.dumps(fingerprint, indent=1, ensure_ascii=False))
    view, expected_view = fingerprint["buyer_view"], expected["buyer_view"]
    assert sorted(view["products"]) == sorted(expected_view["products"])
    for section in expected_view:
        assert view[section] == expected_view[section], (section, actual_file)
    assert fingerprint["counts"] == expected["counts"], actual_file
    assert fingerprint["digests"] == expected["digests"], actual_file


def test_the_storefront_conventions_are_there(fingerprint):
    view = fingerprint["buyer_view"]
    assert {"navbar", "footer"} <= set(view["menus"])
    assert len(view["collections"]["featured-products"]) == 10
    listed = [product for product in view["products"].values() if product["published"]]
    assert len(listed) == 47  # and three designs still in licensor approval
    assert all(product["name_zh"] and product["images"] for product in listed)
