"""Licensing mutations: thin wrappers that check who is asking, then call a service.

Staff manage licensors, properties, licences, royalty terms and submit
products for approval; a licensor's users approve or reject their own
licensor's products. Anyone else gets PERMISSION_DENIED; another
licensor's object gets NOT_FOUND, exactly like an ID that does not exist.
"""

from __future__ import annotations

import graphene

from marquee.core.exceptions import DomainError
from marquee.films.models import Film
from marquee.licensing import selectors, services
from marquee.licensing.models import Property as PropertyModel
from marquee.licensing.validation import TierSpec
from marquee.merch.models import Category, Channel, Product

from ..core.ids import decode_global_id, to_global_id
from ..core.mutations import BaseMutation, errors_field
from . import access
from .errors import LicensingError
from .types import (
    ExchangeRateDateEnum,
    Licence,
    LicenceStatusEnum,
    Licensor,
    ProductApproval,
    Property,
    PropertyKindEnum,
    RoyaltyBaseEnum,
    RoyaltyTerms,
    TierBasisEnum,
)


def _value(enum_value):
    return getattr(enum_value, "value", enum_value)


def _objects(model, type_name: str, global_ids, field: str) -> list:
    """Model rows for global IDs, all of them or a NOT_FOUND naming the first missing."""
    if global_ids is None:
        return None
    pks = [decode_global_id(gid, type_name, field) for gid in global_ids]
    found = model._default_manager.in_bulk(pks)
    for gid, pk in zip(global_ids, pks, strict=True):
        if pk not in found:
            raise DomainError.single(
                "NOT_FOUND", f"{type_name} with id {gid!r} does not exist.", field
            )
    return [found[pk] for pk in dict.fromkeys(pks)]


class LicensingMutation(BaseMutation):
    class Meta:
        abstract = True

    error_type_class = LicensingError

    @classmethod
    def failure(cls, details):
        for detail in details:
            if isinstance(detail.extra.get("licence"), int):
                detail.extra["licence"] = to_global_id("Licence", detail.extra["licence"])
        return super().failure(details)


# --- licensors and properties -------------------------------------------------------------


class LicensorInput(graphene.InputObjectType):
    name = graphene.String()
    slug = graphene.String()
    legal_name = graphene.String()
    country = graphene.String()
    contact_name = graphene.String()
    contact_email = graphene.String()
    contact_phone = graphene.String()
    payee_name = graphene.String()
    payee_bank = graphene.String()
    payee_account = graphene.String()
    statement_currency = graphene.String()
    withholding_tax_rate = graphene.Decimal()


class LicensorCreate(LicensingMutation):
    licensor = graphene.Field(Licensor)
    errors = errors_field(LicensingError)

    class Arguments:
        input = LicensorInput(required=True)

    @classmethod
    def perform(cls, _root, info, input):
        access.staff(info)
        data = {k: v for k, v in dict(input).items() if v is not None}
        return cls(licensor=services.create_licensor(**data))


class LicensorUpdate(LicensingMutation):
    licensor = graphene.Field(Licensor)
    errors = errors_field(LicensingError)

    class Arguments:
        id = graphene.ID(required=True)
        input = LicensorInput(required=True)

    @classmethod
    def perform(cls, _root, info, id, input):
        current = access.staff(info)
        licensor = access.mutation_target(selectors.licensor, current, id, "Licensor")
        return cls(licensor=services.update_licensor(licensor, **dict(input)))


class PropertyInput(graphene.InputObjectType):
    licensor = graphene.ID(required=True)
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    kind = PropertyKindEnum(default_value="film")
    films = graphene.List(graphene.NonNull(graphene.ID))


class PropertyCreate(LicensingMutation):
    property = graphene.Field(Property)
    errors = errors_field(LicensingError)

    class Arguments:
        input = PropertyInput(required=True)

    @classmethod
    def perform(cls, _root, info, input):
        current = access.staff(info)
        licensor = access.mutation_target(
            selectors.licensor, current, input.licensor, "Licensor", "licensor"
        )
        films = _objects(Film, "Film", input.films or [], "films")
        prop = services.create_property(
            licensor=licensor,
            name=input.name,
            slug=input.slug,
            kind=_value(input.kind),
            films=films,
        )
        return cls(property=prop)


# --- licences ----------------------------------------------------------------------------


class LicenceInput(graphene.InputObjectType):
    reference = graphene.String()
    name = graphene.String()
    licensor = graphene.ID(description="Only on create: a licence never changes licensor.")
    properties = graphene.List(graphene.NonNull(graphene.ID))
    territories = graphene.List(graphene.NonNull(graphene.String), description="ISO country codes.")
    channels = graphene.List(graphene.NonNull(graphene.ID))
    categories = graphene.List(graphene.NonNull(graphene.ID))
    term_start = graphene.Date()
    term_end = graphene.Date()
    sell_off_days = graphene.Int()
    exclusive = graphene.Boolean()
    status = LicenceStatusEnum()


def _licence_fields(input) -> dict:
    return {
        "reference": input.reference,
        "name": input.name,
        "properties": _objects(PropertyModel, "Property", input.properties, "properties"),
        "territories": input.territories,
        "channels": _objects(Channel, "Channel", input.channels, "channels"),
        "categories": _objects(Category, "Category", input.categories, "categories"),
        "term_start": input.term_start,
        "term_end": input.term_end,
        "sell_off_days": input.sell_off_days,
        "exclusive": input.exclusive,
        "status": _value(input.status) if input.status is not None else None,
    }


