"""Loaders for the licence register: one statement per kind of row per request.

Objects only reach these loaders through scoped selectors, and every
relation below stays within one licensor, so loaders need no scope of their own.
"""

from __future__ import annotations

from marquee.films.models import Film
from marquee.licensing import models
from marquee.merch.models import Category, Channel, Product

from ..core.dataloaders import ByIdLoader, DataLoader, ManyByFieldLoader, group_by


class LicensorByIdLoader(ByIdLoader):
    model = models.Licensor


class LicenceByIdLoader(ByIdLoader):
    model = models.Licence


class ProductByIdLoader(ByIdLoader):
    model = Product


class _ThroughLoader(DataLoader):
    """Rows of a many-to-many relation, grouped by the owning object's id."""

    through = None
    owner = ""
    target = ""
    target_model = None

    def batch_load(self, keys):
        links = list(
            self.through.objects.filter(**{f"{self.owner}__in": set(keys)}).values_list(
                self.owner, self.target
            )
        )
        targets = self.target_model._default_manager.in_bulk({t for _, t in links})
        grouped = group_by(links, lambda link: link[0])
        return [
            sorted(
                (targets[t] for _, t in grouped.get(key, []) if t in targets),
                key=lambda obj: (str(obj), obj.pk),
            )
            for key in keys
        ]


class PropertiesByLicenceLoader(_ThroughLoader):
    through = models.Licence.properties.through
    owner, target, target_model = "licence_id", "property_id", models.Property


class ChannelsByLicenceLoader(_ThroughLoader):
    through = models.Licence.channels.through
    owner, target, target_model = "licence_id", "channel_id", Channel


class CategoriesByLicenceLoader(_ThroughLoader):
    through = models.Licence.categories.through
    owner, target, target_model = "licence_id", "category_id", Category


class FilmsByPropertyLoader(_ThroughLoader):
    through = models.Property.films.through
    owner, target, target_model = "property_id", "film_id", Film


class PropertiesByLicensorLoader(ManyByFieldLoader):
    model = models.Property
    field = "licensor_id"


class LicencesByLicensorLoader(ManyByFieldLoader):
    model = models.Licence
    field = "licensor_id"


class TermsByLicenceLoader(ManyByFieldLoader):
    model = models.RoyaltyTerms
    field = "licence_id"


class TiersByTermsLoader(ManyByFieldLoader):
    model = models.RoyaltyTier
    field = "terms_id"


class ChangesByLicenceLoader(ManyByFieldLoader):
    model = models.LicenceChange
    field = "licence_id"
    select_related = ("changed_by",)


class ApprovalsByLicenceLoader(ManyByFieldLoader):
    model = models.ProductApproval
    field = "licence_id"


class EventsByApprovalLoader(ManyByFieldLoader):
    model = models.ApprovalEvent
    field = "approval_id"
    select_related = ("actor",)
