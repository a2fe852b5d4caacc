"""API types of the licence register.

Objects reach these types only through the scoped selectors (see
`access.py`), and every relation below stays inside one licensor, so a
nested field can never lead a licensor's user to another licensor's data.
Amounts and percentages are `Decimal`s, serialised as strings.
"""

from __future__ import annotations

import graphene
from django_countries import countries
from graphene import relay

from marquee.licensing import models

from ..core.dataloaders import then
from ..core.ids import to_global_id
from ..core.types import CountableConnection, CountryDisplay
from ..films.types import Film
from ..merch.types.categories import Category
from ..merch.types.channel import Channel
from . import dataloaders as loaders

LicenceStatusEnum = graphene.Enum.from_enum(models.LicenceStatus, description="A licence's state.")
ApprovalStageEnum = graphene.Enum.from_enum(models.ApprovalStage)
PropertyKindEnum = graphene.Enum.from_enum(models.PropertyKind)
RoyaltyBaseEnum = graphene.Enum.from_enum(models.RoyaltyBase)
TierBasisEnum = graphene.Enum.from_enum(models.TierBasis)
ExchangeRateDateEnum = graphene.Enum.from_enum(models.ExchangeRateDate)


class Licensor(graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    legal_name = graphene.String()
    country = graphene.String()
    contact_name = graphene.String()
    contact_email = graphene.String()
    contact_phone = graphene.String()
    payee_name = graphene.String()
    payee_bank = graphene.String()
    payee_account = graphene.String()
    statement_currency = graphene.String(required=True)
    withholding_tax_rate = graphene.Decimal(required=True, description="Percent, 0–100.")
    properties = graphene.NonNull(graphene.List(graphene.NonNull(lambda: Property)))
    licences = graphene.NonNull(graphene.List(graphene.NonNull(lambda: Licence)))

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_properties(root, info):
        return loaders.PropertiesByLicensorLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_licences(root, info):
        return loaders.LicencesByLicensorLoader(info.context).load(root.pk)


class Property(graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    kind = graphene.Field(PropertyKindEnum, required=True)
    licensor = graphene.Field(Licensor, required=True)
    films = graphene.NonNull(graphene.List(graphene.NonNull(Film)))

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_licensor(root, info):
        return loaders.LicensorByIdLoader(info.context).load(root.licensor_id)

    @staticmethod
    def resolve_films(root, info):
        return loaders.FilmsByPropertyLoader(info.context).load(root.pk)


class LicenceChange(graphene.ObjectType):
    field = graphene.String(required=True)
    old_value = graphene.String(required=True)
    new_value = graphene.String(required=True)
    changed_at = graphene.DateTime(required=True)
    changed_by = graphene.String(description="Email of who made the change; null for the system.")

    @staticmethod
    def resolve_changed_by(root, _info):
        return root.changed_by.email if root.changed_by_id else None


class RoyaltyTier(graphene.ObjectType):
    lower_bound = graphene.Decimal(required=True)
    upper_bound = graphene.Decimal(description="Exclusive; null for the open-ended last tier.")
    rate_percent = graphene.Decimal(required=True)


class RoyaltyTerms(graphene.ObjectType):
    effective_from = graphene.Date(required=True)
    rate_percent = graphene.Decimal(required=True)
    per_unit_amount = graphene.Decimal(required=True)
    per_unit_minimum = graphene.Decimal()
    base = graphene.Field(RoyaltyBaseEnum, required=True)
    tier_basis = graphene.Field(TierBasisEnum, required=True)
    tiers = graphene.NonNull(graphene.List(graphene.NonNull(RoyaltyTier)))
    advance_amount = graphene.Decimal(required=True)
    advance_recoupable = graphene.Boolean(required=True)
    minimum_guarantee = graphene.Decimal(required=True, description="Per contract year.")
    currency = graphene.String(required=True)
    exchange_rate_source = graphene.String()
    exchange_rate_date = graphene.Field(ExchangeRateDateEnum, required=True)
    licence = graphene.Field(lambda: Licence, required=True)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_tiers(root, info):
        return loaders.TiersByTermsLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_licence(root, info):
        return loaders.LicenceByIdLoader(info.context).load(root.licence_id)


class Licence(graphene.ObjectType):
    reference = graphene.String(required=True)
    name = graphene.String()
    licensor = graphene.Field(Licensor, required=True)
    properties = graphene.NonNull(graphene.List(graphene.NonNull(Property)))
    territories = graphene.NonNull(graphene.List(graphene.NonNull(CountryDisplay)))
    channels = graphene.NonNull(graphene.List(graphene.NonNull(Channel)))
    categories = graphene.NonNull(
        graphene.List(graphene.NonNull(Category)),
        description="Covered categories; each covers its subcategories too.",
    )
    term_start = graphene.Date(required=True)
    term_end = graphene.Date(required=True)
    sell_off_days = graphene.Int(required=True)
    sell_off_until = graphene.Date(required=True, description="term_end + sell_off_days.")
    exclusive = graphene.Boolean(required=True)
    status = graphene.Field(LicenceStatusEnum, required=True)
    royalty_terms = graphene.NonNull(graphene.List(graphene.NonNull(RoyaltyTerms)))
    history = graphene.NonNull(graphene.List(graphene.NonNull(LicenceChange)))
    approvals = graphene.NonNull(graphene.List(graphene.NonNull(lambda: ProductApproval)))

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_licensor(root, info):
        return loaders.LicensorByIdLoader(info.context).load(root.licensor_id)

    @staticmethod
    def resolve_properties(root, info):
        return loaders.PropertiesByLicenceLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_territories(root, _info):
        return [
            CountryDisplay(code=code, country=countries.name(code)) for code in root.territories
        ]

    @staticmethod
    def resolve_channels(root, info):
        return loaders.ChannelsByLicenceLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_categories(root, info):
        return loaders.CategoriesByLicenceLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_royalty_terms(root, info):
        return loaders.TermsByLicenceLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_history(root, info):
        return loaders.ChangesByLicenceLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_approvals(root, info):
        return loaders.ApprovalsByLicenceLoader(info.context).load(root.pk)


class ApprovalEvent(graphene.ObjectType):
    stage = graphene.Field(ApprovalStageEnum, required=True)
    comment = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    actor = graphene.String(description="Email of who acted.")

    @staticmethod
    def resolve_actor(root, _info):
        return root.actor.email if root.actor_id else None


class ProductApproval(graphene.ObjectType):
    product_id = graphene.ID(required=True, description="The product's global ID.")
    product_name = graphene.String(required=True)
    licence = graphene.Field(Licence, required=True)
    share_percent = graphene.Decimal(required=True)
    stage = graphene.Field(ApprovalStageEnum, required=True)
    submitted_at = graphene.DateTime(required=True)
    events = graphene.NonNull(graphene.List(graphene.NonNull(ApprovalEvent)))

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_product_id(root, _info):
        return to_global_id("Product", root.product_id)

    @staticmethod
    def resolve_product_name(root, info):
        return then(
            loaders.ProductByIdLoader(info.context).load(root.product_id),
            lambda product: product.name,
        )

    @staticmethod
    def resolve_licence(root, info):
        return loaders.LicenceByIdLoader(info.context).load(root.licence_id)

    @staticmethod
    def resolve_events(root, info):
        return loaders.EventsByApprovalLoader(info.context).load(root.pk)


class LicensorCountableConnection(CountableConnection):
    class Meta:
        node = Licensor


class PropertyCountableConnection(CountableConnection):
    class Meta:
        node = Property


class LicenceCountableConnection(CountableConnection):
    class Meta:
        node = Licence


class ProductApprovalCountableConnection(CountableConnection):
    class Meta:
        node = ProductApproval
