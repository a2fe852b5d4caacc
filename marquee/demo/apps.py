from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed for its management commands (`loaddemo`, `rundemo`); it has no models."""

    name = "marquee.demo"
    label = "demo"
    verbose_name = "Demo data"
