"""Reads of the licence register, scoped to who is asking.

Staff see everything; a licensor's users see their own licensor's rows and
nothing else; customers and anonymous visitors see nothing. Every read of
the API starts from these querysets, so a row outside the viewer's scope is
indistinguishable from a row that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from .models import (
    ExchangeRate,
    Licence,
    LicenceChange,
    Licensor,
    LicensorUser,
    ProductApproval,
    Property,
    RoyaltyTerms,
)


@dataclass(frozen=True)
class Viewer:
    user: object | None
    is_staff: bool = False
    licensor_id: int | None = None

    @property
    def can_read(self) -> bool:
        return self.is_staff or self.licensor_id is not None

    @property
    def is_licensor(self) -> bool:
        return not self.is_staff and self.licensor_id is not None


def viewer_for(user) -> Viewer:
    """The viewer behind a user (cached on the user for the rest of the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Viewer(None)
    cached = getattr(user, "_licensing_viewer", None)
    if cached is not None:
        return cached
    licensor_id = None
    if not user.is_staff:
        licensor_id = (
            LicensorUser.objects.filter(user_id=user.pk)
            .values_list("licensor_id", flat=True)
            .first()
        )
    viewer = Viewer(user, is_staff=bool(user.is_staff and user.is_active), licensor_id=licensor_id)
    user._licensing_viewer = viewer
    return viewer


# --- who may do what (the API and the portals ask these, and decide nothing themselves) -----


def may_see_register(viewer: Viewer) -> bool:
    """Staff and a licensor's users read the register (each within their scope)."""
    return viewer.can_read


def may_change_register(viewer: Viewer) -> bool:
    """Only staff manage licensors, properties, licences and royalty terms, and submit
    products for approval."""
    return viewer.is_staff


def may_decide_approvals(viewer: Viewer) -> bool:
    """Only a licensor's own users pass or reject their licensor's products (not staff)."""
    return viewer.is_licensor


def _scoped(queryset: QuerySet, viewer: Viewer, licensor_path: str) -> QuerySet:
    if viewer.is_staff:
        return queryset
    if viewer.licensor_id is not None:
        return queryset.filter(**{licensor_path: viewer.licensor_id})
    return queryset.none()


def licensors(viewer: Viewer) -> QuerySet[Licensor]:
    return _scoped(Licensor.objects.all(), viewer, "pk")


def properties(viewer: Viewer) -> QuerySet[Property]:
    return _scoped(Property.objects.all(), viewer, "licensor_id")


def licences(viewer: Viewer) -> QuerySet[Licence]:
    return _scoped(Licence.objects.all(), viewer, "licensor_id")


def royalty_terms(viewer: Viewer) -> QuerySet[RoyaltyTerms]:
    return _scoped(RoyaltyTerms.objects.all(), viewer, "licence__licensor_id")


def licence_changes(viewer: Viewer) -> QuerySet[LicenceChange]:
    return _scoped(LicenceChange.objects.all(), viewer, "licence__licensor_id")


def approvals(viewer: Viewer) -> QuerySet[ProductApproval]:
    return _scoped(ProductApproval.objects.all(), viewer, "licence__licensor_id")


def exchange_rates(viewer: Viewer, source: str) -> QuerySet[ExchangeRate]:
    """A rate table: readable by anyone who can read terms that name it."""
    if not viewer.can_read:
        return ExchangeRate.objects.none()
    return ExchangeRate.objects.filter(source=source)


def licence(viewer: Viewer, pk: int) -> Licence | None:
    return licences(viewer).filter(pk=pk).first()


def licensor(viewer: Viewer, pk: int) -> Licensor | None:
    return licensors(viewer).filter(pk=pk).first()


def property_(viewer: Viewer, pk: int) -> Property | None:
    return properties(viewer).filter(pk=pk).first()


def approval(viewer: Viewer, pk: int) -> ProductApproval | None:
    return approvals(viewer).filter(pk=pk).first()


def terms(viewer: Viewer, pk: int) -> RoyaltyTerms | None:
    return royalty_terms(viewer).filter(pk=pk).first()
