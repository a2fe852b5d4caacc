"""Perks in the API: what a member can redeem, their codes, the lottery and the door check.

Only translation lives here: every rule (tiers, quotas, totals, codes, the
draw) is in `marquee.members.services`. Mutations answer with
`errors { field code message }` and a `PerkErrorCode`; a perk ID that is
malformed or names nothing is NOT_FOUND on `perk`.
"""

from __future__ import annotations

import graphene

from marquee.core.exceptions import DomainError
from marquee.members.models import Perk as PerkModel
from marquee.members.models import PerkKind, RedemptionStatus
from marquee.members.services import codes, lottery, perks

from ..core.auth import current_user, require_user, token_user
from ..core.errors import ErrorCode
from ..core.ids import decode_global_id, to_global_id
from ..core.mutations import BaseMutation, error_type, errors_field

PERK_ERROR_CODES = [
    "GRAPHQL_ERROR",
    "INVALID",
    "INVALID_ID",
    "NOT_FOUND",
    "PERMISSION_DENIED",
    "REQUIRED",
    "NOT_A_MEMBER",
    "WRONG_TIER",
    "EXPIRED",
    "QUOTA_EXCEEDED",
    "SOLD_OUT",
    "LOTTERY_ONLY",
    "NOT_A_LOTTERY",
    "LOTTERY_CLOSED",
    "LOTTERY_OPEN",
    "ALREADY_DRAWN",
    "INVALID_CODE",
    "ALREADY_USED",
    "JWT_SIGNATURE_EXPIRED",
    "JWT_INVALID_TOKEN",
    "JWT_DECODE_ERROR",
]

PerkErrorCode = graphene.Enum("PerkErrorCode", [(code, code) for code in PERK_ERROR_CODES])

PerkError = error_type(
    "PerkError",
    PerkErrorCode,
    {
        "used_at": graphene.DateTime(description="For ALREADY_USED: when the code was used."),
        "used_at_venue": graphene.String(description="For ALREADY_USED: where it was used."),
    },
)

PerkKindEnum = graphene.Enum.from_enum(PerkKind, description="What redeeming a perk gives.")
PerkRedemptionStatusEnum = graphene.Enum.from_enum(
    RedemptionStatus, description="Whether a redemption is still to be used."
)


class PerkRedemption(graphene.ObjectType):
    """One unit of a perk the member holds."""

    id = graphene.ID(required=True)
    status = graphene.Field(PerkRedemptionStatusEnum, required=True)
    code = graphene.String(
        description="The single-use signed code to show at the venue (passes and "
        "meet-and-greet places); null for other kinds."
    )
    qr_code_svg = graphene.String(description="The code as a QR code (an SVG document).")
    voucher_code = graphene.String(
        description="Discount codes: the single-use promo code to enter at checkout."
    )
    created_at = graphene.DateTime(required=True)
    consumed_at = graphene.DateTime()
    consumed_at_venue = graphene.String()

    @staticmethod
    def resolve_id(root, _info):
        return to_global_id("PerkRedemption", root.pk)

    @staticmethod
    def resolve_code(root, _info):
        return codes.code_for(root)

    @staticmethod
    def resolve_qr_code_svg(root, _info):
        code = codes.code_for(root)
        return codes.qr_svg(code) if code else None

    @staticmethod
    def resolve_voucher_code(root, _info):
        return root.voucher_code or None

    @staticmethod
    def resolve_consumed_at_venue(root, _info):
        return root.consumed_at_venue or None


