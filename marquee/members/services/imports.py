"""Backers bought elsewhere: a backer list (CSV) becomes paid subscriptions and memberships.

The list has the columns ``email``, ``film`` (the film's slug) and ``units``,
and optionally ``programme`` (the programme's slug) for a film with more than
one programme. Column names are matched without regard to case or spaces.

Each row is one transaction: the row is written whole or not at all, and a
bad row loses nothing of the others. A row's identity is its list and its
row key (email + programme), stored as the subscription's idempotency key
``"<list>:<email>:<programme>"``, so importing the same list again reports
the rows it already holds instead of counting them twice.

The limits hold for imported units as for units bought in the shop: the
programme's total and the per-member cap are conditional UPDATEs on the
counters (the check constraints are the last word), so a row that would pass
either is an error row. The sale window is not checked: the list records
backing that took place elsewhere, possibly before the programme opened here.

An email without an account gets one, active and with no usable password:
the backer claims it with the shop's password reset, and nothing is sent
from here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from marquee.accounts import selectors as account_selectors
from marquee.accounts import services as account_services
from marquee.core.exceptions import DomainError
from marquee.films.models import Film

from .. import selectors
from ..models import (
    BackerProgramme,
    BackerSubscription,
    BackerTier,
    Membership,
    ProgrammeStatus,
    SubscriptionSource,
    SubscriptionStatus,
)

REQUIRED_COLUMNS = ("email", "film", "units")
OPTIONAL_COLUMNS = ("programme",)
LIST_NAME_MAX = 64
# A backer list is read whole; this bounds what one upload may ask of a worker.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNITS_PER_ROW = 1_000_000
_KEY_MAX = BackerSubscription._meta.get_field("idempotency_key").max_length
_EMAIL_MAX = get_user_model()._meta.get_field("email").max_length
# A row that meets a deadlock (a subscription in the shop locking the same
# member and programme in the other order) is tried again this many times.
ROW_ATTEMPTS = 3
_RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


class RowStatus(StrEnum):
    IMPORTED = "imported"
    ALREADY_IMPORTED = "already_imported"
    ERROR = "error"


class ImportErrorCode(StrEnum):
    """Why a row (or, for the first three, the whole file) was refused."""

    INVALID_LIST_NAME = "INVALID_LIST_NAME"
    INVALID_FILE = "INVALID_FILE"
    MISSING_COLUMNS = "MISSING_COLUMNS"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_UNITS = "INVALID_UNITS"
    UNKNOWN_FILM = "UNKNOWN_FILM"
    UNKNOWN_PROGRAMME = "UNKNOWN_PROGRAMME"
    NO_PROGRAMME = "NO_PROGRAMME"
    AMBIGUOUS_PROGRAMME = "AMBIGUOUS_PROGRAMME"
    PROGRAMME_CANCELLED = "PROGRAMME_CANCELLED"
    CAP_EXCEEDED = "CAP_EXCEEDED"
    SOLD_OUT = "SOLD_OUT"
    CONFLICTS_WITH_IMPORTED = "CONFLICTS_WITH_IMPORTED"
    DUPLICATE_ROW = "DUPLICATE_ROW"
    RETRY_LATER = "RETRY_LATER"


@dataclass(frozen=True)
class RowResult:
    # The row's line in the file as a spreadsheet numbers it (the header is row 1).
    row: int
    email: str
    status: RowStatus
    code: ImportErrorCode | None = None
    message: str = ""
    programme: str = ""
    units: int | None = None


@dataclass
class ImportReport:
    list_name: str
    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: RowStatus) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def imported(self) -> int:
        return self.count(RowStatus.IMPORTED)

    @property
    def already_imported(self) -> int:
        return self.count(RowStatus.ALREADY_IMPORTED)

    @property
    def errors(self) -> list[RowResult]:
        return [row for row in self.rows if row.status == RowStatus.ERROR]

    def summary(self) -> str:
        return (
            f"{self.list_name}: {self.imported} imported, "
            f"{self.already_imported} already imported, {len(self.errors)} errors"
        )


class _RowError(Exception):
    def __init__(self, code: ImportErrorCode, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


def import_backers(file, list_name: str) -> ImportReport:
    """Import a backer list; the report has one entry per non-blank row, in file order.

    ``file`` is a path, or a file opened in text or binary mode (UTF-8, with
    or without a byte-order mark). A file that cannot be read as a backer
    list at all raises `DomainError` before any row is written.
    """
    list_name = _clean_list_name(list_name)
    reader = csv.DictReader(io.StringIO(_read_text(file)))
    columns = _columns(reader.fieldnames)
    report = ImportReport(list_name=list_name)
    context = _Lookups()
    for raw in reader:
        values = {name: (raw.get(column) or "").strip() for name, column in columns.items()}
        if not any(values.values()):
            continue
        report.rows.append(_import_row(reader.line_num, values, list_name, context))
    return report


def _clean_list_name(list_name: str) -> str:
    name = (list_name or "").strip()
    if not name or len(name) > LIST_NAME_MAX or ":" in name:
        raise DomainError.single(
            ImportErrorCode.INVALID_LIST_NAME,
            f"A list name is 1 to {LIST_NAME_MAX} characters, without ':'.",
            field="list_name",
        )
    return name


def _read_text(file) -> str:
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as handle:
            content = handle.read(MAX_FILE_BYTES + 1)
    else:
        content = file.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise DomainError.single(
            ImportErrorCode.INVALID_FILE,
            f"A backer list may be at most {MAX_FILE_BYTES // (1024 * 1024)} MB.",
            field="file",
        )
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DomainError.single(
                ImportErrorCode.INVALID_FILE, "The backer list is not UTF-8 text.", field="file"
            ) from error
    return content.lstrip("\ufeff")


def _columns(fieldnames) -> dict[str, str]:
    """Our column name -> the file's spelling of it."""
    found = {(name or "").strip().lower(): name for name in fieldnames or ()}
    missing = [name for name in REQUIRED_COLUMNS if name not in found]
    if missing:
        raise DomainError.single(
            ImportErrorCode.MISSING_COLUMNS,
            f"The backer list lacks the column(s) {', '.join(missing)} "
            f"(expected {', '.join(REQUIRED_COLUMNS)}, optionally programme).",
            field="file",
        )
    return {name: found[name] for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in found}


