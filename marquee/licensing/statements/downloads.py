"""Short-lived download links for statement files and drill-down exports.

A link is made for one viewer and one file, and expires after
`ROYALTY_DOWNLOAD_SECONDS` (default: `MEDIA_SIGNED_URL_SECONDS`):

- every link points at Marquee's own view, `/royalties/download/<token>/`,
  whose token is signed with Django's `signing` (salted, timestamped) and
  names the statement or statement line, the file and the user it was made
  for. The view checks the signature and its age, then checks again that
  this user may still see that statement (a licensor user removed from its
  licensor loses its links), and answers 404 otherwise, like a file that
  does not exist;
- with S3 the view then redirects to a presigned S3 URL valid for the same
  short time, so the bucket stays private whatever `AWS_QUERYSTRING_AUTH`
  says; with local storage it streams the file itself.

A drill-down CSV is not stored: the view renders it from the ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse

SALT = "marquee.royalties.download"
STATEMENT_FILES = ("csv", "xlsx", "pdf")
DRILLDOWN = "drilldown"


def expiry_seconds() -> int:
    return getattr(settings, "ROYALTY_DOWNLOAD_SECONDS", settings.MEDIA_SIGNED_URL_SECONDS)


def token_for(*, user_id, kind: str, pk: int) -> str:
    return signing.dumps({"u": user_id, "k": kind, "p": pk}, salt=SALT, compress=True)


def read_token(token: str) -> dict | None:
    """The signed claims, or None for a forged, altered or expired token."""
    try:
        data = signing.loads(token, salt=SALT, max_age=expiry_seconds())
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("k") not in (*STATEMENT_FILES, DRILLDOWN):
        return None
    return data


def statement_file_path(user, statement, kind: str) -> str | None:
    """The download path for one of a statement's files, or None if it was not rendered."""
    field = getattr(statement, f"{kind}_file")
    if not field.name:
        return None
    token = token_for(user_id=user.pk, kind=kind, pk=statement.pk)
    return reverse("royalty-download", args=[token])


def drilldown_path(user, line) -> str:
    token = token_for(user_id=user.pk, kind=DRILLDOWN, pk=line.pk)
    return reverse("royalty-download", args=[token])


def is_s3() -> bool:
    return hasattr(default_storage, "bucket_name")


def presigned_url(name: str, filename: str) -> str:
    """A presigned S3 GET for a stored file, valid for `expiry_seconds()`."""
    from storages.utils import clean_name

    key = default_storage._normalize_name(clean_name(name))
    return default_storage.connection.meta.client.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": default_storage.bucket_name,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        },
        ExpiresIn=expiry_seconds(),
    )
