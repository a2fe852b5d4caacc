from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "marquee.storefront"
    label = "storefront"
    verbose_name = "Web storefront"
