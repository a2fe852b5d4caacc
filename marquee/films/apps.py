from django.apps import AppConfig


class FilmsConfig(AppConfig):
    name = "marquee.films"
    label = "films"
    verbose_name = "Films"
