from django.apps import AppConfig


class FilmsConfig(AppConfig):
    name = "marquee.films"
    label = "films"
    verbose_name = "Films"

    def ready(self):
        # Every film table is public: its writes move the catalogue version.
        from marquee.core.cache_versions import register_catalogue_table

        from .models import BoxOfficeFigure, Credit, Film, Genre, Person

        for model in (Genre, Film, Person, Credit, BoxOfficeFigure):
            register_catalogue_table(model)
