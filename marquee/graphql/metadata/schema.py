"""`updateMetadata` / `deleteMetadata` for checkouts and orders, as Saleor's storefront uses."""

import binascii
import uuid

import graphene
from graphql_relay import from_global_id

from marquee.core.exceptions import DomainError
from marquee.merch import metadata as services
from marquee.merch.checkout.selectors import checkout_for
from marquee.merch.orders.selectors import order_for_change

from ..core.mutations import BaseMutation, error_type, errors_field
from .types import MetadataInput, ObjectWithMetadata


class MetadataErrorCode(graphene.Enum):
    GRAPHQL_ERROR = "GRAPHQL_ERROR"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    NOT_UPDATED = "NOT_UPDATED"


MetadataError = error_type("MetadataError", MetadataErrorCode)


def _owned_object(info, global_id):
    """The checkout or order behind an ID, if this caller may change it; else NOT_FOUND."""
    try:
        type_name, raw = from_global_id(str(global_id))
        key = uuid.UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        type_name, key = "", None
    user = info.context.user
    instance = None
    if type_name == "Checkout":
        instance = checkout_for(key, user)
    elif type_name == "Order":
        instance = order_for_change(key, user)
    if instance is None:
        raise DomainError.single(
            "NOT_FOUND", f"Couldn't find a checkout or order with id {global_id!r}.", field="id"
        )
    return instance


class UpdateMetadata(BaseMutation):
    class Arguments:
        id = graphene.ID(required=True)
        input = graphene.NonNull(graphene.List(graphene.NonNull(MetadataInput)))

    errors = errors_field(MetadataError)
    item = graphene.Field(ObjectWithMetadata)
    error_type_class = MetadataError

    @classmethod
    def perform(cls, _root, info, id, input):
        instance = _owned_object(info, id)
        items = [(entry["key"], entry["value"]) for entry in input]
        return cls(item=services.update_metadata(instance, items), errors=[])


class DeleteMetadata(BaseMutation):
    class Arguments:
        id = graphene.ID(required=True)
        keys = graphene.NonNull(graphene.List(graphene.NonNull(graphene.String)))

    errors = errors_field(MetadataError)
    item = graphene.Field(ObjectWithMetadata)
    error_type_class = MetadataError

    @classmethod
    def perform(cls, _root, info, id, keys):
        instance = _owned_object(info, id)
        return cls(item=services.delete_metadata(instance, list(keys)), errors=[])


class MetadataMutations(graphene.ObjectType):
    update_metadata = UpdateMetadata.Field()
    delete_metadata = DeleteMetadata.Field()
