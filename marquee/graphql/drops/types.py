"""Drops in the API: the countdown, the state and what is left (translation only).

Every rule is in `marquee.merch.drops`; the state is `drops.state` fed with
the remaining units from a DataLoader, so a product list with drops costs
the same statements whatever its size.
"""

from __future__ import annotations

import graphene
from django.utils import timezone
from graphene import relay

from marquee.core import admission
from marquee.merch.drops import states as drop_state

from ..core.dataloaders import then
from ..core.types import CountableConnection
from ..merch import dataloaders as merch_loaders
from ..merch.types.context import ChannelContext
from . import dataloaders as loaders

DropState = graphene.Enum("DropState", [(name, name) for name in drop_state.STATES])
DropTicketState = graphene.Enum(
    "DropTicketState",
    [(name, name) for name in (admission.WAITING, admission.ADMITTED, admission.SOLD_OUT)],
)


class DropTicket(graphene.ObjectType):
    """A place in a drop's waiting room: poll `dropTicket` until ADMITTED (or SOLD_OUT)."""

    token = graphene.String(required=True, description="Give it to dropReserve as `ticket`.")
    position = graphene.Int(required=True, description="Tickets still ahead, counting this one.")
    state = graphene.Field(DropTicketState, required=True)
    retry_after = graphene.Float(description="Seconds to wait before asking again (WAITING).")


class Drop(graphene.ObjectType):
    """A limited drop: a product's variants on sale in one channel from one moment."""

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    starts_at = graphene.DateTime(required=True)
    ends_at = graphene.DateTime()
    early_access_starts_at = graphene.DateTime(
        description="From then until startsAt only members of the film's programmes may buy."
    )
    state = graphene.Field(DropState, required=True)
    remaining = graphene.Int(required=True, description="Units left to reserve.")
    per_customer_limit = graphene.Int()
    waiting_room = graphene.Boolean(
        required=True, description="Buyers join a waiting room first (dropJoin)."
    )
    product = graphene.Field("marquee.graphql.merch.types.products.Product")
    variants = graphene.NonNull(
        graphene.List(graphene.NonNull("marquee.graphql.merch.types.products.ProductVariant"))
    )

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_remaining(root, info):
        return loaders.RemainingByDropLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_state(root, info):
        now = timezone.now()
        timed = drop_state.timed_state(root, now)
        if timed not in (drop_state.LIVE, drop_state.EARLY_ACCESS):
            return timed
        if admission.is_sold_out(root.room):
            return drop_state.SOLD_OUT
        return then(
            loaders.RemainingByDropLoader(info.context).load(root.pk),
            lambda left: drop_state.state(root, now, left=left),
        )

    @staticmethod
    def resolve_waiting_room(root, _info):
        return root.admission_rate is not None

    @staticmethod
    def resolve_product(root, info):
        return then(
            merch_loaders.ProductByIdLoader(info.context).load(root.product_id),
            lambda product: ChannelContext(product, root.channel) if product else None,
        )

    @staticmethod
    def resolve_variants(root, info):
        return then(
            loaders.DropVariantsByDropLoader(info.context).load(root.pk),
            lambda rows: [ChannelContext(row.variant, root.channel) for row in rows],
        )


class DropCountableConnection(CountableConnection):
    class Meta:
        node = Drop


def product_drop(product_context, info):
    """`Product.drop`: the product's current or next drop in the product's channel."""
    channel = product_context.channel
    if channel is None:
        return None
    return loaders.DropByProductChannelLoader(info.context).load(
        (product_context.node.pk, channel.pk)
    )
