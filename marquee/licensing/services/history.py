"""The licence history: each changed field of a licence becomes a `LicenceChange`
with who, when, the old and the new value.

Licences record their own edits here, and so do royalty terms (a new
version is a change to the licence as its licensor sees it).
"""

from __future__ import annotations

from django.utils import timezone

from ..models import Licence, LicenceChange

SCALAR_FIELDS = (
    "reference",
    "name",
    "term_start",
    "term_end",
    "sell_off_days",
    "exclusive",
    "status",
    "territories",
)
RELATED_FIELDS = ("properties", "channels", "categories")


def acting_user(actor):
    """The account to name in a record, or None for the system and anonymous callers."""
    return actor if actor is not None and actor.is_authenticated else None


def snapshot(licence: Licence | None, related: dict | None = None) -> dict[str, str]:
    """A licence as text per field, the form the history stores."""
    if licence is None:
        return {}
    values = {}
    for name in SCALAR_FIELDS:
        value = getattr(licence, name)
        if name == "territories":
            value = ",".join(sorted(value))
        values[name] = "" if value is None else str(value)
    for name in RELATED_FIELDS:
        objects = related[name] if related else list(getattr(licence, name).all())
        values[name] = ", ".join(sorted(str(obj) for obj in objects))
    return values


def record(licence: Licence, before: dict, after: dict, actor) -> list[LicenceChange]:
    """One `LicenceChange` per field whose text differs between `before` and `after`."""
    now = timezone.now()
    changes = [
        LicenceChange(
            licence=licence,
            changed_by=acting_user(actor),
            changed_at=now,
            field=name,
            old_value=before.get(name, ""),
            new_value=value,
        )
        for name, value in after.items()
        if before.get(name, "") != value
    ]
    return LicenceChange.objects.bulk_create(changes)
