"""Thumbnails: images resized on first request and kept in storage.

A storefront asks for `thumbnail(size: 1024, format: WEBP)`; rendering every
size up front would waste storage, rendering on every request would waste
CPU. The first request renders and saves `thumbnails/<kind>/<pk>/<size>.<fmt>`;
later ones are served from storage. Requested sizes are rounded up to one
of `THUMBNAIL_SIZES` so a client cannot make us render thousands of sizes.

Whether an image may be shown at all is decided before, in `media.py`:
a stored thumbnail is served through the same check as its original, never
straight from storage.
"""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

logger = logging.getLogger(__name__)

FORMATS = {"original": None, "webp": "WEBP", "avif": "AVIF"}
CONTENT_TYPES = {
    "WEBP": "image/webp",
    "AVIF": "image/avif",
    "PNG": "image/png",
    "JPEG": "image/jpeg",
}


def rounded_size(size: int) -> int:
    for candidate in settings.THUMBNAIL_SIZES:
        if size <= candidate:
            return candidate
    return settings.THUMBNAIL_SIZES[-1]


def thumbnail_path(kind: str, pk: int, size: int, fmt: str, original_name: str) -> str:
    extension = fmt if fmt != "original" else (original_name.rsplit(".", 1)[-1].lower() or "png")
    return f"thumbnails/{kind}/{pk}/{size}.{extension}"


def render_thumbnail(image_file, size: int, fmt: str) -> tuple[bytes, str]:
    """Resize to fit in size x size, keeping the aspect ratio."""
    with image_file.open("rb") as handle, Image.open(handle) as image:
        image.load()
        target = FORMATS[fmt] or (image.format or "PNG")
        if target == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.thumbnail((size, size))
        buffer = io.BytesIO()
        image.save(buffer, format=target, quality=85)
    return buffer.getvalue(), CONTENT_TYPES.get(target, "application/octet-stream")


def get_or_create_thumbnail(
    kind: str, pk: int, image_file, size: int, fmt: str
) -> tuple[str, str] | None:
    """Storage path and content type of the thumbnail, rendering it on first use."""
    if fmt not in FORMATS:
        return None
    size = rounded_size(size)
    path = thumbnail_path(kind, pk, size, fmt, image_file.name)
    if default_storage.exists(path):
        content_type = CONTENT_TYPES.get(path.rsplit(".", 1)[-1].upper(), "image/png")
        return path, content_type
    try:
        data, content_type = render_thumbnail(image_file, size, fmt)
    except (OSError, ValueError, Image.DecompressionBombError):
        # A missing or unreadable original is "no such image", not a server error.
        logger.warning("Cannot render thumbnail of %s %s", kind, pk, exc_info=True)
        return None
    saved = default_storage.save(path, ContentFile(data))
    return saved, content_type
