"""Licensing queries: every one starts from a viewer-scoped selector.

Customers and anonymous visitors get PERMISSION_DENIED; a licensor's user
asking for another licensor's object by ID gets the NOT_FOUND a
non-existent ID gets.
"""

from __future__ import annotations

import graphene

from marquee.licensing import selectors

from ..core.pagination import SortKey, paginate
from ..core.types import connection_field, connection_from_page
from . import access
from .mutations import (
    LicenceCreate,
    LicenceUpdate,
    LicensorCreate,
    LicensorUpdate,
    ProductApprovalApprove,
    ProductApprovalReject,
    ProductApprovalSubmit,
    PropertyCreate,
    RoyaltyTermsCreate,
)
from .types import (
    ApprovalStageEnum,
    Licence,
    LicenceChange,
    LicenceCountableConnection,
    LicenceStatusEnum,
    Licensor,
    LicensorCountableConnection,
    ProductApproval,
    ProductApprovalCountableConnection,
    Property,
    PropertyCountableConnection,
    RoyaltyTerms,
)


def _connection(connection_type, queryset, name, sort_field, kwargs):
    page = paginate(queryset, connection=name, sort_keys=[SortKey(sort_field)], **kwargs)
    return connection_from_page(connection_type, page)


class LicensingQueries(graphene.ObjectType):
    licensors = connection_field(
        LicensorCountableConnection, description="Licensors: staff see all, a licensor itself."
    )
    licensor = graphene.Field(Licensor, id=graphene.ID(required=True))
    properties = connection_field(PropertyCountableConnection)
    property = graphene.Field(Property, id=graphene.ID(required=True))
    licences = connection_field(
        LicenceCountableConnection,
        status=graphene.Argument(LicenceStatusEnum),
        description="Licence agreements with their scope, terms and history.",
    )
    licence = graphene.Field(Licence, id=graphene.ID(required=True))
    licence_history = graphene.NonNull(
        graphene.List(graphene.NonNull(LicenceChange)),
        id=graphene.ID(required=True),
        description="Every change made to a licence, oldest first.",
    )
    royalty_terms = graphene.Field(RoyaltyTerms, id=graphene.ID(required=True))
    product_approvals = connection_field(
        ProductApprovalCountableConnection, stage=graphene.Argument(ApprovalStageEnum)
    )
    product_approval = graphene.Field(ProductApproval, id=graphene.ID(required=True))

    @staticmethod
    def resolve_licensors(_root, info, **kwargs):
        queryset = selectors.licensors(access.readable(info))
        return _connection(LicensorCountableConnection, queryset, "licensors", "name", kwargs)

    @staticmethod
    def resolve_licensor(_root, info, id):
        return access.get_or_not_found(selectors.licensor, access.readable(info), id, "Licensor")

    @staticmethod
    def resolve_properties(_root, info, **kwargs):
        queryset = selectors.properties(access.readable(info))
        return _connection(PropertyCountableConnection, queryset, "properties", "name", kwargs)

    @staticmethod
    def resolve_property(_root, info, id):
        return access.get_or_not_found(selectors.property_, access.readable(info), id, "Property")

    @staticmethod
    def resolve_licences(_root, info, status=None, **kwargs):
        queryset = selectors.licences(access.readable(info))
        if status is not None:
            queryset = queryset.filter(status=getattr(status, "value", status))
        return _connection(LicenceCountableConnection, queryset, "licences", "reference", kwargs)

    @staticmethod
    def resolve_licence(_root, info, id):
        return access.get_or_not_found(selectors.licence, access.readable(info), id, "Licence")

    @staticmethod
    def resolve_licence_history(_root, info, id):
        current = access.readable(info)
        licence = access.get_or_not_found(selectors.licence, current, id, "Licence")
        return list(
            selectors.licence_changes(current).filter(licence=licence).select_related("changed_by")
        )

    @staticmethod
    def resolve_royalty_terms(_root, info, id):
        return access.get_or_not_found(selectors.terms, access.readable(info), id, "RoyaltyTerms")

    @staticmethod
    def resolve_product_approvals(_root, info, stage=None, **kwargs):
        queryset = selectors.approvals(access.readable(info))
        if stage is not None:
            queryset = queryset.filter(stage=getattr(stage, "value", stage))
        return _connection(
            ProductApprovalCountableConnection, queryset, "productApprovals", "submitted_at", kwargs
        )

    @staticmethod
    def resolve_product_approval(_root, info, id):
        return access.get_or_not_found(
            selectors.approval, access.readable(info), id, "ProductApproval"
        )


class LicensingMutations(graphene.ObjectType):
    licensor_create = LicensorCreate.Field()
    licensor_update = LicensorUpdate.Field()
    property_create = PropertyCreate.Field()
    licence_create = LicenceCreate.Field()
    licence_update = LicenceUpdate.Field()
    royalty_terms_create = RoyaltyTermsCreate.Field()
    product_approval_submit = ProductApprovalSubmit.Field()
    product_approval_approve = ProductApprovalApprove.Field()
    product_approval_reject = ProductApprovalReject.Field()
