"""Import film datasets (JSON or CSV): validate every row, write the valid ones.

A bad row never stops an import: it is reported with the file, the line it
starts on and the reason, and the other rows go in, each film in its own
transaction. Only a file that cannot be read at all (missing, not UTF-8,
not a JSON array, a CSV without the expected header) raises
`DatasetUnreadable`; then nothing from that file is written. The formats
themselves are described in `formats`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError

from .formats import (
    CSV_COLUMNS,
    DatasetUnreadable,
    RowInvalid,
    csv_rows,
    film_from_csv,
    film_from_json,
    json_objects,
    validated,
)
from .records import FilmRecord
from .services import Outcome, save_film

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_DATASET",
    "DatasetUnreadable",
    "ImportReport",
    "RowError",
    "RowInvalid",
    "import_films",
    "read_rows",
]

DEFAULT_DATASET = Path(__file__).resolve().parent / "data" / "films.json"


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class ImportReport:
    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.file}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.invalid} invalid"
        )


def import_films(path: str | Path) -> ImportReport:
    """Import one JSON or CSV file; see the module docstring for the rules."""
    name = str(path)
    rows = read_rows(path)
    report = ImportReport(file=name)
    first_seen: dict[str, int] = {}
    for line, result in rows:
        if isinstance(result, RowInvalid):
            report.invalid += 1
            report.errors.append(RowError(name, line, result.reason))
            continue
        if result.slug in first_seen:
            report.invalid += 1
            reason = f"slug: {result.slug!r} already appears at line {first_seen[result.slug]}"
            report.errors.append(RowError(name, line, reason))
            continue
        first_seen[result.slug] = line
        try:
            outcome = save_film(result)
        except DatabaseError as exc:
            report.invalid += 1
            report.errors.append(RowError(name, line, f"could not be saved: {exc}".strip()))
            continue
        if outcome is Outcome.CREATED:
            report.created += 1
        elif outcome is Outcome.UPDATED:
            report.updated += 1
        else:
            report.unchanged += 1
    return report


def read_rows(path: str | Path) -> list[tuple[int, FilmRecord | RowInvalid]]:
    """Parse and validate a whole file before anything is written.

    Reading everything first is what lets an unreadable file (say, a JSON
    syntax error halfway down) leave the database untouched.
    """
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in {".json", ".csv"}:
        raise DatasetUnreadable(name, "unknown format: expected a .json or .csv file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DatasetUnreadable(name, "no such file") from None
    except UnicodeDecodeError as exc:
        raise DatasetUnreadable(name, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DatasetUnreadable(name, exc.strerror or str(exc)) from None
    if suffix == ".json":
        return [(line, validated(film_from_json, raw)) for line, raw in json_objects(text, name)]
    return [(line, validated(film_from_csv, raw)) for line, raw in csv_rows(text, name)]