class _Lookups:
    """Films, programmes and tiers read once per import, not once per row."""

    def __init__(self):
        self._films: dict[str, Film | None] = {}
        self._programmes: dict[int, list[BackerProgramme]] = {}
        self._tiers: dict[int, list[BackerTier]] = {}
        # Row keys met in this file -> the row that carried them first.
        self.seen: dict[str, int] = {}

    def film(self, slug: str) -> Film | None:
        if slug not in self._films:
            self._films[slug] = Film.objects.filter(slug=slug).first()
        return self._films[slug]

    def programmes(self, film: Film) -> list[BackerProgramme]:
        if film.pk not in self._programmes:
            self._programmes[film.pk] = list(
                BackerProgramme.objects.filter(film=film).order_by("pk")
            )
        return self._programmes[film.pk]

    def tiers(self, programme: BackerProgramme) -> list[BackerTier]:
        if programme.pk not in self._tiers:
            self._tiers[programme.pk] = list(programme.tiers.all())
        return self._tiers[programme.pk]


def _import_row(line: int, values: dict[str, str], list_name: str, lookups) -> RowResult:
    email = values.get("email", "")
    try:
        email = _email(email)
        units = _units(values.get("units", ""))
        programme = _programme(values.get("film", ""), values.get("programme", ""), lookups)
        key = _idempotency_key(list_name, email, programme)
        first = lookups.seen.setdefault(key, line)
        if first != line:
            raise _RowError(
                ImportErrorCode.DUPLICATE_ROW,
                f"Row {first} already names {email} in {programme.slug!r}; "
                "one row per backer and programme, with the units added up.",
            )
        status, message = _write_with_retries(programme, email, units, key, lookups)
    except _RowError as error:
        return RowResult(
            line,
            email,
            RowStatus.ERROR,
            error.code,
            error.message,
            programme=values.get("programme", ""),
        )
    return RowResult(line, email, status, None, message, programme=programme.slug, units=units)


def _email(raw: str) -> str:
    try:
        email = account_services.normalize_email(raw)
    except DomainError as error:
        raise _RowError(
            ImportErrorCode.INVALID_EMAIL, f"{raw!r} is not a valid email address."
        ) from error
    if len(email) > _EMAIL_MAX:
        raise _RowError(
            ImportErrorCode.INVALID_EMAIL, f"An email address has at most {_EMAIL_MAX} characters."
        )
    return email


def _units(raw: str) -> int:
    try:
        units = int(raw)
    except ValueError:
        units = 0
    if units <= 0 or units > MAX_UNITS_PER_ROW:
        raise _RowError(
            ImportErrorCode.INVALID_UNITS, f"Units must be a whole number above zero, not {raw!r}."
        )
    return units


def _programme(film_slug: str, programme_slug: str, lookups) -> BackerProgramme:
    film = lookups.film(film_slug) if film_slug else None
    if film is None:
        raise _RowError(ImportErrorCode.UNKNOWN_FILM, f"No film has the slug {film_slug!r}.")
    programmes = lookups.programmes(film)
    if programme_slug:
        chosen = next((p for p in programmes if p.slug == programme_slug), None)
        if chosen is None:
            raise _RowError(
                ImportErrorCode.UNKNOWN_PROGRAMME,
                f"The film {film_slug!r} has no backer programme {programme_slug!r}.",
            )
    else:
        open_ones = [p for p in programmes if p.status != ProgrammeStatus.CANCELLED]
        if not open_ones:
            raise _RowError(
                ImportErrorCode.NO_PROGRAMME, f"The film {film_slug!r} has no backer programme."
            )
        if len(open_ones) > 1:
            raise _RowError(
                ImportErrorCode.AMBIGUOUS_PROGRAMME,
                f"The film {film_slug!r} has several backer programmes "
                f"({', '.join(p.slug for p in open_ones)}); name one in the programme column.",
            )
        chosen = open_ones[0]
    if chosen.status == ProgrammeStatus.CANCELLED:
        raise _RowError(
            ImportErrorCode.PROGRAMME_CANCELLED, f"The programme {chosen.slug!r} is cancelled."
        )
    return chosen


