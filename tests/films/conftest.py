"""Fixtures for the film tests: sample files and the admin's location."""

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def write_json(tmp_path):
    """Write a list of film objects to a JSON file and return its path."""

    def write(films, name="films.json") -> Path:
        target = tmp_path / name
        target.write_text(json.dumps(films, ensure_ascii=False, indent=2), encoding="utf-8")
        return target

    return write


@pytest.fixture
def admin_urls():
    """Where the project mounts the admin."""
    return "/admin/"
