from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "marquee.licensing"
    label = "licensing"
    verbose_name = "Licensing"

    def ready(self):
        # Plug the licence gate into merch's extension points: the commerce
        # core stays unaware of licences, yet nothing unlicensed is shown or sold.
        from marquee.merch.demo.loader import register_demo_step

        from . import hooks
        from .demo import load_licensing_demo

        hooks.register()
        register_demo_step(load_licensing_demo)
