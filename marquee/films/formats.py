"""The two dataset formats, parsed and validated into `FilmRecord`s.

JSON: an array of film objects, as in `data/films.json`.
CSV: one film per row with the columns in `CSV_COLUMNS`; lists inside a
cell (genres, directors, cast) are separated by ";". A CSV row carries at
most one box-office figure and no characters.

Row problems become `RowInvalid` values (never exceptions that escape), so
one bad row cannot hide the others; only a file that cannot be parsed at all
raises `DatasetUnreadable`.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from . import validation as check
from .records import BoxOfficeRecord, CreditRecord, FilmRecord, GenreRecord, PersonRecord

CSV_COLUMNS = (
    "slug",
    "title",
    "title_zh",
    "title_en",
    "original_language",
    "release_date",
    "runtime_minutes",
    "genres",
    "synopsis",
    "directors",
    "cast",
    "box_office_market",
    "box_office_gross",
    "box_office_currency",
    "box_office_as_of",
    "box_office_source",
)
CSV_LIST_SEPARATOR = ";"

FILM_KEYS = frozenset(
    {
        "slug",
        "title",
        "title_zh",
        "title_en",
        "original_language",
        "release_date",
        "runtime_minutes",
        "genres",
        "synopsis",
        "credits",
        "box_office",
    }
)
GENRE_KEYS = frozenset({"slug", "name", "name_zh"})
CREDIT_KEYS = frozenset({"name", "name_zh", "name_en", "role", "character"})
BOX_OFFICE_KEYS = frozenset({"market", "gross_amount", "currency", "as_of", "source"})


class DatasetUnreadable(Exception):
    """The file as a whole cannot be read, so none of it was imported."""

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.file = file
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.reason}"


class RowInvalid(Exception):
    """One row that cannot be imported; `reason` lists every problem in it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validated(build, raw) -> FilmRecord | RowInvalid:
    """Run a row builder, turning its RowInvalid into a value."""
    try:
        return build(raw)
    except RowInvalid as exc:
        return exc


# --- JSON -------------------------------------------------------------------

_JSON_WHITESPACE = " \t\n\r"


def json_objects(text: str, file: str) -> list[tuple[int, Any]]:
    """(line where it starts, value) for each element of a top-level array.

    `json.load` forgets positions; decoding element by element with
    `raw_decode` keeps the offset of each one, so errors can point at the
    line a film starts on.
    """
    decoder = json.JSONDecoder(parse_float=Decimal)
    lines = _LineCounter(text)
    pos = _skip_whitespace(text, 0)
    if text[pos : pos + 1] != "[":
        raise DatasetUnreadable(file, "expected a JSON array of film objects", lines.at(pos))
    pos = _skip_whitespace(text, pos + 1)
    elements = []
    if text[pos : pos + 1] == "]":
        pos += 1
    else:
        while True:
            try:
                value, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise DatasetUnreadable(file, f"invalid JSON: {exc.msg}", exc.lineno) from None
            elements.append((lines.at(pos), value))
            pos = _skip_whitespace(text, end)
            separator = text[pos : pos + 1]
            if separator == ",":
                pos = _skip_whitespace(text, pos + 1)
            elif separator == "]":
                pos += 1
                break
            else:
                raise DatasetUnreadable(
                    file, "invalid JSON: expected ',' or ']' after an element", lines.at(pos)
                )
    pos = _skip_whitespace(text, pos)
    if pos != len(text):
        raise DatasetUnreadable(file, "invalid JSON: extra data after the array", lines.at(pos))
    return elements


