from django.apps import AppConfig


class MerchConfig(AppConfig):
    name = "marquee.merch"
    label = "merch"
    verbose_name = "Merchandise"

    def ready(self):
        # The drops admin, drops' rules for drop variants added to a checkout the
        # ordinary way, and the beat task keeping their sold-out flag in step with stock.
        from .drops import admin, hooks, tasks  # noqa: F401

        hooks.register()
