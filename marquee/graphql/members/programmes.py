"""Backer programmes, subscriptions and memberships on the API.

Translation only: the rules (window, cap, total, who sees what, when a
subscription expires) are `marquee.members.services.backing`'s. A
subscription's global ID (``BackerSubscription:<pk>``) is what
transactionInitialize(id:) takes to pay it, as it takes a checkout's.
"""

from __future__ import annotations

import binascii

import graphene
from graphene import relay
from graphql_relay import from_global_id
from prices import Money as Amount

from marquee.core.exceptions import ErrorDetail
from marquee.members.models import ProgrammeStatus, SubscriptionStatus
from marquee.members.services import backing

from ..core.money import Money
from ..core.mutations import BaseMutation, error_type, errors_field
from ..core.pagination import SortKey, paginate
from ..core.types import CountableConnection, connection_field, connection_from_page
from ..films.types import Film

BACKER_ERROR_CODES = list(
    dict.fromkeys(["GRAPHQL_ERROR", "INVALID", *backing.SUBSCRIBE_CODES, *backing.CANCEL_CODES])
)
BackerErrorCode = graphene.Enum("BackerErrorCode", [(c, c) for c in BACKER_ERROR_CODES])
BackerError = error_type("BackerError", BackerErrorCode)

BackerProgrammeStatusEnum = graphene.Enum(
    "BackerProgrammeStatusEnum", [(s.name, s.value) for s in ProgrammeStatus]
)
BackerProgrammeStateEnum = graphene.Enum(
    "BackerProgrammeStateEnum",
    [
        ("UPCOMING", backing.ProgrammeState.UPCOMING),
        ("OPEN", backing.ProgrammeState.OPEN),
        ("SOLD_OUT", backing.ProgrammeState.SOLD_OUT),
        ("CLOSED", backing.ProgrammeState.CLOSED),
        ("CANCELLED", backing.ProgrammeState.CANCELLED),
    ],
)
BackerSubscriptionStatusEnum = graphene.Enum(
    "BackerSubscriptionStatusEnum", [(s.name, s.value) for s in SubscriptionStatus]
)


def _viewer(info):
    return getattr(info.context, "user", None)


def _value(choice) -> str:
    """A model choice as stored (a freshly created row still holds the enum member)."""
    return getattr(choice, "value", choice)


def _money(amount, currency) -> Amount:
    return Amount(amount, currency)


class BackerTier(graphene.ObjectType):
    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    min_units = graphene.Int(required=True, description="Paid units a member needs to reach it.")

    class Meta:
        interfaces = (relay.Node,)


class BackerProgramme(graphene.ObjectType):
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    description = graphene.String(required=True)
    film = graphene.Field(Film, required=True)
    unit_price = graphene.Field(Money, required=True)
    total_units = graphene.Int(required=True)
    units_left = graphene.Int(required=True, description="Units not yet committed to anyone.")
    per_member_cap = graphene.Int(required=True)
    opens_at = graphene.DateTime(required=True)
    closes_at = graphene.DateTime(required=True)
    payment_minutes = graphene.Int(
        required=True, description="Minutes a new subscription holds its units unpaid."
    )
    status = graphene.Field(BackerProgrammeStatusEnum, required=True)
    state = graphene.Field(
        BackerProgrammeStateEnum, required=True, description="Where the sale stands right now."
    )
    tiers = graphene.NonNull(graphene.List(graphene.NonNull(BackerTier)))
    expected_return_text = graphene.String(
        required=True,
        description="Display only: the operator's text. Marquee never computes, promises or "
        "pays an investment return.",
    )

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_unit_price(root, _info):
        return _money(root.unit_price, root.currency)

    @staticmethod
    def resolve_status(root, _info):
        return _value(root.status)

    @staticmethod
    def resolve_units_left(root, _info):
        return max(root.units_left, 0)

    @staticmethod
    def resolve_state(root, _info):
        return backing.programme_state(root)

    @staticmethod
    def resolve_tiers(root, _info):
        return list(root.tiers.all())


class BackerProgrammeCountableConnection(CountableConnection):
    class Meta:
        node = BackerProgramme


