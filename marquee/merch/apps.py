from django.apps import AppConfig


class MerchConfig(AppConfig):
    name = "marquee.merch"
    label = "merch"
    verbose_name = "Merchandise"

    def ready(self):
        # Drops' rules for drop variants added to a checkout the ordinary way, and the
        # beat task that keeps their sold-out flag in step with the stock.
        from .drops import hooks, tasks  # noqa: F401

        hooks.register()
