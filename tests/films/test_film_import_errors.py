"""Bad rows are reported as file:line: reason while the good rows import."""

import pytest

from marquee.films.importer import DatasetUnreadable, import_films
from marquee.films.models import Film

pytestmark = pytest.mark.django_db


def test_csv_bad_rows_are_reported_and_good_rows_imported(fixtures_dir):
    path = fixtures_dir / "bad_films.csv"
    report = import_films(path)

    assert [(error.line, error.reason) for error in report.errors] == [
        (3, "slug: 'Wolf Warrior 2' is not a slug (lowercase letters, digits, single hyphens)"),
        (4, "title: is required"),
        (5, "release_date: '2022-02-30' is not a valid date"),
        (6, "runtime_minutes: 0 is not a positive number of minutes"),
        (7, "box_office_currency: 'RMB' is not an ISO 4217 currency code"),
        (8, "box_office_gross: '-1' is negative"),
        (11, "box_office_market: 'XX' is not an ISO 3166 country code or 'WW'"),
        (12, "expected 16 values, found 4"),
        (13, "box_office_gross: '12.34567' has more than 4 decimal places"),
        (15, "slug: 'wolf-warrior-2' already appears at line 2"),
        (
            16,
            "release_date: '2020/08/21' is not a date in YYYY-MM-DD form; "
            "box_office_currency: 'yuan' is not an ISO 4217 currency code",
        ),
    ]
    assert {error.file for error in report.errors} == {str(path)}
    assert str(report.errors[0]) == f"{path}:3: slug: 'Wolf Warrior 2' is not a slug " + (
        "(lowercase letters, digits, single hyphens)"
    )
    assert (report.created, report.updated, report.unchanged, report.invalid) == (3, 0, 0, 11)
    assert set(Film.objects.values_list("slug", flat=True)) == {
        "wolf-warrior-2",
        "the-mermaid",
        "crazy-alien",
    }
    mermaid = Film.objects.get(slug="the-mermaid")
    assert mermaid.synopsis == "A tycoon falls for the mermaid\nsent to kill him."
    assert [c.person.name for c in mermaid.credits.filter(role="cast")] == ["邓超", "林允"]


def test_json_bad_objects_are_reported_at_the_line_they_start(fixtures_dir):
    path = fixtures_dir / "bad_films.json"
    report = import_films(path)

    assert [(error.line, error.reason) for error in report.errors] == [
        (3, "slug: 'Ne Zha 2' is not a slug (lowercase letters, digits, single hyphens)"),
        (
            4,
            "credits[0].role: 'actress' is not a known role "
            "(director, cast, writer, producer, composer)",
        ),
        (5, "expected a film object, got a string"),
        (
            6,
            "box_office[0].gross_amount: '-3' is negative; "
            "box_office[0].currency: 'RMB' is not an ISO 4217 currency code",
        ),
        (13, "slug: 'ne-zha' already appears at line 2"),
        (
            14,
            "unknown field(s) relase_date; runtime_minutes: 0 is not a positive number of minutes",
        ),
        (15, "box_office[0].market: 'XX' is not an ISO 3166 country code or 'WW'"),
    ]
    assert (report.created, report.invalid) == (2, 7)
    assert set(Film.objects.values_list("slug", flat=True)) == {"ne-zha", "better-days"}


@pytest.mark.parametrize(
    ("name", "content", "line", "reason"),
    [
        (
            "syntax.json",
            '[\n  {"slug": "ne-zha", "title": "哪吒"},\n  {"slug": }\n]\n',
            3,
            "invalid JSON",
        ),
        ("object.json", '{"slug": "ne-zha"}\n', 1, "expected a JSON array of film objects"),
        ("trailing.json", '[{"slug": "ne-zha", "title": "哪吒"}]\n]\n', 2, "extra data"),
        ("header.csv", "slug,title\nne-zha,哪吒\n", 1, "missing CSV column(s): title_zh"),
        ("empty.csv", "", 1, "empty file"),
        ("films.txt", "[]", None, "unknown format"),
    ],
)
def test_unreadable_files_import_nothing(tmp_path, name, content, line, reason):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    with pytest.raises(DatasetUnreadable) as caught:
        import_films(path)

    assert caught.value.line == line
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"{path}:{line}:" if line else f"{path}:")
    assert not Film.objects.exists()


def test_missing_and_undecodable_files(tmp_path):
    with pytest.raises(DatasetUnreadable, match="no such file"):
        import_films(tmp_path / "absent.json")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("slug\nbrûlé\n".encode("latin-1"))
    with pytest.raises(DatasetUnreadable, match="not UTF-8"):
        import_films(latin1)