class BackerSubscription(graphene.ObjectType):
    programme = graphene.Field(BackerProgramme, required=True)
    units = graphene.Int(required=True)
    unit_price = graphene.Field(Money, required=True)
    amount = graphene.Field(Money, required=True, description="What to pay for it.")
    status = graphene.Field(BackerSubscriptionStatusEnum, required=True)
    created_at = graphene.DateTime(required=True)
    expires_at = graphene.DateTime(description="Unpaid after this, its units return.")
    paid_at = graphene.DateTime()
    ended_at = graphene.DateTime()

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_unit_price(root, _info):
        return _money(root.unit_price, root.currency)

    @staticmethod
    def resolve_amount(root, _info):
        return _money(root.amount, root.currency)

    @staticmethod
    def resolve_status(root, _info):
        return _value(root.status)


class Membership(graphene.ObjectType):
    programme = graphene.Field(BackerProgramme, required=True)
    units_held = graphene.Int(required=True, description="Paid units.")
    units_committed = graphene.Int(required=True, description="Paid and awaiting payment.")
    tier = graphene.Field(BackerTier)
    subscriptions = graphene.NonNull(graphene.List(graphene.NonNull(BackerSubscription)))

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_subscriptions(root, _info):
        return list(root.subscriptions.select_related("programme").order_by("pk"))


def resolve_user_memberships(_info, user) -> list:
    """User.memberships: the fan's own (the accounts type declares the field by path)."""
    return backing.memberships_of(user)


def _programme_ref(value: str) -> dict:
    """A programme named by slug or by global ID."""
    try:
        type_name, raw = from_global_id(value)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        type_name, raw = "", ""
    if type_name == "BackerProgramme" and raw.isdigit() and len(raw) <= 18:
        return {"pk": int(raw)}
    return {"slug": value}


def _subscription_pk(value: str):
    try:
        type_name, raw = from_global_id(value)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        return None
    return raw if type_name == "BackerSubscription" else None


class ProgrammeQueries(graphene.ObjectType):
    backer_programmes = connection_field(
        BackerProgrammeCountableConnection,
        film_slug=graphene.String(description="Only this film's programmes."),
        description="Backer programmes, soonest opening first.",
    )
    backer_programme = graphene.Field(BackerProgramme, slug=graphene.String(), id=graphene.ID())

    @staticmethod
    def resolve_backer_programmes(_root, info, film_slug=None, **kwargs):
        queryset = backing.visible_programmes(_viewer(info), film_slug=film_slug)
        page = paginate(
            queryset, connection="backerProgrammes", sort_keys=[SortKey("opens_at")], **kwargs
        )
        return connection_from_page(BackerProgrammeCountableConnection, page)

    @staticmethod
    def resolve_backer_programme(_root, info, slug=None, id=None):
        ref = _programme_ref(id) if id is not None else {"slug": slug}
        if id is not None and "pk" not in ref:
            return None
        return backing.programme_for(_viewer(info), **ref)


class BackerProgrammeSubscribe(BaseMutation):
    class Arguments:
        programme = graphene.String(required=True, description="The programme's slug or ID.")
        units = graphene.Int(required=True)
        idempotency_key = graphene.String(
            description="The same key (per member) returns the same subscription."
        )

    subscription = graphene.Field(
        BackerSubscription, description="Pay it with transactionInitialize(id: subscription.id)."
    )
    errors = errors_field(BackerError)
    error_type_class = BackerError

    @classmethod
    def perform(cls, root, info, programme, units, idempotency_key=None):
        viewer = _viewer(info)
        if viewer is None or not viewer.is_authenticated:
            return cls.failure([ErrorDetail("NOT_AUTHENTICATED", "Sign in to back a film.")])
        found = backing.programme_for(viewer, **_programme_ref(programme))
        if found is None:
            return cls.failure(
                [ErrorDetail("NOT_FOUND", f"No backer programme {programme!r}.", "programme")]
            )
        sub = backing.subscribe(viewer, found, units, idempotency_key=idempotency_key)
        return cls(subscription=sub, errors=[])


class BackerSubscriptionCancel(BaseMutation):
    """Runs its own transactions: a paid subscription's refund calls the provider."""

    owns_transactions = True

    class Arguments:
        id = graphene.ID(required=True)

    subscription = graphene.Field(BackerSubscription)
    errors = errors_field(BackerError)
    error_type_class = BackerError

    @classmethod
    def perform(cls, root, info, id):
        pk = _subscription_pk(id)
        if pk is None:
            return cls.failure([ErrorDetail("NOT_FOUND", f"No subscription with ID {id!r}.", "id")])
        sub = backing.cancel(_viewer(info), pk)
        return cls(subscription=sub, errors=[])


class ProgrammeMutations(graphene.ObjectType):
    backer_programme_subscribe = BackerProgrammeSubscribe.Field()
    backer_subscription_cancel = BackerSubscriptionCancel.Field()
