"""Importing the shipped dataset, and importing it again."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marquee.films.importer import DEFAULT_DATASET, import_films
from marquee.films.models import BoxOfficeFigure, Credit, Film, Genre, Person

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def test_shipped_dataset_imports_without_errors():
    report = import_films(DEFAULT_DATASET)

    assert report.errors == []
    assert report.invalid == 0
    assert report.created == Film.objects.count() >= 30
    assert set(
        Film.objects.filter(
            slug__in=[
                "wolf-warrior-2",
                "the-wandering-earth",
                "ne-zha",
                "tiny-times-3",
                "wolf-totem",
            ]
        ).values_list("title_zh", flat=True)
    ) == {"战狼2", "流浪地球", "哪吒之魔童降世", "小时代3：刺金时代", "狼图腾"}

    wolf_warrior = Film.objects.get(slug="wolf-warrior-2")
    figure = wolf_warrior.box_office.get(market="CN")
    assert (figure.gross_amount, figure.currency) == (Decimal("5694000000"), "CNY")
    assert list(wolf_warrior.genres.values_list("slug", flat=True)) == ["action", "war"]
    # People shared between films are one row each.
    wu_jing = Person.objects.get(slug="wu-jing")
    assert wu_jing.name_zh == "吴京"
    assert wu_jing.credits.values("film").distinct().count() >= 4


def test_reimport_changes_nothing():
    first = import_films(DEFAULT_DATASET)
    stamps = dict(Film.objects.values_list("slug", "updated_at"))
    counts = [m.objects.count() for m in (Film, Person, Genre, Credit, BoxOfficeFigure)]

    with CaptureQueriesContext(connection) as queries:
        second = import_films(DEFAULT_DATASET)

    assert (second.created, second.updated, second.invalid) == (0, 0, 0)
    assert second.unchanged == first.created
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []
    assert dict(Film.objects.values_list("slug", "updated_at")) == stamps
    assert [m.objects.count() for m in (Film, Person, Genre, Credit, BoxOfficeFigure)] == counts
