"""Addresses on the API, shared by accounts, checkout and orders."""

import graphene
from django_countries import countries
from graphene import relay

from ..core.types import CountryDisplay

CountryCode = graphene.Enum("CountryCode", [(code, code) for code, _ in countries])


class AddressInput(graphene.InputObjectType):
    first_name = graphene.String()
    last_name = graphene.String()
    company_name = graphene.String()
    street_address_1 = graphene.String()
    street_address_2 = graphene.String()
    city = graphene.String()
    city_area = graphene.String()
    postal_code = graphene.String()
    country = graphene.Field(CountryCode)
    country_area = graphene.String()
    phone = graphene.String()


def address_input_data(value) -> dict:
    """An AddressInput as the plain dict `marquee.accounts.addresses` validates."""
    data = dict(value or {})
    country = data.get("country")
    if country is not None:
        data["country"] = getattr(country, "value", getattr(country, "name", country))
    return data


class Address(graphene.ObjectType):
    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    company_name = graphene.String(required=True)
    street_address_1 = graphene.String(required=True)
    street_address_2 = graphene.String(required=True)
    city = graphene.String(required=True)
    city_area = graphene.String(required=True)
    postal_code = graphene.String(required=True)
    country = graphene.Field(CountryDisplay, required=True)
    country_area = graphene.String(required=True)
    phone = graphene.String()
    is_default_shipping_address = graphene.Boolean()
    is_default_billing_address = graphene.Boolean()

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_country(root, _info):
        return CountryDisplay(
            code=root.country, country=countries.name(root.country) or root.country
        )

    @staticmethod
    def resolve_phone(root, _info):
        return root.phone or None
