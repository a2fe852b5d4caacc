from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.views.decorators.http import require_GET

from .thumbnails import get_or_create_thumbnail


@require_GET
def thumbnail_view(request, kind: str, pk: int, size: int, fmt: str):
    found = get_or_create_thumbnail(kind, pk, size, fmt.lower())
    if found is None:
        raise Http404("No such image")
    path, content_type = found
    if hasattr(default_storage, "bucket_name"):
        return HttpResponseRedirect(default_storage.url(path))
    response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
