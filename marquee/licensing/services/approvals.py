"""Product approvals: the licences a product declares and how far each licensor
has approved its design (concept, pre-production, production sample, approved).

Only the licensor of a licence moves its approvals, and only for products
derived from a property it owns under that licence.

Nothing here deletes history: every event records the product, licence and
share it was about, so a share that changes, or a licence a resubmission
drops, stays on record (sales keep their own copy in `SaleSnapshot`).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from marquee.core.exceptions import DomainError, ErrorDetail

from .. import validation
from ..models import (
    STAGE_ORDER,
    ApprovalEvent,
    ApprovalStage,
    Licence,
    LicenceStatus,
    ProductApproval,
    Property,
)
from .history import acting_user


@transaction.atomic
def submit_product(product, declarations: list[tuple[Licence, Decimal]], actor=None, comment=""):
    """Declare the licences a product uses and their shares; approval starts over at concept.

    Resubmitting replaces the declarations: a changed design needs the
    licensor's eyes again, so every licence's approval restarts.
    """
    errors = validation.shares([share for _, share in declarations])
    licence_ids = [licence.pk for licence, _ in declarations]
    if len(set(licence_ids)) != len(licence_ids):
        errors.append(ErrorDetail("INVALID", "A licence is declared twice.", "licences"))
    for licence, _ in declarations:
        if licence.status == LicenceStatus.TERMINATED:
            errors.append(
                ErrorDetail("INVALID", f"Licence {licence.reference} was terminated.", "licences")
            )
    validation.raise_if(errors)
    existing = {
        a.licence_id: a
        for a in ProductApproval.objects.select_for_update().filter(product_id=product.pk)
    }
    stale = [a for lid, a in existing.items() if lid not in licence_ids]
    ApprovalEvent.objects.bulk_create(
        ApprovalEvent(
            approval=a,
            product_id=a.product_id,
            licence_id=a.licence_id,
            share_percent=a.share_percent,
            stage=a.stage,
            withdrawn=True,
            comment=comment,
            actor=acting_user(actor),
        )
        for a in stale
    )
    # The declaration goes; its events stay (their approval link becomes null).
    ProductApproval.objects.filter(pk__in=[a.pk for a in stale]).delete()
    approvals = []
    for licence, share in declarations:
        approval = existing.get(licence.pk) or ProductApproval(product=product, licence=licence)
        approval.share_percent = share
        approval.stage = ApprovalStage.CONCEPT
        approval.submitted_at = timezone.now()
        approval.save()
        _event(approval, comment, actor)
        approvals.append(approval)
    return approvals


def _event(approval: ProductApproval, comment: str, actor) -> ApprovalEvent:
    return ApprovalEvent.objects.create(
        approval=approval,
        product_id=approval.product_id,
        licence_id=approval.licence_id,
        share_percent=approval.share_percent,
        stage=approval.stage,
        comment=comment,
        actor=acting_user(actor),
    )


def _check_property(approval: ProductApproval) -> None:
    product, licence = approval.product, approval.licence
    owns = (
        product.film_id is not None
        and Property.objects.filter(
            licensor_id=licence.licensor_id, licences=licence, films=product.film_id
        ).exists()
    )
    if not owns:
        film = product.film.title if product.film_id else "no film"
        raise DomainError.single(
            "PROPERTY_NOT_OWNED",
            f"{licence.licensor.name} cannot approve {product.name}: it derives from {film}, "
            f"which is not a property of {licence.licensor.name} under licence "
            f"{licence.reference}.",
            "id",
        )


def _locked(approval: ProductApproval) -> ProductApproval:
    return (
        ProductApproval.objects.select_for_update(of=("self",))
        .select_related("product__film", "licence__licensor")
        .get(pk=approval.pk)
    )


@transaction.atomic
def approve_stage(approval: ProductApproval, licensor_id: int, actor=None, comment=""):
    """The licensor passes the product to the next stage; after the production sample, approved."""
    approval = _locked(approval)
    if approval.licence.licensor_id != licensor_id:
        raise DomainError.single("NOT_FOUND", "The approval does not exist.", "id")
    if approval.stage == ApprovalStage.REJECTED:
        raise DomainError.single(
            "INVALID_STAGE", "The product was rejected; it must be resubmitted first.", "id"
        )
    if approval.stage == ApprovalStage.APPROVED:
        raise DomainError.single("INVALID_STAGE", "The product is already approved.", "id")
    _check_property(approval)
    approval.stage = STAGE_ORDER[STAGE_ORDER.index(approval.stage) + 1]
    approval.save(update_fields=["stage", "updated_at"])
    _event(approval, comment, actor)
    return approval


@transaction.atomic
def reject(approval: ProductApproval, licensor_id: int, comment: str, actor=None):
    """The licensor rejects the product at any stage, saying why (a comment is required)."""
    approval = _locked(approval)
    if approval.licence.licensor_id != licensor_id:
        raise DomainError.single("NOT_FOUND", "The approval does not exist.", "id")
    if not (comment or "").strip():
        raise DomainError.single("REQUIRED", "A rejection needs a comment saying why.", "comment")
    if approval.stage == ApprovalStage.REJECTED:
        raise DomainError.single("INVALID_STAGE", "The product is already rejected.", "id")
    _check_property(approval)
    approval.stage = ApprovalStage.REJECTED
    approval.save(update_fields=["stage", "updated_at"])
    _event(approval, comment, actor)
    return approval
