"""`manage.py import_films`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marquee.films.models import Film

pytestmark = pytest.mark.django_db


def run(*paths):
    out, err = StringIO(), StringIO()
    call_command("import_films", *[str(p) for p in paths], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_reports_bad_rows_without_failing(fixtures_dir):
    csv_path, json_path = fixtures_dir / "bad_films.csv", fixtures_dir / "bad_films.json"

    out, err = run(csv_path, json_path)

    assert out.splitlines() == [
        f"{csv_path}: 3 created, 0 updated, 0 unchanged, 11 invalid",
        f"{json_path}: 2 created, 0 updated, 0 unchanged, 7 invalid",
    ]
    lines = err.splitlines()
    assert len(lines) == 18
    assert f"{csv_path}:7: box_office_currency: 'RMB' is not an ISO 4217 currency code" in lines
    assert f"{json_path}:5: expected a film object, got a string" in lines


def test_without_a_path_imports_the_shipped_dataset():
    out, err = run()

    assert err == ""
    assert "films.json: " in out and " 0 invalid" in out
    assert Film.objects.count() >= 30
    assert run()[0].endswith(f"0 created, 0 updated, {Film.objects.count()} unchanged, 0 invalid\n")


def test_unreadable_file_fails_after_importing_the_others(tmp_path, fixtures_dir):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"slug": "ne-zha",\n', encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError, match="1 file\\(s\\) could not be read"):
        call_command(
            "import_films",
            str(broken),
            str(fixtures_dir / "bad_films.json"),
            stdout=StringIO(),
            stderr=err,
        )

    assert f"{broken}:2: invalid JSON" in err.getvalue()
    assert set(Film.objects.values_list("slug", flat=True)) == {"ne-zha", "better-days"}
