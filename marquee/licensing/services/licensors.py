"""Licensors (the rights holders), the accounts that act for them, and their properties."""

from __future__ import annotations

from django.db import transaction

from marquee.core.exceptions import DomainError, ErrorDetail

from .. import validation
from ..models import Licensor, LicensorUser, Property

LICENSOR_FIELDS = (
    "name",
    "legal_name",
    "country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "payee_name",
    "payee_bank",
    "payee_account",
    "statement_currency",
    "withholding_tax_rate",
)


def _licensor_errors(data: dict) -> list[ErrorDetail]:
    errors = []
    if "name" in data and not (data["name"] or "").strip():
        errors.append(ErrorDetail("REQUIRED", "A licensor needs a name.", "name"))
    if "statement_currency" in data:
        errors += validation.currency(data["statement_currency"], "statement_currency")
    if data.get("withholding_tax_rate") is not None:
        errors += validation.percentage(
            data["withholding_tax_rate"], "withholding_tax_rate", "The withholding-tax rate"
        )
    return errors


@transaction.atomic
def create_licensor(*, slug: str | None = None, **data) -> Licensor:
    if not (slug or "").strip():
        raise DomainError.single("REQUIRED", "A licensor needs a slug.", "slug")
    validation.raise_if(_licensor_errors({"name": data.get("name"), **data}))
    if Licensor.objects.filter(slug=slug).exists():
        raise DomainError.single("UNIQUE", f"A licensor with slug {slug!r} exists.", "slug")
    return Licensor.objects.create(slug=slug, **data)


@transaction.atomic
def update_licensor(licensor: Licensor, **data) -> Licensor:
    data = {k: v for k, v in data.items() if k in LICENSOR_FIELDS and v is not None}
    validation.raise_if(_licensor_errors(data))
    for name, value in data.items():
        setattr(licensor, name, value)
    licensor.save()
    return licensor


@transaction.atomic
def add_licensor_user(licensor: Licensor, user) -> LicensorUser:
    """Link an account to a licensor; staff accounts act for the shop, never for a licensor."""
    if user.is_staff:
        raise DomainError.single(
            "INVALID", "A staff account cannot also act for a licensor.", "user"
        )
    membership, _ = LicensorUser.objects.update_or_create(
        user=user, defaults={"licensor": licensor}
    )
    return membership


@transaction.atomic
def create_property(*, licensor: Licensor, name: str, slug: str, kind: str, films=()) -> Property:
    if not name.strip():
        raise DomainError.single("REQUIRED", "A property needs a name.", "name")
    if Property.objects.filter(slug=slug).exists():
        raise DomainError.single("UNIQUE", f"A property with slug {slug!r} exists.", "slug")
    prop = Property.objects.create(licensor=licensor, name=name, slug=slug, kind=kind)
    prop.films.set(films)
    return prop
