"""Drops in the API: `drop`, `drops`, `dropTicket`, `dropJoin`, `dropReserve`.

Translation only: arguments become domain values and `merch.drops.services`
decides. A malformed or unknown ID is NOT_FOUND on its field; every
mutation answers `errors { field code message }` with a `DropErrorCode`.
"""

from __future__ import annotations

import binascii

import graphene
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from graphql_relay import from_global_id

from marquee.accounts.throttling import client_ip
from marquee.core.exceptions import DomainError
from marquee.merch import extensions
from marquee.merch.drops import selectors, services
from marquee.merch.models import Channel, Drop, Product

from ..checkout.ids import parse_uuid_id
from ..core.mutations import BaseMutation, error_type, errors_field
from ..core.pagination import SortKey, paginate
from ..core.types import connection_field, connection_from_page
from .types import Drop as DropType
from .types import DropCountableConnection, DropTicket

DROP_ERROR_CODES = list(
    dict.fromkeys(
        [
            *services.RESERVE_CODES,
            "IDEMPOTENCY_KEY_REUSED",
            "UNAVAILABLE",
            "GRAPHQL_ERROR",
        ]
    )
)

DropErrorCode = graphene.Enum("DropErrorCode", [(code, code) for code in DROP_ERROR_CODES])

DropError = error_type(
    "DropError",
    DropErrorCode,
    {
        "position": graphene.Int(description="NOT_ADMITTED: tickets still ahead of yours."),
        "retry_after": graphene.Float(
            description="NOT_ADMITTED, RATE_LIMITED: seconds to wait before trying again."
        ),
        "limit": graphene.Int(description="LIMIT_EXCEEDED: units allowed per customer."),
    },
)


def _pk(global_id, expected_type: str, field: str) -> int:
    try:
        type_name, raw = from_global_id(str(global_id))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        type_name, raw = "", ""
    if type_name != expected_type or not raw.isdigit() or len(raw) > 18:
        raise DomainError.single("NOT_FOUND", f"No such {expected_type.lower()}.", field)
    return int(raw)


def _user(info):
    user = getattr(info.context, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _visible(drops, channel, now):
    """Drops whose product passes the channel's catalogue filters (the licence gate)."""
    products = extensions.apply_catalogue_filters(
        Product.objects.filter(pk=OuterRef("product_id")), channel, now
    )
    return Q(channel_id=channel.pk) & Q(Exists(products))


def visible_drops(channel_slug=None):
    now = timezone.now()
    channels = Channel.objects.filter(is_active=True)
    if channel_slug is not None:
        channels = channels.filter(slug=channel_slug)
    condition = Q(pk__in=[])
    for channel in channels:
        condition |= _visible(None, channel, now)
    return selectors.current_and_upcoming(now=now).filter(condition).select_related("channel")


class DropQueries(graphene.ObjectType):
    drop = graphene.Field(DropType, id=graphene.ID(), slug=graphene.String())
    drops = connection_field(
        DropCountableConnection,
        channel=graphene.String(description="Only this channel's drops."),
        description="Drops that have not ended, soonest first.",
    )
    drop_ticket = graphene.Field(
        DropTicket, drop=graphene.ID(required=True), token=graphene.String(required=True)
    )

    @staticmethod
    def resolve_drop(_root, _info, id=None, slug=None):
        if id is None and slug is None:
            return None
        drops = Drop.objects.select_related("channel")
        if id is not None:
            try:
                drops = drops.filter(pk=_pk(id, "Drop", "id"))
            except DomainError:
                return None
        if slug is not None:
            drops = drops.filter(slug=slug)
        drop = drops.first()
        if drop is None or not drop.channel.is_active:
            return None
        visible = Drop.objects.filter(_visible(None, drop.channel, timezone.now()), pk=drop.pk)
        return drop if visible.exists() else None

    @staticmethod
    def resolve_drops(_root, _info, channel=None, **kwargs):
        page = paginate(
            visible_drops(channel),
            connection="drops",
            sort_keys=[SortKey("starts_at")],
            **kwargs,
        )
        return connection_from_page(DropCountableConnection, page)

    @staticmethod
    def resolve_drop_ticket(_root, _info, drop, token):
        try:
            return services.ticket_status(_pk(drop, "Drop", "drop"), token)
        except DomainError:
            return None


class DropJoin(BaseMutation):
    """Join a drop's waiting room; poll `dropTicket` with the token until ADMITTED."""

    class Arguments:
        drop = graphene.ID(required=True)

    ticket = graphene.Field(DropTicket)
    errors = errors_field(DropError)
    error_type_class = DropError
    default_error_code = "GRAPHQL_ERROR"
    owns_transactions = True

    @classmethod
    def perform(cls, root, info, drop):
        drop_id = _pk(drop, "Drop", "drop")
        ticket = services.join(drop_id, client_ip=client_ip(info.context), user=_user(info))
        return cls(ticket=ticket, errors=[])


class DropReserve(BaseMutation):
    """Reserve units of a drop variant; creates the checkout in the drop's channel if needed."""

    class Arguments:
        drop = graphene.ID(required=True)
        variant_id = graphene.ID(required=True)
        quantity = graphene.Int(default_value=1)
        checkout_id = graphene.ID(description="Add to this checkout instead of a new one.")
        email = graphene.String(description="The buyer's email, for a new checkout.")
        ticket = graphene.String(description="The waiting-room ticket (dropJoin), when needed.")
        idempotency_key = graphene.String(
            description="A retry of the same checkout and variant never reserves twice."
        )

    checkout = graphene.Field("marquee.graphql.checkout.types.Checkout")
    reservation_expires = graphene.DateTime()
    errors = errors_field(DropError)
    error_type_class = DropError
    default_error_code = "GRAPHQL_ERROR"
    owns_transactions = True

    @classmethod
    def perform(
        cls,
        root,
        info,
        drop,
        variant_id,
        quantity=1,
        checkout_id=None,
        email=None,
        ticket=None,
        idempotency_key=None,
    ):
        drop_id = _pk(drop, "Drop", "drop")
        variant_pk = _pk(variant_id, "ProductVariant", "variant_id")
        token = None
        if checkout_id is not None:
            token = parse_uuid_id(checkout_id, "Checkout")
            if token is None:
                raise DomainError.single("NOT_FOUND", "No such checkout.", "checkout_id")
        if quantity is None:
            quantity = 1
        result = services.reserve(
            drop_id,
            variant_pk,
            quantity,
            checkout_token=token,
            user=_user(info),
            email=email,
            ticket=ticket,
            client_ip=client_ip(info.context),
        )
        checkout = result.checkout
        checkout.invalidated_delivery = None
        return cls(checkout=checkout, reservation_expires=result.expires_at, errors=[])


class DropMutations(graphene.ObjectType):
    drop_join = DropJoin.Field()
    drop_reserve = DropReserve.Field()