class LicenceCreate(LicensingMutation):
    licence = graphene.Field(Licence)
    errors = errors_field(LicensingError)

    class Arguments:
        input = LicenceInput(required=True)

    @classmethod
    def perform(cls, _root, info, input):
        current = access.staff(info)
        licensor = (
            access.mutation_target(
                selectors.licensor, current, input.licensor, "Licensor", "licensor"
            )
            if input.licensor
            else None
        )
        fields = {k: v for k, v in _licence_fields(input).items() if v is not None}
        data = services.LicenceData(
            licensor=licensor,
            reference=fields.pop("reference", ""),
            term_start=fields.pop("term_start", None),
            term_end=fields.pop("term_end", None),
            territories=fields.pop("territories", []),
            **fields,
        )
        return cls(licence=services.create_licence(data, actor=info.context.user))


class LicenceUpdate(LicensingMutation):
    licence = graphene.Field(Licence)
    errors = errors_field(LicensingError)

    class Arguments:
        id = graphene.ID(required=True)
        input = LicenceInput(required=True)

    @classmethod
    def perform(cls, _root, info, id, input):
        current = access.staff(info)
        licence = access.mutation_target(selectors.licence, current, id, "Licence")
        # Any licensor given is refused by the service: a licence never changes licensor.
        changes = {**_licence_fields(input), "licensor": input.licensor}
        return cls(licence=services.update_licence(licence, changes, actor=info.context.user))


# --- royalty terms -----------------------------------------------------------------------


class RoyaltyTierInput(graphene.InputObjectType):
    lower_bound = graphene.Decimal(required=True)
    upper_bound = graphene.Decimal()
    rate_percent = graphene.Decimal(required=True)


class RoyaltyTermsInput(graphene.InputObjectType):
    effective_from = graphene.Date(required=True)
    rate_percent = graphene.Decimal(required=True)
    currency = graphene.String(required=True)
    per_unit_amount = graphene.Decimal()
    per_unit_minimum = graphene.Decimal()
    base = RoyaltyBaseEnum()
    tier_basis = TierBasisEnum()
    tiers = graphene.List(graphene.NonNull(RoyaltyTierInput))
    advance_amount = graphene.Decimal()
    advance_recoupable = graphene.Boolean()
    minimum_guarantee = graphene.Decimal()
    exchange_rate_source = graphene.String()
    exchange_rate_date = ExchangeRateDateEnum()


class RoyaltyTermsCreate(LicensingMutation):
    """A new version of a licence's royalty terms (earlier versions stay as they were)."""

    royalty_terms = graphene.Field(RoyaltyTerms)
    errors = errors_field(LicensingError)

    class Arguments:
        licence = graphene.ID(required=True)
        input = RoyaltyTermsInput(required=True)

    @classmethod
    def perform(cls, _root, info, licence, input):
        current = access.staff(info)
        target = access.mutation_target(selectors.licence, current, licence, "Licence", "licence")
        values = {k: _value(v) for k, v in dict(input).items() if v is not None and k != "tiers"}
        tiers = [
            TierSpec(t.lower_bound, t.upper_bound, t.rate_percent) for t in (input.tiers or [])
        ]
        data = services.TermsData(tiers=tiers, **values)
        terms = services.add_royalty_terms(target, data, actor=info.context.user)
        return cls(royalty_terms=terms)


# --- approvals ---------------------------------------------------------------------------


class ProductLicenceInput(graphene.InputObjectType):
    licence = graphene.ID(required=True)
    share_percent = graphene.Decimal(required=True, description="Shares must add up to 100.")


class ProductApprovalSubmit(LicensingMutation):
    """Declare the licences a product uses (with shares) and start their approval."""

    # Null when the submission fails: the reason is in `errors`.
    approvals = graphene.List(graphene.NonNull(ProductApproval))
    errors = errors_field(LicensingError)

    class Arguments:
        product = graphene.ID(required=True)
        licences = graphene.List(graphene.NonNull(ProductLicenceInput), required=True)
        comment = graphene.String()

    @classmethod
    def perform(cls, _root, info, product, licences, comment=""):
        current = access.staff(info)
        (target,) = _objects(Product, "Product", [product], "product")
        declarations = [
            (
                access.mutation_target(
                    selectors.licence, current, item.licence, "Licence", "licences"
                ),
                item.share_percent,
            )
            for item in licences
        ]
        approvals = services.submit_product(
            target, declarations, actor=info.context.user, comment=comment or ""
        )
        return cls(approvals=approvals)


class ProductApprovalApprove(LicensingMutation):
    """The licensor passes the product to its next stage (the last one is `approved`)."""

    approval = graphene.Field(ProductApproval)
    errors = errors_field(LicensingError)

    class Arguments:
        id = graphene.ID(required=True)
        comment = graphene.String()

    @classmethod
    def perform(cls, _root, info, id, comment=""):
        current = access.licensor_user(info)
        approval = access.mutation_target(selectors.approval, current, id, "ProductApproval")
        approval = services.approve_stage(
            approval, current.licensor_id, actor=info.context.user, comment=comment or ""
        )
        return cls(approval=approval)


class ProductApprovalReject(LicensingMutation):
    approval = graphene.Field(ProductApproval)
    errors = errors_field(LicensingError)

    class Arguments:
        id = graphene.ID(required=True)
        comment = graphene.String(required=True)

    @classmethod
    def perform(cls, _root, info, id, comment):
        current = access.licensor_user(info)
        approval = access.mutation_target(selectors.approval, current, id, "ProductApproval")
        approval = services.reject(approval, current.licensor_id, comment, actor=info.context.user)
        return cls(approval=approval)
