"""A changed file brings credits and box office in line instead of piling up rows."""

import copy
from decimal import Decimal

import pytest

from marquee.films.importer import import_films
from marquee.films.models import Film, Person
from marquee.films.records import person_slug

pytestmark = pytest.mark.django_db


def person(name, name_zh, name_en, role, character=""):
    return {
        "name": name,
        "name_zh": name_zh,
        "name_en": name_en,
        "role": role,
        "character": character,
    }


HI_MOM = {
    "slug": "hi-mom",
    "title": "你好，李焕英",
    "title_en": "Hi, Mom",
    "original_language": "zh",
    "release_date": "2021-02-12",
    "runtime_minutes": 128,
    "genres": [{"slug": "comedy", "name": "Comedy", "name_zh": "喜剧"}],
    "credits": [
        person("贾玲", "贾玲", "Jia Ling", "director"),
        person("贾玲", "贾玲", "Jia Ling", "cast", "贾晓玲"),
        person("张小斐", "张小斐", "Zhang Xiaofei", "cast", "李焕英"),
        person("沈腾", "沈腾", "Shen Teng", "cast", "沈光林"),
    ],
    "box_office": [
        {"market": "CN", "gross_amount": "5400000000", "currency": "CNY", "as_of": "2021-06-30"},
        {"market": "WW", "gross_amount": "822000000", "currency": "USD", "as_of": "2021-06-30"},
    ],
}


def credits_of(film):
    return [
        (c.role, c.person.slug, c.character, c.sort_order)
        for c in film.credits.select_related("person").order_by("role", "sort_order")
    ]


def figures_of(film):
    return sorted(
        (f.market, str(f.as_of), f.gross_amount, f.currency, f.source)
        for f in film.box_office.all()
    )


def test_changed_file_reconciles_credits_and_box_office(write_json):
    assert import_films(write_json([HI_MOM])).created == 1
    film = Film.objects.get(slug="hi-mom")
    stamp = film.updated_at

    changed = copy.deepcopy(HI_MOM)
    changed["genres"].append({"slug": "drama", "name": "Drama", "name_zh": "剧情"})
    changed["credits"] = [
        person("贾玲", "贾玲", "Jia Ling", "director"),
        person("张小斐", "张小斐", "Zhang Xiaofei", "cast", "李焕英"),  # moved up
        person("贾玲", "贾玲", "Jia Ling", "cast", "贾晓玲"),
        person("陈赫", "陈赫", "Chen He", "cast", "冷特"),  # added; 沈腾 dropped
    ]
    changed["box_office"] = [
        # CN total revised, WW dropped, a later CN figure added
        {"market": "CN", "gross_amount": "5413000000", "currency": "CNY", "as_of": "2021-06-30"},
        {"market": "CN", "gross_amount": "5413000000.5", "currency": "CNY", "as_of": "2021-12-31"},
    ]
    report = import_films(write_json([changed]))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    film.refresh_from_db()
    assert film.updated_at > stamp
    assert sorted(film.genres.values_list("slug", flat=True)) == ["comedy", "drama"]
    assert credits_of(film) == [
        ("cast", "zhang-xiaofei", "李焕英", 0),
        ("cast", "jia-ling", "贾晓玲", 1),
        ("cast", "chen-he", "冷特", 2),
        ("director", "jia-ling", "", 0),
    ]
    assert figures_of(film) == [
        ("CN", "2021-06-30", Decimal("5413000000"), "CNY", ""),
        ("CN", "2021-12-31", Decimal("5413000000.5"), "CNY", ""),
    ]
    # People outlive the credits that named them; they may be credited elsewhere.
    assert Person.objects.filter(slug="shen-teng").exists()

    again = import_films(write_json([changed]))
    assert (again.updated, again.unchanged) == (0, 1)


def test_relation_only_change_still_marks_the_film_updated(write_json):
    import_films(write_json([HI_MOM]))
    stamp = Film.objects.get(slug="hi-mom").updated_at
    changed = copy.deepcopy(HI_MOM)
    changed["box_office"][0]["source"] = "Maoyan"

    assert import_films(write_json([changed])).updated == 1
    assert Film.objects.get(slug="hi-mom").updated_at > stamp


def test_csv_names_join_people_already_on_file(write_json, tmp_path):
    import_films(write_json([HI_MOM]))
    csv_path = tmp_path / "films.csv"
    csv_path.write_text(
        "slug,title,title_zh,title_en,original_language,release_date,runtime_minutes,genres,"
        "synopsis,directors,cast,box_office_market,box_office_gross,box_office_currency,"
        "box_office_as_of,box_office_source\n"
        "hi-mom,你好，李焕英,,Hi Mom,zh,2021-02-12,128,comedy,,贾玲,贾玲;Shen Teng;冯巩,,,,,\n",
        encoding="utf-8",
    )

    report = import_films(csv_path)

    assert report.errors == []
    film = Film.objects.get(slug="hi-mom")
    assert [(role, slug) for role, slug, _, _ in credits_of(film)] == [
        ("cast", "jia-ling"),
        ("cast", "shen-teng"),
        ("cast", person_slug("冯巩")),
        ("director", "jia-ling"),
    ]
    # A single CSV spelling fills blanks but never overwrites the fuller JSON record.
    shen = Person.objects.get(slug="shen-teng")
    assert (shen.name, shen.name_zh, shen.name_en) == ("沈腾", "沈腾", "Shen Teng")
    newcomer = Person.objects.get(slug=person_slug("冯巩"))
    assert (newcomer.name, newcomer.name_zh, newcomer.name_en) == ("冯巩", "冯巩", "")


def test_person_slugs():
    assert person_slug("吴京", "Wu Jing") == "wu-jing"
    assert person_slug("Gael García Bernal") == "gael-garcia-bernal"
    assert person_slug("吕艳婷", "Lü Yanting") == "lu-yanting"
    # No Latin spelling: a hash of the name, pinned so a release never re-keys people.
    assert person_slug("冯巩") == person_slug(" 冯巩 ") == "person-9785c74bf109"
    assert person_slug("冯巩") != person_slug("巩俐")