class Perk(graphene.ObjectType):
    """A perk as the signed-in member sees it, with what is left and their own redemptions."""

    id = graphene.ID(required=True)
    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    description = graphene.String(required=True)
    kind = graphene.Field(PerkKindEnum, required=True)
    programme_slug = graphene.String(required=True)
    programme_name = graphene.String(required=True)
    tier_slug = graphene.String(required=True, description="The lowest tier that may have it.")
    tier_name = graphene.String(required=True)
    tier_min_units = graphene.Int(required=True)
    total_quantity = graphene.Int(required=True)
    remaining = graphene.Int(required=True, description="Units left for all members.")
    per_member_quota = graphene.Int(required=True)
    quota_left = graphene.Int(required=True, description="How many more the viewer may have.")
    expires_at = graphene.DateTime(required=True)
    venue = graphene.String()
    event_at = graphene.DateTime()
    entries_close_at = graphene.DateTime(description="Meet-and-greet: when lottery entries close.")
    lottery_ticket = graphene.String(description="Meet-and-greet: the viewer's lottery ticket.")
    redemptions = graphene.NonNull(graphene.List(graphene.NonNull(PerkRedemption)))

    @staticmethod
    def resolve_id(root, _info):
        return to_global_id("Perk", root.perk.pk)

    @staticmethod
    def resolve_programme_slug(root, _info):
        return root.perk.programme.slug

    @staticmethod
    def resolve_programme_name(root, _info):
        return root.perk.programme.name

    @staticmethod
    def resolve_tier_slug(root, _info):
        return root.perk.tier.slug

    @staticmethod
    def resolve_tier_name(root, _info):
        return root.perk.tier.name

    @staticmethod
    def resolve_tier_min_units(root, _info):
        return root.perk.tier.min_units

    @staticmethod
    def resolve_venue(root, _info):
        return root.perk.venue or None


def _perk_attribute(name):
    return staticmethod(lambda root, _info: getattr(root.perk, name))


for _name in (
    "slug",
    "name",
    "description",
    "kind",
    "total_quantity",
    "per_member_quota",
    "expires_at",
    "event_at",
    "entries_close_at",
):
    setattr(Perk, f"resolve_{_name}", _perk_attribute(_name))


def resolve_user_perks(user, info) -> list:
    """`User.perks`: the perks the user can see, shown to that user (and staff) only.

    A user reached another way (a checkout's owner, say) lists none: codes
    are the holder's to show.
    """
    viewer = token_user(info.context)
    if viewer is None or (viewer.pk != user.pk and not viewer.is_staff):
        return []
    return perks.perks_for_user(user)


class PerkLotteryEntry(graphene.ObjectType):
    ticket = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)


class PerkLottery(graphene.ObjectType):
    """A meet-and-greet lottery in public: tickets, seed and winners, never who holds a ticket.

    Anyone can recompute the winners: digest = SHA-256 of the sorted tickets
    joined by newlines; the winners are the `places` tickets with the smallest
    HMAC-SHA256(key=seed, msg=digest + ":" + ticket).
    """

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    places = graphene.Int(required=True)
    entries_close_at = graphene.DateTime(required=True)
    is_drawn = graphene.Boolean(required=True)
    algorithm = graphene.String()
    seed = graphene.String(description="Published once drawn.")
    entries_digest = graphene.String()
    entries = graphene.NonNull(graphene.List(graphene.NonNull(graphene.String)))
    winners = graphene.NonNull(graphene.List(graphene.NonNull(graphene.String)))
    drawn_at = graphene.DateTime()

    @staticmethod
    def resolve_slug(root, _info):
        return root.perk.slug

    @staticmethod
    def resolve_name(root, _info):
        return root.perk.name

    @staticmethod
    def resolve_places(root, _info):
        return root.perk.total_quantity

    @staticmethod
    def resolve_entries_close_at(root, _info):
        return root.perk.entries_close_at

    @staticmethod
    def resolve_is_drawn(root, _info):
        return root.draw is not None

    @staticmethod
    def resolve_algorithm(root, _info):
        return root.draw.algorithm if root.draw else lottery.ALGORITHM

    @staticmethod
    def resolve_seed(root, _info):
        return root.draw.seed if root.draw else None

    @staticmethod
    def resolve_entries_digest(root, _info):
        return root.draw.entries_digest if root.draw else lottery.entries_digest(root.entries)

    @staticmethod
    def resolve_entries(root, _info):
        return root.entries

    @staticmethod
    def resolve_winners(root, _info):
        return list(root.draw.winners) if root.draw else []

    @staticmethod
    def resolve_drawn_at(root, _info):
        return root.draw.drawn_at if root.draw else None


