"""Licence agreements: their term, territories, channels, categories and
properties, with every change kept in the licence history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from marquee.core.exceptions import DomainError, ErrorDetail

from .. import validation
from ..models import Licence, LicenceStatus, Licensor, Property
from .exclusivity import exclusivity_conflict
from .history import RELATED_FIELDS, SCALAR_FIELDS, record, snapshot


@dataclass
class LicenceData:
    licensor: Licensor | None  # None is refused (REQUIRED) by `licence_errors`
    reference: str
    term_start: date
    term_end: date
    territories: list[str]
    properties: list[Property] = field(default_factory=list)
    channels: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    name: str = ""
    sell_off_days: int = 180
    exclusive: bool = False
    status: str = LicenceStatus.DRAFT
    statement_period_months: int = 3  # calendar months per royalty statement


def licence_errors(data: LicenceData, pk: int | None = None) -> list[ErrorDetail]:
    """Everything wrong with a licence as it would be written (exclusivity included)."""
    if data.licensor is None:
        return [ErrorDetail("REQUIRED", "A licence needs a licensor.", "licensor")]
    errors = validation.term(data.term_start, data.term_end)
    errors += validation.territories(data.territories)
    if not (data.reference or "").strip():
        errors.append(ErrorDetail("REQUIRED", "A licence needs a reference.", "reference"))
    elif Licence.objects.filter(reference=data.reference).exclude(pk=pk).exists():
        errors.append(
            ErrorDetail("UNIQUE", f"Licence reference {data.reference!r} is taken.", "reference")
        )
    if data.sell_off_days is None or data.sell_off_days < 0:
        errors.append(
            ErrorDetail("INVALID", "The sell-off period cannot be negative.", "sell_off_days")
        )
    if data.statement_period_months not in (1, 3, 6, 12):
        errors.append(
            ErrorDetail(
                "INVALID",
                "Statements cover 1, 3, 6 or 12 calendar months.",
                "statement_period_months",
            )
        )
    if data.status not in LicenceStatus.values:
        errors.append(ErrorDetail("INVALID", f"Unknown status {data.status!r}.", "status"))
    foreign = [p.name for p in data.properties if p.licensor_id != data.licensor.pk]
    if foreign:
        errors.append(
            ErrorDetail(
                "PROPERTY_NOT_OWNED",
                f"{data.licensor.name} does not own {', '.join(sorted(foreign))}.",
                "properties",
            )
        )
    if not data.properties:
        errors.append(
            ErrorDetail("REQUIRED", "A licence needs at least one property.", "properties")
        )
    if not errors:
        conflict = exclusivity_conflict(data, pk)
        if conflict:
            errors.append(conflict)
    return errors


def _set_related(licence: Licence, data: LicenceData) -> None:
    licence.properties.set(data.properties)
    licence.channels.set(data.channels)
    licence.categories.set(data.categories)


def _related_of(data: LicenceData) -> dict:
    return {"properties": data.properties, "channels": data.channels, "categories": data.categories}


@transaction.atomic
def create_licence(data: LicenceData, actor=None) -> Licence:
    data.territories = sorted({code.upper() for code in data.territories})
    validation.raise_if(licence_errors(data))
    licence = Licence.objects.create(
        licensor=data.licensor,
        statement_period_months=data.statement_period_months,
        **{name: getattr(data, name) for name in SCALAR_FIELDS},
    )
    _set_related(licence, data)
    record(licence, {}, snapshot(licence, _related_of(data)), actor)
    return licence


def data_of(licence: Licence) -> LicenceData:
    return LicenceData(
        licensor=licence.licensor,
        reference=licence.reference,
        name=licence.name,
        term_start=licence.term_start,
        term_end=licence.term_end,
        territories=list(licence.territories),
        properties=list(licence.properties.all()),
        channels=list(licence.channels.all()),
        categories=list(licence.categories.all()),
        sell_off_days=licence.sell_off_days,
        exclusive=licence.exclusive,
        status=licence.status,
        statement_period_months=licence.statement_period_months,
    )


@transaction.atomic
def update_licence(licence: Licence, changes: dict, actor=None) -> Licence:
    """Apply the given fields (None or absent: unchanged) and record what changed.

    A licence never changes licensor: a `licensor` in `changes` (any value) is refused.
    """
    if changes.get("licensor") is not None:
        raise DomainError.single(
            "INVALID", "A licence's licensor cannot change; grant a new licence.", "licensor"
        )
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    data = data_of(licence)
    before = snapshot(licence, _related_of(data))
    for name, value in changes.items():
        if value is not None and hasattr(data, name) and name != "licensor":
            setattr(data, name, list(value) if name in RELATED_FIELDS else value)
    data.territories = sorted({code.upper() for code in data.territories})
    validation.raise_if(licence_errors(data, licence.pk))
    for name in SCALAR_FIELDS:
        setattr(licence, name, getattr(data, name))
    licence.statement_period_months = data.statement_period_months
    licence.save()
    _set_related(licence, data)
    record(licence, before, snapshot(licence, _related_of(data)), actor)
    return licence


def record_admin_change(licence: Licence, before: dict, actor) -> None:
    """History for an edit made in the admin (the form has saved the licence)."""
    record(licence, before, snapshot(licence), actor)


@transaction.atomic
def expire_licences(today: date | None = None) -> int:
    """Mark active licences whose term has ended as expired (their sell-off still runs)."""
    today = today or timezone.localdate()
    count = 0
    for licence in Licence.objects.select_for_update().filter(
        status=LicenceStatus.ACTIVE, term_end__lt=today
    ):
        before = snapshot(licence)
        licence.status = LicenceStatus.EXPIRED
        licence.save(update_fields=["status", "updated_at"])
        record(licence, before, snapshot(licence), None)
        count += 1
    return count
