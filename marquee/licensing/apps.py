from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "marquee.licensing"
    label = "licensing"
    verbose_name = "Licensing"

    def ready(self):
        # Plug the licence gate into merch's extension points: the commerce
        # core stays unaware of licences, yet nothing unlicensed is shown or sold.
        from . import hooks

        hooks.register()
        # The royalty ledger listens to order events (paid, refunded) through the outbox.
        from .royalties import posting

        posting.register()
