import graphene
from django.conf import settings
from django.conf.global_settings import LANGUAGES
from django_countries import countries

from marquee.merch import selectors

from ..core.types import CountryDisplay, LanguageDisplay


class Domain(graphene.ObjectType):
    host = graphene.String(required=True)
    ssl_enabled = graphene.Boolean(required=True)
    url = graphene.String(required=True)


class Shop(graphene.ObjectType):
    name = graphene.String(required=True)
    description = graphene.String()
    domain = graphene.Field(Domain, required=True)
    languages = graphene.NonNull(graphene.List(graphene.NonNull(LanguageDisplay)))
    countries = graphene.NonNull(graphene.List(graphene.NonNull(CountryDisplay)))
    default_country = graphene.Field(CountryDisplay)
    channel_currencies = graphene.NonNull(graphene.List(graphene.NonNull(graphene.String)))
    limit_quantity_per_checkout = graphene.Int()
    version = graphene.String(required=True)

    @staticmethod
    def resolve_name(_root, _info):
        return settings.SHOP_NAME

    @staticmethod
    def resolve_description(_root, _info):
        return settings.SHOP_DESCRIPTION

    @staticmethod
    def resolve_domain(_root, _info):
        url = settings.PUBLIC_URL
        host = url.split("://", 1)[-1]
        return Domain(host=host, ssl_enabled=url.startswith("https://"), url=url)

    @staticmethod
    def resolve_languages(_root, _info):
        wanted = {"en", "zh-hans"}
        return [
            LanguageDisplay(code=code.replace("-", "_").upper(), language=name)
            for code, name in LANGUAGES
            if code in wanted
        ]

    @staticmethod
    def resolve_countries(_root, _info):
        return [CountryDisplay(code=code, country=name) for code, name in countries]

    @staticmethod
    def resolve_default_country(_root, _info):
        code = settings.DEFAULT_COUNTRY
        return CountryDisplay(code=code, country=countries.name(code))

    @staticmethod
    def resolve_channel_currencies(_root, _info):
        return sorted(set(selectors.active_channels().values_list("currency_code", flat=True)))

    @staticmethod
    def resolve_limit_quantity_per_checkout(_root, _info):
        return settings.MAX_CHECKOUT_LINE_QUANTITY

    @staticmethod
    def resolve_version(_root, _info):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("marquee-shop")
        except PackageNotFoundError:
            return "0.1.0"


class ShopQueries(graphene.ObjectType):
    shop = graphene.Field(Shop, required=True)

    @staticmethod
    def resolve_shop(_root, _info):
        return Shop()
