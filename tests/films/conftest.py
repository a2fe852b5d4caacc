"""Fixtures for the film tests: sample files and a throwaway admin URLconf."""

import json
import sys
import types
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import path

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
def admin_urls(settings, tmp_path):
    """Route /admin/ for the test only: the project URLconf does not mount the admin."""
    settings.STATIC_ROOT = tmp_path  # WhiteNoise warns about a missing static root
    module = types.ModuleType("films_test_admin_urls")
    module.urlpatterns = [path("admin/", admin.site.urls)]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    yield "/admin/"
    sys.modules.pop(module.__name__, None)
