from marquee.films import models

from ..core.dataloaders import ByIdLoader, DataLoader, ManyByFieldLoader, group_by


class FilmByIdLoader(ByIdLoader):
    model = models.Film


class CreditsByFilmIdLoader(ManyByFieldLoader):
    model = models.Credit
    field = "film_id"
    select_related = ("person",)


class BoxOfficeByFilmIdLoader(ManyByFieldLoader):
    model = models.BoxOfficeFigure
    field = "film_id"


class GenresByFilmIdLoader(DataLoader):
    def batch_load(self, keys):
        rows = models.Film.genres.through.objects.filter(film_id__in=set(keys)).select_related(
            "genre"
        )
        grouped = group_by(rows, lambda row: row.film_id)
        return [[row.genre for row in grouped.get(key, [])] for key in keys]
