"""addressValidationRules: what an address form must ask for in a country."""

import graphene
from graphene.utils.str_converters import to_camel_case

from marquee.accounts import selectors
from marquee.core.exceptions import DomainError

from ..core.errors import ErrorCode, client_error


class ChoiceValue(graphene.ObjectType):
    raw = graphene.String()
    verbose = graphene.String()


class AddressValidationData(graphene.ObjectType):
    country_code = graphene.String(required=True)
    country_name = graphene.String(required=True)
    address_format = graphene.String(required=True)
    address_latin_format = graphene.String(required=True)
    allowed_fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    required_fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    upper_fields = graphene.List(graphene.NonNull(graphene.String), required=True)
    country_area_type = graphene.String(required=True)
    country_area_choices = graphene.List(graphene.NonNull(ChoiceValue), required=True)
    city_type = graphene.String(required=True)
    city_choices = graphene.List(graphene.NonNull(ChoiceValue), required=True)
    city_area_type = graphene.String(required=True)
    city_area_choices = graphene.List(graphene.NonNull(ChoiceValue), required=True)
    postal_code_type = graphene.String(required=True)
    postal_code_matchers = graphene.List(graphene.NonNull(graphene.String), required=True)
    postal_code_examples = graphene.List(graphene.NonNull(graphene.String), required=True)
    postal_code_prefix = graphene.String(required=True)


def _choices(pairs):
    return [ChoiceValue(raw=raw, verbose=verbose) for raw, verbose in pairs]


def _fields(names):
    # Field names as AddressInput spells them (streetAddress1, postalCode...).
    return [to_camel_case(name) for name in names]


def resolve_address_validation_rules(country_code, country_area=None, city=None, city_area=None):
    code = getattr(country_code, "value", country_code)
    try:
        rules = selectors.address_rules(code, country_area or "", city or "", city_area or "")
    except DomainError as error:
        raise client_error(error.details[0].message, ErrorCode.INVALID) from error
    return AddressValidationData(
        country_code=rules.country_code,
        country_name=rules.country_name,
        address_format=rules.address_format,
        address_latin_format=rules.address_latin_format,
        allowed_fields=_fields(rules.allowed_fields),
        required_fields=_fields(rules.required_fields),
        upper_fields=_fields(rules.upper_fields),
        country_area_type=rules.country_area_type,
        country_area_choices=_choices(rules.country_area_choices),
        city_type=rules.city_type,
        city_choices=_choices(rules.city_choices),
        city_area_type=rules.city_area_type,
        city_area_choices=_choices(rules.city_area_choices),
        postal_code_type=rules.postal_code_type,
        postal_code_matchers=rules.postal_code_matchers,
        postal_code_examples=rules.postal_code_examples,
        postal_code_prefix=rules.postal_code_prefix,
    )
