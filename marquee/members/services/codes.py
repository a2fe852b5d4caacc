"""Single-use perk codes: signed, unguessable, checked and consumed once at a venue.

A code is ``django.core.signing`` over ``"<perk id>.<nonce>"``, the nonce a
random ``secrets.token_urlsafe`` stored on the redemption. The code itself is
never stored: signing is deterministic, so the member's code is re-derived
from the row whenever it is shown, and a database leak hands out no codes.
A forged or altered code fails the signature before any row is read.

Consuming is one conditional UPDATE (``status = issued`` in the WHERE), so
two doormen scanning the same pass at once admit one fan: the other learns
when and where it was used.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone
from reportlab.graphics.barcode import qrencoder

from marquee.core.exceptions import DomainError

from ..models import PerkKind, PerkRedemption, RedemptionStatus

INVALID_CODE = "INVALID_CODE"
ALREADY_USED = "ALREADY_USED"
EXPIRED = "EXPIRED"
PERMISSION_DENIED = "PERMISSION_DENIED"
INVALID = "INVALID"

# Kinds whose redemption is a code shown at a venue.
CODE_KINDS = frozenset({PerkKind.SCREENING_PASS, PerkKind.MEET_AND_GREET})

_SALT = "marquee.members.perk-code"
_MAX_CODE_LENGTH = 512
_MAX_VENUE_LENGTH = 255


def new_nonce() -> str:
    """The random part of a code: 144 bits, so codes cannot be guessed or enumerated."""
    return secrets.token_urlsafe(18)


def code_for(redemption: PerkRedemption) -> str | None:
    """The member's code for a redemption that is one, else None."""
    if redemption.perk.kind not in CODE_KINDS:
        return None
    return signing.Signer(salt=_SALT).sign(f"{redemption.perk_id}.{redemption.nonce}")


def may_operate_perks(user) -> bool:
    """Venue staff, who check codes and draw lotteries: operators, or users given the
    right to change redemptions."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.has_perm("members.change_perkredemption"))


@dataclass(frozen=True)
class CodeParts:
    perk_id: int
    nonce: str


def unsign(code: str) -> CodeParts:
    """The perk and nonce a code names, or INVALID_CODE for anything not signed by us."""
    value = (code or "").strip()
    if not value or len(value) > _MAX_CODE_LENGTH:
        raise DomainError.single(INVALID_CODE, "This is not a valid perk code.", "code")
    try:
        payload = signing.Signer(salt=_SALT).unsign(value)
    except signing.BadSignature:
        raise DomainError.single(INVALID_CODE, "This is not a valid perk code.", "code") from None
    perk_id, _, nonce = payload.partition(".")
    if not perk_id.isdigit() or not nonce:
        raise DomainError.single(INVALID_CODE, "This is not a valid perk code.", "code")
    return CodeParts(int(perk_id), nonce)


def consume(code: str, staff_user, venue: str, *, now=None) -> PerkRedemption:
    """Admit the holder of ``code`` at ``venue``, once.

    Refusals: PERMISSION_DENIED (not venue staff), INVALID_CODE (forged,
    altered, unknown or void), EXPIRED (the perk has expired), ALREADY_USED
    (with when and where it was used).
    """
    if not may_operate_perks(staff_user):
        raise DomainError.single(PERMISSION_DENIED, "Only venue staff can check perk codes.")
    venue = (venue or "").strip()
    if not venue or len(venue) > _MAX_VENUE_LENGTH:
        raise DomainError.single(
            INVALID, f"Name the venue (1 to {_MAX_VENUE_LENGTH} characters).", "venue"
        )
    parts = unsign(code)
    now = now or timezone.now()
    redemption = (
        PerkRedemption.objects.select_related("perk", "membership__user")
        .filter(perk_id=parts.perk_id, nonce=parts.nonce, perk__kind__in=CODE_KINDS)
        .first()
    )
    if redemption is None or redemption.status == RedemptionStatus.VOID:
        raise DomainError.single(INVALID_CODE, "This code was not issued or was cancelled.", "code")
    if redemption.status == RedemptionStatus.CONSUMED:
        raise _already_used(redemption)
    if redemption.perk.expires_at <= now:
        expired = f"{redemption.perk.expires_at:%Y-%m-%d %H:%M}"
        raise DomainError.single(EXPIRED, f"This perk expired on {expired} UTC.", "code")
    consumed = PerkRedemption.objects.filter(
        pk=redemption.pk, status=RedemptionStatus.ISSUED
    ).update(
        status=RedemptionStatus.CONSUMED,
        consumed_at=now,
        consumed_by=staff_user,
        consumed_at_venue=venue,
    )
    redemption.refresh_from_db()
    if not consumed:
        raise _already_used(redemption)
    return redemption


def _already_used(redemption: PerkRedemption) -> DomainError:
    when = f"{redemption.consumed_at:%Y-%m-%d %H:%M} UTC" if redemption.consumed_at else "earlier"
    where = redemption.consumed_at_venue or "an unrecorded venue"
    return DomainError.single(
        ALREADY_USED,
        f"This code was already used on {when} at {where}.",
        "code",
        used_at=redemption.consumed_at,
        used_at_venue=redemption.consumed_at_venue,
    )


def qr_svg(text: str, *, module_px: int = 4, border: int = 4) -> str:
    """``text`` as a QR code (error correction M) in one compact SVG path, for a phone screen.

    Drawn from reportlab's QR encoder, which the PDF statements already depend on.
    """
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(text)
    qr.make()
    count = qr.getModuleCount()
    size = count + 2 * border
    squares = [
        f"M{col + border} {row + border}h1v1h-1z"
        for row in range(count)
        for col in range(count)
        if qr.isDark(row, col)
    ]
    pixels = size * module_px
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{pixels}" height="{pixels}" '
        f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(squares)}"/></svg>'
    )
