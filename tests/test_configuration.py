"""The README's configuration table and the settings module name the same variables.

A variable the settings read but the README does not list is a switch no
operator can find; one the README lists but nothing reads is a promise the
shop does not keep (the licence gate's switch once was one).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READS = re.compile(r'(?:env_bool|env_int|env_list|os\.environ\.get)\(\s*"([A-Z0-9_]+)"')


def _read_by_settings() -> set[str]:
    return set(READS.findall((ROOT / "marquee" / "settings.py").read_text()))


def _documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Configuration")
    table = readme[start : readme.index("\n## ", start + 1)]
    names = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_every_variable_the_settings_read_is_in_the_readme_table():
    assert sorted(_read_by_settings() - _documented()) == []


def test_every_variable_in_the_readme_table_is_read_by_the_settings():
    assert sorted(_documented() - _read_by_settings()) == []


def test_the_licence_gate_switch_is_read_from_the_environment():
    script = "import django; django.setup(); from django.conf import settings; "
    script += "print(settings.LICENCE_GATE_ENABLED)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "marquee.settings", "LICENCE_GATE_ENABLED": "0"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == "False", result.stderr[-2000:]
