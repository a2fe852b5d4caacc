from django.urls import reverse

from marquee.merch.thumbnails import rounded_size

from ..core.types import absolute_url


def image_url(info, kind: str, pk: int, image, size=None, fmt="ORIGINAL") -> str | None:
    """Absolute URL of an image, or of its thumbnail when a size or format is asked.

    Both point at the app's checked views, never at the storage (bucket) itself.
    """
    if not image:
        return None
    fmt = str(getattr(fmt, "value", fmt) or "ORIGINAL").lower()
    if (size is None or size <= 0) and fmt == "original":
        return absolute_url(info, reverse("media", args=[image.name]))
    size = rounded_size(size) if size and size > 0 else rounded_size(4096)
    return absolute_url(info, reverse("thumbnail", args=[kind, pk, size, fmt]))
