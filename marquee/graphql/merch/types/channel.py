import graphene
from graphene import relay

from ...core.types import CountryDisplay


class Channel(graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    is_active = graphene.Boolean(required=True)
    currency_code = graphene.String(required=True)
    default_country = graphene.Field(CountryDisplay, required=True)
    countries = graphene.List(graphene.NonNull(CountryDisplay))

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_default_country(root, _info):
        return CountryDisplay(code=root.default_country.code, country=root.default_country.name)

    @staticmethod
    def resolve_countries(root, _info):
        return [CountryDisplay(code=root.default_country.code, country=root.default_country.name)]
