"""Catalogue rows read from the database without the cost of a constructor call.

A product list reads some five hundred rows per request (products, variants,
their listings, attribute values and their attributes); Django builds each
one through `Model.__init__`, which sends `pre_init` and `post_init` and
sets every field through `setattr`. For a row the database just gave, with
every column loaded, no signal receiver, no custom `__init__` and only
plain field descriptors, the result is the same object as filling its
`__dict__` directly, which is what `from_db` does here. Any other case
(deferred columns, any `pre_init`/`post_init` receiver connected at all,
a field whose descriptor does work on assignment) takes Django's own path.
"""

from __future__ import annotations

from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

# Descriptors whose assignment only stores the value (file and image fields, say, do more).
_PLAIN_DESCRIPTORS = frozenset({DeferredAttribute, ForeignKeyDeferredAttribute})


def _plain_attnames(cls) -> tuple[str, ...] | None:
    """The concrete fields' attribute names, or None if the class needs its constructor."""
    cached = cls.__dict__.get("_plain_row_attnames", False)
    if cached is not False:
        return cached
    attnames = tuple(field.attname for field in cls._meta.concrete_fields)
    plain = cls.__init__ is models.Model.__init__ and all(
        type(getattr(cls, name, None)) in _PLAIN_DESCRIPTORS for name in attnames
    )
    result = attnames if plain else None
    cls._plain_row_attnames = result
    return result


class LoadedRow(models.Model):
    """Mixin for read-heavy catalogue models: `from_db` without `__init__` (see above)."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        attnames = _plain_attnames(cls)
        if (
            attnames is None
            or len(values) != len(attnames)
            or pre_init.receivers
            or post_init.receivers
        ):
            return super().from_db(db, field_names, values)
        row = cls.__new__(cls)
        state = ModelState()
        state.adding = False
        state.db = db
        row._state = state
        row.__dict__.update(zip(attnames, values, strict=True))
        return row
