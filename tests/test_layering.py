"""The layering of DESIGN.md is enforced here, so `make test` fails on a breach.

The contracts live in `pyproject.toml` (`[tool.importlinter]`). The second half of the file
proves the check can fail: it copies the package to a temporary folder, adds one forbidden
import and expects import-linter to name the broken contract.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def run_lint_imports(package_parent: Path) -> subprocess.CompletedProcess:
    """Runs the repository's contracts against the `marquee` package found in package_parent."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=package_parent,
        env={"PYTHONPATH": str(package_parent), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_package_keeps_every_layering_contract():
    result = run_lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout, result.stdout


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory):
    """A copy of the package's Python sources, to break on purpose."""
    parent = tmp_path_factory.mktemp("layering")
    shutil.copytree(
        ROOT / "marquee",
        parent / "marquee",
        ignore=shutil.ignore_patterns("__pycache__", "*.json", "*.csv", "*.html", "*.png"),
    )
    return parent


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        (
            "marquee/merch/checkout/_breach.py",
            "import marquee.graphql\n",
            "No domain imports the API, the web storefront or the demo data BROKEN",
        ),
        (
            "marquee/licensing/_breach.py",
            "from marquee.graphql.core.errors import *  # noqa\n",
            "No domain imports the API, the web storefront or the demo data BROKEN",
        ),
        (
            "marquee/merch/_breach.py",
            "from marquee.licensing import gate  # noqa\n",
            "The commerce core knows nothing of licences or memberships BROKEN",
        ),
        (
            "marquee/core/_breach.py",
            "from marquee.merch import models  # noqa\n",
            "Domains are layered, each importing only the layers below it BROKEN",
        ),
        # Packages not written yet are held to the contracts as soon as they exist.
        (
            "marquee/members/_breach.py",
            "from marquee.graphql import api  # noqa\n",
            "No domain imports the API, the web storefront or the demo data BROKEN",
        ),
        (
            "marquee/members/_breach.py",
            "from marquee.licensing import gate  # noqa\n",
            "Domains are layered, each importing only the layers below it BROKEN",
        ),
        (
            "marquee/merch/_breach.py",
            "from marquee.demo import loader  # noqa\n",
            "No domain imports the API, the web storefront or the demo data BROKEN",
        ),
    ],
)
def test_a_forbidden_import_breaks_a_contract(package_copy, module, line, broken):
    created = []
    for package in ("marquee/members", "marquee/demo"):
        folder = package_copy / package
        if not folder.exists():
            folder.mkdir()
            (folder / "__init__.py").write_text("")
            (folder / "loader.py").write_text("")
            created.append(folder)
    breach = package_copy / module
    breach.write_text(line)
    try:
        result = run_lint_imports(package_copy)
    finally:
        breach.unlink()
        for folder in created:
            shutil.rmtree(folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken in result.stdout, result.stdout
    assert module.removesuffix(".py").replace("/", ".") in result.stdout
