"""Addresses on the API, shared by accounts, checkout and orders; the User type."""

import unicodedata

import graphene
from django_countries import countries
from graphene import relay

from ..core.dataloaders import then
from ..core.types import (
    LANGUAGE_CODES,
    CountryDisplay,
    Image,
    LanguageCodeEnum,
    ThumbnailFormatEnum,
)

# Saleor's CountryCode lists `EU` beside the countries; storefronts generated
# from Saleor's schema may send it. It names no country, so the address
# validation refuses it with an INVALID error on `country`.
NON_COUNTRY_CODES = {"EU": "European Union"}
COUNTRY_NAMES = {
    **{code: str(name) for code, name in countries},
    **NON_COUNTRY_CODES,
}


def _by_name(code: str) -> str:
    # Alphabetical by name as Saleor lists them: Åland Islands beside Albania.
    name = unicodedata.normalize("NFKD", COUNTRY_NAMES[code])
    return "".join(char for char in name if not unicodedata.combining(char))


def _country_code_description(value):
    if value is None:
        return "Represents country codes defined by the ISO 3166-1 alpha-2 standard."
    return COUNTRY_NAMES.get(value.value)


CountryCode = graphene.Enum(
    "CountryCode",
    [(code, code) for code in sorted(COUNTRY_NAMES, key=_by_name)],
    description=_country_code_description,
)


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


def mark_defaults(user, addresses):
    """Fill Address.isDefaultShippingAddress/isDefaultBillingAddress for a user's book."""
    for address in addresses:
        address.is_default_shipping_address = address.pk == user.default_shipping_address_id
        address.is_default_billing_address = address.pk == user.default_billing_address_id
    return addresses


def _address_book(info, user):
    from .dataloaders import AddressBookByUserIdLoader

    return AddressBookByUserIdLoader(info.context).load(user.pk)


def _default_address(info, user, address_id):
    """A default address is always an entry of the book: read it from the (batched) book."""
    if not address_id:
        return None

    def pick(book):
        found = next((a for a in book if a.pk == address_id), None)
        return mark_defaults(user, [found])[0] if found else None

    return then(_address_book(info, user), pick)


class User(graphene.ObjectType):
    """A signed-in customer (or operator), as `me` and account mutations return it."""

    email = graphene.String(required=True)
    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    is_staff = graphene.Boolean(required=True)
    is_active = graphene.Boolean(required=True)
    is_confirmed = graphene.Boolean(
        required=True, description="Whether the owner has confirmed the email address."
    )
    addresses = graphene.List(graphene.NonNull(Address), required=True)
    default_shipping_address = graphene.Field(Address)
    default_billing_address = graphene.Field(Address)
    avatar = graphene.Field(
        Image,
        size=graphene.Int(),
        format=graphene.Argument(ThumbnailFormatEnum, default_value="ORIGINAL"),
        description="Always null: avatars are not stored.",
    )
    language_code = graphene.Field(LanguageCodeEnum, required=True)
    last_login = graphene.DateTime()
    date_joined = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    # Declared by import path: the orders API imports this module for Address.
    orders = graphene.Field(
        "marquee.graphql.orders.types.OrderCountableConnection",
        first=graphene.Int(),
        after=graphene.String(),
        last=graphene.Int(),
        before=graphene.String(),
        description="The user's orders, newest first.",
    )
    # Declared by import path, like `orders`: accounts knows nothing of members.
    memberships = graphene.NonNull(
        graphene.List(graphene.NonNull("marquee.graphql.members.programmes.Membership")),
        description="Programmes the user backs: units held, tier and subscriptions.",
    )
    perks = graphene.NonNull(
        graphene.List(graphene.NonNull("marquee.graphql.members.perks.Perk")),
        description="Perks of every backer tier the user reaches, with their redemptions.",
    )

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_addresses(root, info):
        return then(_address_book(info, root), lambda book: mark_defaults(root, list(book)))

    @staticmethod
    def resolve_default_shipping_address(root, info):
        return _default_address(info, root, root.default_shipping_address_id)

    @staticmethod
    def resolve_default_billing_address(root, info):
        return _default_address(info, root, root.default_billing_address_id)

    @staticmethod
    def resolve_avatar(_root, _info, **_kwargs):
        return None

    @staticmethod
    def resolve_language_code(root, _info):
        name = (root.language_code or "").replace("-", "_").upper()
        return name if name in LANGUAGE_CODES else "EN"

    @staticmethod
    def resolve_orders(root, info, **kwargs):
        from marquee.graphql.orders.resolvers import resolve_user_orders

        return resolve_user_orders(info, root, **kwargs)

    @staticmethod
    def resolve_memberships(root, info):
        from marquee.graphql.members.programmes import resolve_user_memberships

        return resolve_user_memberships(info, root)

    @staticmethod
    def resolve_perks(root, info):
        from marquee.graphql.members.perks import resolve_user_perks

        return resolve_user_perks(root, info)
