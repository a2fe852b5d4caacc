"""The shipped dataset is well-formed before it ever touches a database."""

from collections import defaultdict

import pytest
from django.utils.text import slugify

from marquee.films.importer import DEFAULT_DATASET, RowInvalid, read_rows
from marquee.films.records import FilmRecord

REQUIRED = {
    "wolf-warrior-2": "战狼2",
    "the-wandering-earth": "流浪地球",
    "ne-zha": "哪吒之魔童降世",
    "tiny-times-3": "小时代3：刺金时代",
    "wolf-totem": "狼图腾",
}


@pytest.fixture(scope="module")
def films() -> list[FilmRecord]:
    rows = read_rows(DEFAULT_DATASET)
    problems = [(line, row.reason) for line, row in rows if isinstance(row, RowInvalid)]
    assert problems == []
    return [row for _, row in rows]


def test_dataset_has_enough_films_and_the_required_ones(films):
    assert len(films) >= 32
    titles = {film.slug: film.title for film in films}
    assert {slug: titles.get(slug) for slug in REQUIRED} == REQUIRED


def test_slugs_come_from_the_english_title(films):
    for film in films:
        assert film.title_en, film.slug
        assert film.slug == slugify(film.title_en), film.slug


def test_every_film_has_directors_principal_cast_and_a_synopsis(films):
    for film in films:
        roles = [credit.role for credit in film.credits]
        assert roles.count("director") >= 1, film.slug
        assert 3 <= roles.count("cast") <= 5, film.slug
        assert film.synopsis and len(film.synopsis) <= 400, film.slug
        assert film.release_date and film.original_language, film.slug


def test_box_office_covers_the_home_market(films):
    expected = {"zh": ("CN", "CNY"), "en": ("WW", "USD"), "ja": ("JP", "JPY")}
    for film in films:
        figures = {(figure.market, figure.currency) for figure in film.box_office}
        assert expected[film.original_language] in figures, film.slug


def test_people_are_spelled_the_same_way_in_every_film(films):
    # One person spelled two ways would make every re-import rewrite them.
    spellings = defaultdict(set)
    for film in films:
        for credit in film.credits:
            person = credit.person
            spellings[person.slug].add((person.name, person.name_zh, person.name_en))
    assert {slug: names for slug, names in spellings.items() if len(names) > 1} == {}