def _idempotency_key(list_name: str, email: str, programme: BackerProgramme) -> str:
    key = f"{list_name}:{email}:{programme.slug}"
    if len(key) > _KEY_MAX:
        # Long emails: the row key is still the email and programme, as a digest.
        digest = hashlib.sha256(f"{email}:{programme.slug}".encode()).hexdigest()
        key = f"{list_name}:sha256:{digest}"
    return key


def _write_with_retries(programme, email, units, key, lookups) -> tuple[RowStatus, str]:
    for attempt in range(1, ROW_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _write(programme, email, units, key, lookups)
        except OperationalError as error:
            sqlstate = getattr(error.__cause__, "sqlstate", None)
            if sqlstate not in _RETRYABLE_SQLSTATES:
                raise
            if attempt == ROW_ATTEMPTS:
                raise _RowError(
                    ImportErrorCode.RETRY_LATER,
                    "The programme is busy; import the list again to bring in this row.",
                ) from error
    raise AssertionError("unreachable")


def _write(programme, email, units, key, lookups) -> tuple[RowStatus, str]:
    """One row, inside its transaction; raises `_RowError` to leave nothing of it."""
    existing = BackerSubscription.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _already_imported(existing, units)
    user = _user(email)
    membership = _membership(programme, user)
    now = timezone.now()
    try:
        with transaction.atomic():
            BackerSubscription.objects.create(
                programme=programme,
                membership=membership,
                units=units,
                unit_price=programme.unit_price,
                amount=(programme.unit_price * units).quantize(Decimal("0.0001")),
                currency=programme.currency,
                status=SubscriptionStatus.PAID,
                source=SubscriptionSource.IMPORT,
                idempotency_key=key,
                created_at=now,
                paid_at=now,
            )
    except IntegrityError:
        # The same row, imported by a concurrent run that committed first.
        return _already_imported(BackerSubscription.objects.get(idempotency_key=key), units)
    # The member's row first, the programme's (the hot one) last, so the
    # programme stays locked for as short a time as possible.
    held = Membership.objects.filter(
        pk=membership.pk,
        units_committed__lte=programme.per_member_cap - units,
    ).update(
        units_committed=F("units_committed") + units,
        units_held=F("units_held") + units,
    )
    if not held:
        membership.refresh_from_db(fields=["units_committed"])
        raise _RowError(
            ImportErrorCode.CAP_EXCEEDED,
            f"{units} more units would take {email} above the programme's cap of "
            f"{programme.per_member_cap} (holds {membership.units_committed}).",
        )
    membership.refresh_from_db(fields=["units_committed", "units_held"])
    tier = selectors.tier_for_units(lookups.tiers(programme), membership.units_held)
    Membership.objects.filter(pk=membership.pk).update(tier=tier)
    sold = (
        BackerProgramme.objects.filter(
            pk=programme.pk, units_committed__lte=F("total_units") - units
        )
        .exclude(status=ProgrammeStatus.CANCELLED)
        .update(
            units_committed=F("units_committed") + units,
            units_paid=F("units_paid") + units,
        )
    )
    if not sold:
        left = (
            BackerProgramme.objects.filter(pk=programme.pk)
            .values_list(F("total_units") - F("units_committed"), flat=True)
            .first()
        )
        raise _RowError(
            ImportErrorCode.SOLD_OUT,
            f"The programme {programme.slug!r} has {left or 0} units left, not {units}.",
        )
    tier_name = tier.name if tier else "no tier"
    return RowStatus.IMPORTED, f"{units} units; {membership.units_held} held ({tier_name})."


def _already_imported(existing: BackerSubscription, units: int) -> tuple[RowStatus, str]:
    if existing.units != units:
        raise _RowError(
            ImportErrorCode.CONFLICTS_WITH_IMPORTED,
            f"This list already imported {existing.units} units for this backer, not {units}; "
            "a correction is a new list.",
        )
    return RowStatus.ALREADY_IMPORTED, f"{existing.units} units, imported before."


def _user(email: str):
    user = account_selectors.user_by_email(email)
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return get_user_model().objects.create_user(email=email, password=None)
    except IntegrityError:
        return account_selectors.user_by_email(email)


def _membership(programme: BackerProgramme, user) -> Membership:
    membership = Membership.objects.filter(programme=programme, user=user).first()
    if membership is not None:
        return membership
    try:
        with transaction.atomic():
            return Membership.objects.create(programme=programme, user=user)
    except IntegrityError:
        return Membership.objects.get(programme=programme, user=user)
