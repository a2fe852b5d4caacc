"""The download view behind every royalty file link (see `downloads.py`).

Anything wrong (a bad or expired signature, a user who may no longer see
the statement, a file never rendered) answers 404, so a link reveals
nothing about what exists.
"""

from __future__ import annotations

import posixpath

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from .. import selectors
from . import audit, downloads

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def royalty_download(request, token: str):
    claims = downloads.read_token(token)
    if claims is None:
        raise Http404("No such file")
    user = get_user_model().objects.filter(pk=claims["u"], is_active=True).first()
    if user is None:
        raise Http404("No such file")
    viewer = selectors.viewer_for(user)
    kind, pk = claims["k"], claims["p"]
    if kind == downloads.DRILLDOWN:
        line = audit.statement_line(viewer, pk)
        if line is None:
            raise Http404("No such file")
        response = HttpResponse(audit.drilldown_csv(line), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="statement-line-{line.pk}.csv"'
        return _private(response)
    statement = audit.statement(viewer, pk)
    field = statement and getattr(statement, f"{kind}_file")
    if not field or not field.name:
        raise Http404("No such file")
    filename = posixpath.basename(field.name)
    if downloads.is_s3():
        return _private(HttpResponseRedirect(downloads.presigned_url(field.name, filename)))
    try:
        handle = default_storage.open(field.name, "rb")
    except FileNotFoundError:
        raise Http404("No such file") from None
    response = FileResponse(
        handle, content_type=CONTENT_TYPES[kind], as_attachment=True, filename=filename
    )
    return _private(response)
