"""Which stored images may be served, and to whom.

An image is only as public as what it shows. A product's media is served
when the product is visible in at least one active channel: published,
priced, and let through by every catalogue filter (the licence gate among
them), the rule `product(id:)` applies; a product the catalogue hides must
not be found through its pictures either. Variant filters (a members-only
limited edition) are not applied: image requests carry no viewer, and the
members who may see such a product must see its pictures too. A collection's background follows
the collection's publication; category backgrounds and film posters are
public. Staff see everything, so the admin can preview what is not live yet,
but such an answer is marked as not public so no shared cache passes it on.

The check costs two statements whatever the number of channels: the active
channels, then the image with one EXISTS per channel in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.apps import apps
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Value
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .selectors import active_channels, visible_collections, visible_products

# kind in the URL -> (model label, image field)
SOURCES = {
    "product-media": ("merch.ProductMedia", "image"),
    "category": ("merch.Category", "background_image"),
    "collection": ("merch.Collection", "background_image"),
    "film-poster": ("films.Film", "poster"),
}


@dataclass(frozen=True)
class Found:
    image: FieldFile
    public: bool  # False: shown only because the viewer is staff


def _is_staff(user) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_staff
        and user.is_active
    )


def _visible_somewhere(kind: str):
    """A boolean expression on the source row: may anyone see what the image shows?"""
    if kind not in ("product-media", "collection"):
        return Value(True)
    now = timezone.now()
    checks = []
    for channel in active_channels():
        if kind == "product-media":
            visible = visible_products(channel, listed_only=False, now=now, for_anyone=True)
            checks.append(Exists(visible.filter(pk=OuterRef("product_id"))))
        else:
            checks.append(Exists(visible_collections(channel, now).filter(pk=OuterRef("pk"))))
    if not checks:
        return Value(False)
    return ExpressionWrapper(reduce(or_, checks), output_field=BooleanField())


def _find(kind: str, user, **lookup) -> Found | None:
    label, field = SOURCES[kind]
    rows = (
        apps.get_model(label)
        .objects.filter(**lookup)
        .annotate(public_image=_visible_somewhere(kind))
        .only("pk", field)
    )
    if not _is_staff(user):
        rows = rows.filter(public_image=True)
    row = rows.first()
    image = getattr(row, field, None) if row is not None else None
    if not image:
        return None
    return Found(image, bool(row.public_image))


def image_for(kind: str, pk: int, user) -> Found | None:
    """The image behind a thumbnail URL, if this viewer may see it."""
    if kind not in SOURCES:
        return None
    return _find(kind, user, pk=pk)


def original_for(name: str, user) -> Found | None:
    """The stored original at `name`, if this viewer may see what it shows.

    Only files an image field points at are served; anything else in
    storage (rendered thumbnails among them) is not reachable by name.
    """
    for kind, (label, field) in SOURCES.items():
        folder = apps.get_model(label)._meta.get_field(field).upload_to.rstrip("/") + "/"
        if name.startswith(folder):
            return _find(kind, user, **{field: name})
    return None