def film_from_json(obj: Any) -> FilmRecord:
    if not isinstance(obj, dict):
        raise RowInvalid(f"expected a film object, got {_json_type(obj)}")
    problems = check.Problems()
    _unknown_keys(problems, "", obj, FILM_KEYS)
    fields = _film_fields(problems, obj.get)

    genres = []
    for i, item in enumerate(_json_list(problems, "genres", obj.get("genres"))):
        label = f"genres[{i}]"
        if isinstance(item, str):
            item = {"slug": item}
        if not isinstance(item, dict):
            problems.add(label, f"expected a slug or an object, got {_json_type(item)}")
            continue
        _unknown_keys(problems, label, item, GENRE_KEYS)
        genre_slug = problems.check(f"{label}.slug", check.genre_slug, item.get("slug"))
        name = problems.check(f"{label}.name", check.genre_name, item.get("name"))
        name_zh = problems.check(f"{label}.name_zh", check.genre_name, item.get("name_zh"))
        if genre_slug:
            genres.append(GenreRecord(genre_slug, name or "", name_zh or ""))

    credits = []
    for i, item in enumerate(_json_list(problems, "credits", obj.get("credits"))):
        label = f"credits[{i}]"
        if not isinstance(item, dict):
            problems.add(label, f"expected an object, got {_json_type(item)}")
            continue
        _unknown_keys(problems, label, item, CREDIT_KEYS)
        name = problems.check(f"{label}.name", check.person_name, item.get("name"))
        name_zh = problems.check(f"{label}.name_zh", check.person_name, item.get("name_zh"))
        name_en = problems.check(f"{label}.name_en", check.person_name, item.get("name_en"))
        role = problems.check(f"{label}.role", check.role, item.get("role"))
        character = problems.check(f"{label}.character", check.character, item.get("character"))
        display = name or name_zh or name_en
        if name is not None and name_zh is not None and name_en is not None and not display:
            problems.add(f"{label}.name", "is required")
        if display and role:
            person = PersonRecord(display, name_zh or "", name_en or "", authoritative=True)
            credits.append(CreditRecord(person, role, character or ""))

    box_office = []
    for i, item in enumerate(_json_list(problems, "box_office", obj.get("box_office"))):
        label = f"box_office[{i}]"
        if not isinstance(item, dict):
            problems.add(label, f"expected an object, got {_json_type(item)}")
            continue
        _unknown_keys(problems, label, item, BOX_OFFICE_KEYS)
        figure = _box_office(
            problems,
            {key: (f"{label}.{key}", item.get(key)) for key in BOX_OFFICE_KEYS},
        )
        if figure:
            box_office.append(figure)

    return _film_record(problems, **fields, genres=genres, credits=credits, box_office=box_office)


def _json_list(problems: check.Problems, label: str, value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(label, f"expected a list, got {_json_type(value)}")
        return []
    return value


def _unknown_keys(problems: check.Problems, label: str, obj: dict, known: frozenset) -> None:
    unknown = sorted(str(key) for key in obj if key not in known)
    if unknown:
        where = f"{label}: " if label else ""
        problems.add("", f"{where}unknown field(s) {', '.join(unknown)}")


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


class _LineCounter:
    """Line numbers for increasing offsets without rescanning from the start."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _skip_whitespace(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _JSON_WHITESPACE:
        pos += 1
    return pos


# --- CSV --------------------------------------------------------------------


def csv_rows(text: str, file: str) -> list[tuple[int, dict[str, str] | RowInvalid]]:
    """(line where the row starts, {column: value}) for each data row.

    Quoted cells may span lines, so the start line is tracked from where the
    previous record ended rather than by counting rows.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise DatasetUnreadable(file, "empty file: expected a CSV header row", 1)
        header = [column.strip() for column in header]
        missing = [column for column in CSV_COLUMNS if column not in header]
        if missing:
            raise DatasetUnreadable(file, f"missing CSV column(s): {', '.join(missing)}", 1)
        rows: list[tuple[int, dict[str, str] | RowInvalid]] = []
        previous_end = reader.line_num
        for values in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                reason = f"expected {len(header)} values, found {len(values)}"
                rows.append((start, RowInvalid(reason)))
                continue
            rows.append((start, dict(zip(header, values, strict=True))))
    except csv.Error as exc:
        raise DatasetUnreadable(file, f"invalid CSV: {exc}", reader.line_num) from None
    return rows


def film_from_csv(row: dict[str, str] | RowInvalid) -> FilmRecord:
    if isinstance(row, RowInvalid):
        raise row
    problems = check.Problems()
    fields = _film_fields(problems, row.get)

    genres = []
    for value in _split(row["genres"]):
        genre_slug = problems.check("genres", check.genre_slug, value)
        if genre_slug:
            genres.append(GenreRecord(genre_slug))

    credits = []
    for column, role in (("directors", "director"), ("cast", "cast")):
        for value in _split(row[column]):
            name = problems.check(column, check.person_name, value)
            if name:
                credits.append(CreditRecord(PersonRecord.from_single_name(name), role))

    box_office = []
    columns = {
        "market": "box_office_market",
        "gross_amount": "box_office_gross",
        "currency": "box_office_currency",
        "as_of": "box_office_as_of",
        "source": "box_office_source",
    }
    if any(row[column].strip() for column in columns.values()):
        figure = _box_office(
            problems, {key: (column, row[column]) for key, column in columns.items()}
        )
        if figure:
            box_office.append(figure)

    return _film_record(problems, **fields, genres=genres, credits=credits, box_office=box_office)


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(CSV_LIST_SEPARATOR) if part.strip()]


