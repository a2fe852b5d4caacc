"""Validated film data on its way into the database.

The importer turns JSON objects and CSV rows into these records and the
services write them, so neither side needs to know the other's concerns:
file formats stay out of the services, and the database stays out of the
parser.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.text import slugify

PERSON_SLUG_MAX_LENGTH = 128
_HAN_OR_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def person_slug(name: str, name_en: str = "") -> str:
    """The stable key a person is matched on across imports.

    Derived from the English name when there is one, because that is the
    spelling every source agrees on; pinyin conversion is not available, so
    a name with no Latin form gets a hash of its normalised characters,
    which is stable across files and runs.
    """
    base = slugify(name_en) or slugify(name)
    if base:
        return base[:PERSON_SLUG_MAX_LENGTH].rstrip("-")
    normalised = unicodedata.normalize("NFKC", name).strip()
    return "person-" + hashlib.sha1(normalised.encode("utf-8")).hexdigest()[:12]


def has_cjk(text: str) -> bool:
    return bool(_HAN_OR_KANA.search(text))


@dataclass(frozen=True)
class GenreRecord:
    slug: str
    # Blank names leave a stored genre's names alone (CSV rows carry slugs only).
    name: str = ""
    name_zh: str = ""


@dataclass(frozen=True)
class PersonRecord:
    name: str
    name_zh: str = ""
    name_en: str = ""
    # JSON gives every spelling of a name and may correct stored ones; a CSV
    # cell gives one spelling and may only fill blanks, or imports of the
    # two formats would keep overwriting each other.
    authoritative: bool = True

    @classmethod
    def from_single_name(cls, name: str, *, authoritative: bool = False) -> PersonRecord:
        """A person known by one spelling, filed under the script it is in."""
        if has_cjk(name):
            return cls(name=name, name_zh=name, authoritative=authoritative)
        return cls(name=name, name_en=name, authoritative=authoritative)

    @property
    def slug(self) -> str:
        return person_slug(self.name, self.name_en)


@dataclass(frozen=True)
class CreditRecord:
    person: PersonRecord
    role: str
    character: str = ""


@dataclass(frozen=True)
class BoxOfficeRecord:
    market: str
    gross_amount: Decimal
    currency: str
    as_of: date
    source: str = ""


@dataclass(frozen=True)
class FilmRecord:
    slug: str
    title: str
    title_zh: str = ""
    title_en: str = ""
    original_language: str = ""
    release_date: date | None = None
    runtime_minutes: int | None = None
    synopsis: str = ""
    genres: tuple[GenreRecord, ...] = ()
    credits: tuple[CreditRecord, ...] = ()
    box_office: tuple[BoxOfficeRecord, ...] = ()

    def film_fields(self) -> dict:
        """The scalar columns of `Film`, as the services compare and store them."""
        return {
            "title": self.title,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "original_language": self.original_language,
            "release_date": self.release_date,
            "runtime_minutes": self.runtime_minutes,
            "synopsis": self.synopsis,
        }
