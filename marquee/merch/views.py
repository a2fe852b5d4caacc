"""Image views: every stored image is served through the visibility check.

Thumbnails (`/thumbnail/<kind>/<pk>/<size>/<fmt>/`) and originals
(`/media/<name>`) answer 404 for an image whose product, collection... the
viewer may not see (`media.py`), exactly as for an image that does not
exist. Images anyone may see are cacheable by shared caches for
MEDIA_CACHE_SECONDS, short enough that a product hidden later (a licence
expires) stops being shown soon after; images shown only because the viewer
is staff are never stored by a cache.

With S3 storage the bytes come from the bucket through a signed URL valid
for MEDIA_SIGNED_URL_SECONDS, whatever AWS_QUERYSTRING_AUTH says, so the
bucket itself can stay private.
"""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.views.decorators.http import require_GET
from storages.utils import clean_name

from .media import image_for, original_for
from .thumbnails import get_or_create_thumbnail


def _signed_url(path: str) -> str:
    key = default_storage._normalize_name(clean_name(path))
    return default_storage.connection.meta.client.generate_presigned_url(
        "get_object",
        Params={"Bucket": default_storage.bucket_name, "Key": key},
        ExpiresIn=settings.MEDIA_SIGNED_URL_SECONDS,
    )


def _serve(path: str, content_type: str, public: bool):
    if hasattr(default_storage, "bucket_name"):
        response = HttpResponseRedirect(_signed_url(path))
        max_age = min(settings.MEDIA_CACHE_SECONDS, settings.MEDIA_SIGNED_URL_SECONDS // 2)
    else:
        try:
            handle = default_storage.open(path, "rb")
        except FileNotFoundError:
            raise Http404("No such image") from None
        response = FileResponse(handle, content_type=content_type)
        max_age = settings.MEDIA_CACHE_SECONDS
    response["Cache-Control"] = f"public, max-age={max_age}" if public else "private, no-store"
    return response


@require_GET
def thumbnail_view(request, kind: str, pk: int, size: int, fmt: str):
    found = image_for(kind, pk, request.user)
    rendered = found and get_or_create_thumbnail(kind, pk, found.image, size, fmt.lower())
    if not rendered:
        raise Http404("No such image")
    path, content_type = rendered
    return _serve(path, content_type, found.public)


@require_GET
def media_view(request, path: str):
    found = original_for(path, request.user)
    if found is None:
        raise Http404("No such image")
    content_type = mimetypes.guess_type(found.image.name)[0] or "application/octet-stream"
    return _serve(found.image.name, content_type, found.public)