# --- mutations ---------------------------------------------------------------------------


def _perk(global_id: str) -> PerkModel:
    """The perk behind a global ID; anything else is NOT_FOUND on `perk`."""
    try:
        pk = decode_global_id(global_id, "Perk", "perk")
    except Exception:  # noqa: BLE001 - an undecodable ID is simply "not found"
        pk = None
    found = PerkModel.objects.select_related("tier", "voucher").filter(pk=pk).first()
    if pk is None or found is None:
        raise DomainError.single(
            ErrorCode.NOT_FOUND, f"Perk with id {global_id!r} does not exist.", "perk"
        )
    return found


def _member_perk(user, perk) -> perks.MemberPerk | None:
    return next((item for item in perks.perks_for_user(user) if item.perk.pk == perk.pk), None)


class PerkMutation(BaseMutation):
    class Meta:
        abstract = True

    error_type_class = PerkError


class PerkRedeem(PerkMutation):
    """Redeem one unit of a perk; the same idempotency key again returns the same redemption."""

    redemption = graphene.Field(PerkRedemption)
    perk = graphene.Field(Perk, description="The perk, with what is left after this.")
    errors = errors_field(PerkError)

    class Arguments:
        perk = graphene.ID(required=True)
        idempotency_key = graphene.String(
            required=True, description="Unique per redemption: a retry with it redeems nothing new."
        )

    @classmethod
    def perform(cls, _root, info, perk, idempotency_key):
        user = require_user(info)
        target = _perk(perk)
        redemption = perks.redeem(user, target, idempotency_key)
        return cls(redemption=redemption, perk=_member_perk(user, target))


class PerkCodeConsume(PerkMutation):
    """Venue staff check a perk code and use it up (once)."""

    redemption = graphene.Field(PerkRedemption)
    perk_name = graphene.String(description="What the code is for, to tell the holder.")
    errors = errors_field(PerkError)

    class Arguments:
        code = graphene.String(required=True)
        venue = graphene.String(required=True, description="Where the code is being used.")

    @classmethod
    def perform(cls, _root, info, code, venue):
        user = current_user(info)
        redemption = codes.consume(code, user, venue)
        return cls(redemption=redemption, perk_name=redemption.perk.name)


class PerkLotteryEnter(PerkMutation):
    """Enter a meet-and-greet lottery (once per membership; entering again returns the entry)."""

    entry = graphene.Field(PerkLotteryEntry)
    errors = errors_field(PerkError)

    class Arguments:
        perk = graphene.ID(required=True)

    @classmethod
    def perform(cls, _root, info, perk):
        user = require_user(info)
        return cls(entry=lottery.enter(user, _perk(perk)))


class PerkLotteryDraw(PerkMutation):
    """Staff draw a lottery whose entries have closed; winners get single-use codes."""

    lottery = graphene.Field(PerkLottery)
    errors = errors_field(PerkError)

    class Arguments:
        perk = graphene.ID(required=True)

    @classmethod
    def perform(cls, _root, info, perk):
        user = require_user(info)
        target = _perk(perk)
        lottery.draw(target, user)
        return cls(lottery=lottery.public_result(target.slug))


class PerkQueries(graphene.ObjectType):
    perk_lottery = graphene.Field(
        PerkLottery,
        slug=graphene.String(required=True),
        description="A meet-and-greet lottery's public entries and result; null for no such "
        "lottery.",
    )

    @staticmethod
    def resolve_perk_lottery(_root, _info, slug):
        return lottery.public_result(slug)


class PerkMutations(graphene.ObjectType):
    perk_redeem = PerkRedeem.Field()
    perk_code_consume = PerkCodeConsume.Field()
    perk_lottery_enter = PerkLotteryEnter.Field()
    perk_lottery_draw = PerkLotteryDraw.Field()
