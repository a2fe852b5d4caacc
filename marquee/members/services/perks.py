"""Redeeming perks: who may, how many, and what a redemption hands out.

Two limits hold under any concurrency:

- the per-member quota: the member's membership row is locked for the
  transaction, so one member's parallel requests run one after another and
  each counts the redemptions the previous ones wrote;
- the total: one conditional ``UPDATE perk SET redeemed = redeemed + 1
  WHERE redeemed < total_quantity``; the check constraint on the row
  backs it up.

Locks are always taken membership first, perk second, so redemptions never
deadlock. The member's idempotency key makes a retried request return the
redemption it already made instead of spending another unit.

What a redemption is depends on the perk's kind: a single-use signed code
(screening pass), a single-use voucher cloned from the perk's voucher
(discount code), the right to buy a member-only variant (limited edition).
Meet-and-greet places are won in the lottery (`services.lottery`), never
redeemed directly.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.merch.models import Voucher, VoucherChannelListing

from .. import selectors
from ..models import LotteryEntry, Membership, Perk, PerkKind, PerkRedemption, RedemptionStatus
from .codes import new_nonce

NOT_A_MEMBER = "NOT_A_MEMBER"
WRONG_TIER = "WRONG_TIER"
EXPIRED = "EXPIRED"
QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
SOLD_OUT = "SOLD_OUT"
LOTTERY_ONLY = "LOTTERY_ONLY"
INVALID = "INVALID"
REQUIRED = "REQUIRED"

_MAX_KEY_LENGTH = 255
# Redemptions that hold a unit of the perk (and count against the quota).
HOLDING = (RedemptionStatus.ISSUED, RedemptionStatus.CONSUMED)


def membership_of(user, perk: Perk, *, lock: bool = False) -> Membership:
    """The user's paid membership of the perk's programme (locked if asked), or NOT_A_MEMBER."""
    memberships = Membership.objects.select_for_update() if lock else Membership.objects
    membership = memberships.filter(
        user_id=getattr(user, "pk", None),
        programme_id=perk.programme_id,
        units_held__gt=0,
        tier__isnull=False,
    ).first()
    if membership is None:
        raise DomainError.single(
            NOT_A_MEMBER, "Only members of this film's backer programme can have this perk.", "perk"
        )
    return membership


def locked_membership(user, perk: Perk) -> Membership:
    """As `membership_of`, with the row locked until the transaction ends."""
    return membership_of(user, perk, lock=True)


def check_tier(user, perk: Perk) -> None:
    """The member's tier reaches the perk's (tiers are cumulative), or WRONG_TIER."""
    if perk.tier_id not in selectors.tier_ids_for_user(user):
        raise DomainError.single(
            WRONG_TIER, f"This perk is for {perk.tier.name} members and above.", "perk"
        )


def check_not_expired(perk: Perk, now) -> None:
    if perk.expires_at <= now:
        raise DomainError.single(
            EXPIRED, f"This perk expired on {perk.expires_at:%Y-%m-%d %H:%M} UTC.", "perk"
        )


def _clean_key(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key:
        raise DomainError.single(
            REQUIRED, "Send an idempotency key, unique per redemption.", "idempotency_key"
        )
    if len(key) > _MAX_KEY_LENGTH:
        raise DomainError.single(
            INVALID,
            f"The idempotency key is longer than {_MAX_KEY_LENGTH} characters.",
            "idempotency_key",
        )
    return key


def take_unit(perk: Perk, count: int = 1) -> bool:
    """Count ``count`` units of the perk as held, if that many are left (one UPDATE)."""
    return bool(
        Perk.objects.filter(pk=perk.pk, redeemed__lte=F("total_quantity") - count).update(
            redeemed=F("redeemed") + count
        )
    )


def _previous(membership: Membership, perk: Perk, key: str) -> PerkRedemption | None:
    """The redemption this key already made, if any; a key of another perk is INVALID."""
    previous = PerkRedemption.objects.filter(membership=membership, idempotency_key=key).first()
    if previous is not None and previous.perk_id != perk.pk:
        raise DomainError.single(
            INVALID, "This idempotency key was already used for another perk.", "idempotency_key"
        )
    return previous


def _sold_out() -> DomainError:
    return DomainError.single(SOLD_OUT, "This perk has all been redeemed.", "perk")


def redeem(user, perk: Perk, idempotency_key: str, *, now=None) -> PerkRedemption:
    """One unit of ``perk`` for ``user``; the same key again returns the same redemption.

    Refusals, in the order checked: REQUIRED/INVALID (the key), LOTTERY_ONLY,
    NOT_A_MEMBER, WRONG_TIER, EXPIRED, SOLD_OUT, QUOTA_EXCEEDED.

    Everything up to SOLD_OUT is read without a lock, so a rush on a perk
    that is gone is answered at once, without queueing on any row; the
    membership lock and the conditional UPDATE then decide the race.
    """
    key = _clean_key(idempotency_key)
    if perk.kind == PerkKind.MEET_AND_GREET:
        raise DomainError.single(
            LOTTERY_ONLY, "Meet-and-greet places are drawn by lottery: enter it instead.", "perk"
        )
    now = now or timezone.now()
    previous = _previous(membership_of(user, perk), perk, key)
    if previous is not None:
        return previous
    check_tier(user, perk)
    check_not_expired(perk, now)
    if Perk.objects.filter(pk=perk.pk, redeemed__gte=F("total_quantity")).exists():
        raise _sold_out()
    with transaction.atomic():
        membership = locked_membership(user, perk)
        previous = _previous(membership, perk, key)
        if previous is not None:
            return previous
        held = PerkRedemption.objects.filter(
            perk=perk, membership=membership, status__in=HOLDING
        ).count()
        if held >= perk.per_member_quota:
            raise DomainError.single(
                QUOTA_EXCEEDED,
                f"You already hold {held} of this perk, the most one member may have.",
                "perk",
            )
        if not take_unit(perk):
            raise _sold_out()
        redemption = PerkRedemption.objects.create(
            perk=perk,
            membership=membership,
            idempotency_key=key,
            nonce=new_nonce(),
            created_at=now,
        )
        if perk.kind == PerkKind.DISCOUNT_CODE:
            redemption.voucher_code = issue_voucher(perk).code
            redemption.save(update_fields=["voucher_code"])
    perk.refresh_from_db(fields=["redeemed"])
    return redemption


def issue_voucher(perk: Perk) -> Voucher:
    """A single-use copy of the perk's voucher, with its channel listings.

    The copy is an ordinary voucher, so checkout's promo-code path applies it
    and order placement counts its one use.
    """
    template = perk.voucher
    # 48 random bits after the template's code, kept within the column's 255 characters.
    code = f"{template.code[:240]}-{secrets.token_hex(6).upper()}"
    voucher = Voucher.objects.create(
        code=code,
        name=template.name or perk.name,
        discount_type=template.discount_type,
        usage_limit=1,
        start_date=template.start_date,
        end_date=template.end_date,
        apply_once_per_customer=template.apply_once_per_customer,
    )
    VoucherChannelListing.objects.bulk_create(
        VoucherChannelListing(
            voucher=voucher,
            channel_id=listing.channel_id,
            currency=listing.currency,
            discount_value=listing.discount_value,
            min_spent_amount=listing.min_spent_amount,
        )
        for listing in template.channel_listings.all()
    )
    return voucher


# --- what a member sees ------------------------------------------------------------------


@dataclass
class MemberPerk:
    """A perk as one member sees it: what is left overall and of their own quota."""

    perk: Perk
    held: int
    redemptions: list[PerkRedemption]
    # MEET_AND_GREET: the member's lottery ticket, once entered.
    lottery_ticket: str | None = None

    @property
    def remaining(self) -> int:
        return max(self.perk.total_quantity - self.perk.redeemed, 0)

    @property
    def quota_left(self) -> int:
        return max(self.perk.per_member_quota - self.held, 0)


def perks_for_user(user, *, now=None) -> list[MemberPerk]:
    """Perks of every tier the user reaches, and any perk they hold a redemption of.

    Expired perks stay listed while the member holds one (their code may
    still be shown); otherwise only live perks are.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    tier_ids = selectors.tier_ids_for_user(user)
    mine = PerkRedemption.objects.filter(membership__user_id=user.pk)
    now = now or timezone.now()
    held_perks = set(mine.values_list("perk_id", flat=True))
    perks = list(
        Perk.objects.filter(Q(tier_id__in=tier_ids, expires_at__gt=now) | Q(pk__in=held_perks))
        .select_related("programme", "tier")
        .annotate(
            held=Count(
                "redemptions",
                filter=Q(
                    redemptions__membership__user_id=user.pk,
                    redemptions__status__in=HOLDING,
                ),
            )
        )
        .order_by("expires_at", "pk")
    )
    by_perk: dict[int, list[PerkRedemption]] = {}
    for redemption in mine.select_related("perk").order_by("pk"):
        by_perk.setdefault(redemption.perk_id, []).append(redemption)
    tickets = dict(
        LotteryEntry.objects.filter(membership__user_id=user.pk).values_list("perk_id", "ticket")
    )
    return [
        MemberPerk(perk, perk.held, by_perk.get(perk.pk, []), tickets.get(perk.pk))
        for perk in perks
    ]


def reserved_variant_ids(user) -> frozenset[int]:
    """Member-only variants the user holds an issued redemption of.

    This is what "reserved for the member's checkout" reads: the checkout
    validator that admits member-only variants can ask it.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        PerkRedemption.objects.filter(
            membership__user_id=user.pk,
            perk__kind=PerkKind.MEMBER_VARIANT,
            status=RedemptionStatus.ISSUED,
        ).values_list("perk__variant_id", flat=True)
    )
