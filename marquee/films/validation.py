"""Field checks shared by every import format.

Each check takes a raw value and returns it cleaned, or raises `Invalid`
with a message written for the person fixing the file. The JSON and CSV
readers label the messages with their own field or column names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar

from babel.numbers import list_currencies
from django_countries import countries

from .models import BoxOfficeFigure, Credit, CreditRole, Film, Genre, Person

T = TypeVar("T")

WORLDWIDE = "WW"
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
RUNTIME_MAX = 32767  # PositiveSmallIntegerField
GROSS_DECIMAL_PLACES = BoxOfficeFigure._meta.get_field("gross_amount").decimal_places
GROSS_INTEGER_DIGITS = (
    BoxOfficeFigure._meta.get_field("gross_amount").max_digits - GROSS_DECIMAL_PLACES
)


class Invalid(ValueError):
    """A value that cannot be imported; the message says why."""


class Problems:
    """Collects every problem of one row, so a file is fixed in one pass."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.messages)

    def add(self, label: str, message: str) -> None:
        self.messages.append(f"{label}: {message}" if label else message)

    def check(self, label: str, check: Callable[..., T], *args: Any) -> T | None:
        try:
            return check(*args)
        except Invalid as exc:
            self.add(label, str(exc))
            return None

    def reason(self) -> str:
        return "; ".join(self.messages)


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def slug(value: Any) -> str:
    text = _text(value).strip()
    if not text:
        raise Invalid("is required")
    if not SLUG_RE.fullmatch(text):
        raise Invalid(f"{text!r} is not a slug (lowercase letters, digits, single hyphens)")
    if len(text) > _max_length(Film, "slug"):
        raise Invalid(f"is longer than {_max_length(Film, 'slug')} characters")
    return text


def genre_slug(value: Any) -> str:
    text = slug(value)
    if len(text) > _max_length(Genre, "slug"):
        raise Invalid(f"is longer than {_max_length(Genre, 'slug')} characters")
    return text


def required_text(value: Any, max_length: int | None = None) -> str:
    text = optional_text(value, max_length)
    if not text:
        raise Invalid("is required")
    return text


def optional_text(value: Any, max_length: int | None = None) -> str:
    text = _text(value).strip()
    if max_length is not None and len(text) > max_length:
        raise Invalid(f"is longer than {max_length} characters")
    return text


def title(value: Any) -> str:
    return required_text(value, _max_length(Film, "title"))


def optional_title(value: Any) -> str:
    return optional_text(value, _max_length(Film, "title"))


def genre_name(value: Any) -> str:
    return optional_text(value, _max_length(Genre, "name"))


def person_name(value: Any) -> str:
    return optional_text(value, _max_length(Person, "name"))


def iso_date(value: Any) -> date:
    text = _text(value).strip()
    if not text:
        raise Invalid("is required")
    # date.fromisoformat also takes forms like 20190205; the files use one form.
    if not DATE_RE.fullmatch(text):
        raise Invalid(f"{text!r} is not a date in YYYY-MM-DD form")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a valid date") from None


def optional_iso_date(value: Any) -> date | None:
    if value is None or _text(value).strip() == "":
        return None
    return iso_date(value)


def optional_runtime(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Invalid(f"{value!r} is not a number of minutes")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str) and value.strip().isdigit():
        minutes = int(value.strip())
    else:
        raise Invalid(f"{value!r} is not a whole number of minutes")
    if minutes <= 0:
        raise Invalid(f"{minutes} is not a positive number of minutes")
    if minutes > RUNTIME_MAX:
        raise Invalid(f"{minutes} is more than {RUNTIME_MAX} minutes")
    return minutes


def language(value: Any) -> str:
    text = _text(value).strip()
    if not text:
        return ""
    if len(text) > _max_length(Film, "original_language") or not LANGUAGE_RE.fullmatch(text):
        raise Invalid(f"{text!r} is not a language code such as 'zh', 'en' or 'ja'")
    return text


def role(value: Any) -> str:
    text = _text(value).strip().lower()
    if text not in CreditRole.values:
        known = ", ".join(CreditRole.values)
        raise Invalid(f"{_text(value)!r} is not a known role ({known})")
    return text


def market(value: Any) -> str:
    text = _text(value).strip().upper()
    if not text:
        raise Invalid("is required")
    if text != WORLDWIDE and (len(text) != 2 or text not in countries):
        raise Invalid(f"{_text(value)!r} is not an ISO 3166 country code or {WORLDWIDE!r}")
    return text


def currency(value: Any) -> str:
    text = _text(value).strip().upper()
    if not text:
        raise Invalid("is required")
    if len(text) != 3 or text not in _currencies():
        raise Invalid(f"{_text(value)!r} is not an ISO 4217 currency code")
    return text


def gross(value: Any) -> Decimal:
    """A non-negative amount that fits the column exactly.

    Floats are refused rather than converted: by the time a value is a
    float it may already have lost digits, and money must not.
    """
    if isinstance(value, bool):
        raise Invalid(f"{value!r} is not an amount")
    if isinstance(value, float):
        raise Invalid(f'{value!r} must be a decimal string such as "1234.50", not a float')
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    else:
        text = _text(value).strip().replace("_", "")
        if not text:
            raise Invalid("is required")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise Invalid(f"{text!r} is not a decimal number") from None
    if not amount.is_finite():
        raise Invalid(f"{value!r} is not a finite amount")
    if amount < 0:
        raise Invalid(f"{value!r} is negative")
    sign, digits, exponent = amount.normalize().as_tuple()
    if exponent < -GROSS_DECIMAL_PLACES:
        raise Invalid(f"{value!r} has more than {GROSS_DECIMAL_PLACES} decimal places")
    if amount >= Decimal(10) ** GROSS_INTEGER_DIGITS:
        raise Invalid(f"{value!r} is too large")
    return amount


def source(value: Any) -> str:
    return optional_text(value, _max_length(BoxOfficeFigure, "source"))


def character(value: Any) -> str:
    return optional_text(value, _max_length(Credit, "character"))


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list):
        raise Invalid(f"expected text, got {type(value).__name__}")
    return str(value)
