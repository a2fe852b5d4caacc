import graphene

from ..checkout.complete import CheckoutComplete
from . import resolvers
from .types import Order


class OrdersQueries(graphene.ObjectType):
    order = graphene.Field(
        Order,
        id=graphene.ID(required=True),
        description="An order: the owner and staff see it all; a guest order shows "
        "personal data masked.",
    )
    order_by_token = graphene.Field(
        Order,
        token=graphene.UUID(required=True),
        deprecation_reason="Use `order(id:)` instead.",
        description="An order by its token; personal data masked unless owner or staff.",
    )

    @staticmethod
    def resolve_order(_root, info, id):
        return resolvers.resolve_order(info, id)

    @staticmethod
    def resolve_order_by_token(_root, info, token):
        return resolvers.resolve_order_by_token(info, token)


class OrdersMutations(graphene.ObjectType):
    checkout_complete = CheckoutComplete.Field(
        description="Turn a paid checkout into an order (idempotent per checkout)."
    )
