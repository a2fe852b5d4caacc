"""The demo's data files, read once per process.

TOML rather than Python so that the demo reads like a merchandising plan and
a licence register, and can be changed without touching the code that
writes it; TOML rather than JSON for the comments that say why a row is
there.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")


@cache
def read(name: str) -> dict:
    """The parsed `data/<name>.toml`: shop, products, licensing, sales or members."""
    with (DATA_DIR / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


DEMO_STAFF_EMAIL = read("shop")["staff"]["email"]
DEMO_STAFF_PASSWORD = read("shop")["staff"]["password"]
LICENSOR_PASSWORD = read("licensing")["licensor_password"]
MEMBER_PASSWORD = read("members")["member_password"]
MEMBER_EMAILS = tuple(member["email"] for member in read("members")["members"])
