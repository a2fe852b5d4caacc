"""The film list's filter and release order as domain reads."""

from datetime import date

import pytest

from marquee.films.models import Film, Genre
from marquee.films.selectors import (
    RELEASE_SORT_FIELD,
    FilmFilter,
    films_queryset,
    filter_films,
    with_release_sort,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def films(db):
    scifi = Genre.objects.create(slug="science-fiction", name="Science fiction")
    earth = Film.objects.create(
        slug="earth",
        title="流浪地球",
        title_en="The Wandering Earth",
        release_date=date(2019, 2, 5),
    )
    earth.genres.add(scifi)
    Film.objects.create(
        slug="wolf", title="战狼2", title_en="Wolf Warrior 2", release_date=date(2017, 7, 27)
    )
    Film.objects.create(slug="untitled", title="Untitled")


def slugs(flt):
    return sorted(f.slug for f in filter_films(films_queryset(), flt))


def test_filter_by_title_in_any_language_genre_and_dates(films):
    assert slugs(FilmFilter(search=" wandering ")) == ["earth"]
    assert slugs(FilmFilter(search="战狼")) == ["wolf"]
    assert slugs(FilmFilter(genres=["science-fiction"])) == ["earth"]
    assert slugs(FilmFilter(released_from=date(2018, 1, 1))) == ["earth"]
    assert slugs(FilmFilter(released_to=date(2018, 1, 1))) == ["wolf"]
    assert slugs(FilmFilter(slugs=["wolf", "untitled"])) == ["untitled", "wolf"]
    assert slugs(FilmFilter()) == ["earth", "untitled", "wolf"]


def test_films_without_a_date_sort_as_the_oldest(films):
    ordered = with_release_sort(films_queryset()).order_by(f"-{RELEASE_SORT_FIELD}")
    assert [f.slug for f in ordered] == ["earth", "wolf", "untitled"]
