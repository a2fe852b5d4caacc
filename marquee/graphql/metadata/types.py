import graphene
from graphene.types.generic import GenericScalar


class MetadataItem(graphene.ObjectType):
    key = graphene.String(required=True)
    value = graphene.String(required=True)


class MetadataInput(graphene.InputObjectType):
    key = graphene.String(required=True)
    value = graphene.String(required=True)


class Metadata(GenericScalar):
    """Metadata as a key-to-value map."""


def _metadata(root) -> dict:
    return getattr(getattr(root, "node", root), "metadata", None) or {}


class ObjectWithMetadata(graphene.Interface):
    """Public metadata of an object (Marquee keeps no private metadata for clients)."""

    metadata = graphene.NonNull(graphene.List(graphene.NonNull(MetadataItem)))
    metafield = graphene.String(key=graphene.String(required=True))
    metafields = graphene.Field(Metadata, keys=graphene.List(graphene.NonNull(graphene.String)))

    @staticmethod
    def resolve_metadata(root, _info):
        return [MetadataItem(key=k, value=v) for k, v in sorted(_metadata(root).items())]

    @staticmethod
    def resolve_metafield(root, _info, key):
        return _metadata(root).get(key)

    @staticmethod
    def resolve_metafields(root, _info, keys=None):
        data = _metadata(root)
        return data if keys is None else {k: v for k, v in data.items() if k in keys}

    @classmethod
    def resolve_type(cls, instance, _info):
        from marquee.merch.models import Checkout, Order

        from ..checkout.types import Checkout as CheckoutType
        from ..orders.types import Order as OrderType

        return {Checkout: CheckoutType, Order: OrderType}.get(type(instance))
