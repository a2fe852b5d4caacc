"""Read helpers and the admin screens."""

import pytest
from django.contrib import admin

from marquee.films.importer import DEFAULT_DATASET, import_films
from marquee.films.models import BoxOfficeFigure, Film, Genre, Person
from marquee.films.selectors import film_by_slug, films_queryset, with_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    import_films(DEFAULT_DATASET)


def test_film_by_slug_loads_details_in_a_fixed_number_of_queries(
    dataset, django_assert_num_queries
):
    with django_assert_num_queries(4):  # film, genres, credits with people, box office
        film = film_by_slug("the-wandering-earth")
        directors = [c.person.name_en for c in film.credits.all() if c.role == "director"]
        genres = [g.slug for g in film.genres.all()]
        markets = [f.market for f in film.box_office.all()]
    assert (directors, genres, markets) == (["Frant Gwo"], ["adventure", "science-fiction"], ["CN"])
    assert film_by_slug("no-such-film") is None


def test_listing_films_does_not_grow_queries_with_the_page(dataset, django_assert_num_queries):
    with django_assert_num_queries(4):
        films = list(with_details(films_queryset())[:20])
        for film in films:
            [c.person.name for c in film.credits.all()]
    dates = [film.release_date for film in films_queryset()]
    assert dates == sorted(dates, reverse=True)


def test_admin_registrations_pass_system_checks():
    for model in (Film, Person, Genre, BoxOfficeFigure):
        model_admin = admin.site._registry[model]
        assert model_admin.check() == []


def test_admin_pages_render(dataset, admin_urls, admin_client):
    film = Film.objects.get(slug="ne-zha")
    pages = [
        f"{admin_urls}films/film/?q=哪吒",
        f"{admin_urls}films/film/?release_year=2019&original_language=zh",
        f"{admin_urls}films/film/?genres__id__exact={film.genres.first().pk}",
        f"{admin_urls}films/film/{film.pk}/change/",
        f"{admin_urls}films/person/?q=Wu+Jing",
        f"{admin_urls}films/genre/",
        f"{admin_urls}films/boxofficefigure/?market=CN&currency=CNY",
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page

    listing = admin_client.get(f"{admin_urls}films/film/?release_year=2019")
    assert "流浪地球" in listing.text and "战狼2" not in listing.text