# --- shared -------------------------------------------------------------------


# A film's own fields, the same in every format: (field, check, default when blank).
_FILM_FIELDS = (
    ("slug", check.slug, None),
    ("title", check.title, None),
    ("title_zh", check.optional_title, ""),
    ("title_en", check.optional_title, ""),
    ("original_language", check.language, ""),
    ("release_date", check.optional_iso_date, None),
    ("runtime_minutes", check.optional_runtime, None),
    ("synopsis", check.optional_text, ""),
)


def _film_fields(problems: check.Problems, raw) -> dict:
    """Check a film's own fields; `raw(name)` reads one from the row or object."""
    fields = {}
    for name, rule, blank in _FILM_FIELDS:
        value = problems.check(name, rule, raw(name))
        fields[name] = blank if value is None or (blank == "" and not value) else value
    return fields


def _box_office(problems: check.Problems, fields: dict[str, tuple[str, Any]]):
    """One figure from {field: (label, raw value)}; labels differ per format."""
    before = len(problems.messages)
    market = problems.check(fields["market"][0], check.market, fields["market"][1])
    gross = problems.check(fields["gross_amount"][0], check.gross, fields["gross_amount"][1])
    currency = problems.check(fields["currency"][0], check.currency, fields["currency"][1])
    as_of = problems.check(fields["as_of"][0], check.iso_date, fields["as_of"][1])
    source = problems.check(fields["source"][0], check.source, fields["source"][1])
    if len(problems.messages) != before:
        return None
    return BoxOfficeRecord(market, gross, currency, as_of, source or "")


def _film_record(problems: check.Problems, **values) -> FilmRecord:
    _check_duplicates(problems, values["genres"], values["credits"], values["box_office"])
    if problems:
        raise RowInvalid(problems.reason())
    values["genres"] = tuple(values["genres"])
    values["credits"] = tuple(values["credits"])
    values["box_office"] = tuple(values["box_office"])
    return FilmRecord(**values)


def _check_duplicates(problems, genres, credits, box_office) -> None:
    """Repeated entries would be silently merged on save; say so instead."""
    seen_genres = set()
    for genre in genres:
        if genre.slug in seen_genres:
            problems.add("genres", f"{genre.slug!r} is listed twice")
        seen_genres.add(genre.slug)
    seen_credits = set()
    for credit in credits:
        key = (credit.person.slug, credit.role, credit.character)
        if key in seen_credits:
            problems.add("credits", f"{credit.person.name} is listed twice as {credit.role}")
        seen_credits.add(key)
    seen_figures = set()
    for figure in box_office:
        key = (figure.market, figure.as_of)
        if key in seen_figures:
            problems.add("box_office", f"two figures for {figure.market} as of {figure.as_of}")
        seen_figures.add(key)
