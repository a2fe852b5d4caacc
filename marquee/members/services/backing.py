"""Backing a film: subscribe units, pay for them, let them expire, cancel them.

Two counters carry the limits (see models.programmes): the programme's
``units_committed`` (never above ``total_units``) and the membership's
(never above the per-member cap). Both move only here, and only through
conditional or locked updates, so the limits hold under any concurrency:

- the membership row is locked (created first if it is the fan's first
  subscription, safely under races) and the cap checked against it;
- the programme's counter moves in one conditional UPDATE
  (``units_committed + n <= total_units``), the last statement before the
  commit, so the programme row - the hot row of a rush - is locked for as
  short a time as the database allows.

A programme found full is remembered (`soldout`): later requests answer
SOLD_OUT before any SQL, until units come back (an expiry, a cancellation).

Rows are locked in one order everywhere - subscription, membership,
programme - so a payment, an expiry and a cancellation of the same
subscription queue behind each other instead of deadlocking.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.merch.pricing import quantize_price

from .. import selectors
from ..models import (
    BackerProgramme,
    BackerSubscription,
    Membership,
    ProgrammeStatus,
    SubscriptionStatus,
)

logger = logging.getLogger("marquee.members.backing")

# The codes subscribe and cancel may answer with; the API's enum is built from these.
SUBSCRIBE_CODES = (
    "NOT_FOUND",
    "NOT_OPEN",
    "CLOSED",
    "SOLD_OUT",
    "NOT_ENOUGH_UNITS",
    "CAP_EXCEEDED",
    "INVALID_UNITS",
    "IDEMPOTENCY_KEY_REUSED",
    "NOT_AUTHENTICATED",
)
CANCEL_CODES = ("NOT_FOUND", "CLOSED", "NOT_CANCELLABLE", "PAYMENT_ERROR", "NOT_AUTHENTICATED")

# Unit counts beyond this are refused before arithmetic (the columns are 32-bit).
_MAX_UNITS = 2**31 - 1


class soldout:  # noqa: N801 - read as a namespace: soldout.mark(...), soldout.is_marked(...)
    """A programme found full, remembered so the next requests never reach its row.

    Set the moment the conditional UPDATE finds no unit left, cleared (after
    the commit) whenever units come back. It lives in the cache (Redis when
    configured, shared by every worker; in-process otherwise) and expires by
    itself after a few seconds, so a mark that raced a release is wrong for
    no longer than that.
    """

    SECONDS = 5

    @staticmethod
    def _key(programme_id: int) -> str:
        return f"members:programme:{programme_id}:sold-out"

    @classmethod
    def mark(cls, programme_id: int) -> None:
        cache.set(cls._key(programme_id), True, cls.SECONDS)

    @classmethod
    def is_marked(cls, programme_id: int) -> bool:
        return bool(cache.get(cls._key(programme_id)))

    @classmethod
    def clear(cls, programme_id: int) -> None:
        cache.delete(cls._key(programme_id))


def _refuse(code: str, message: str, field: str | None = None):
    raise DomainError.single(code, message, field=field)


class _NoRoom(DomainError):
    """The programme's conditional UPDATE found too few units (SOLD_OUT or NOT_ENOUGH_UNITS)."""


# --- subscribe -------------------------------------------------------------------


def _stored_key(user, idempotency_key: str | None) -> str | None:
    """The key as stored: a client's key is its own, so two fans' keys never collide."""
    if idempotency_key is None or idempotency_key == "":
        return None
    if len(idempotency_key) > 200:  # stored whole or as its digest, never cut short
        idempotency_key = "sha256-" + hashlib.sha256(idempotency_key.encode()).hexdigest()
    return f"web:{user.pk}:{idempotency_key}"


def _earlier(user, programme, units, key) -> BackerSubscription | None:
    if key is None:
        return None
    found = BackerSubscription.objects.filter(idempotency_key=key).first()
    if found is None:
        return None
    if found.programme_id != programme.pk or found.units != units:
        _refuse(
            "IDEMPOTENCY_KEY_REUSED",
            "This idempotency key was already used for another subscription.",
            "idempotencyKey",
        )
    return found


def check_window(programme: BackerProgramme, now) -> None:
    if programme.status == ProgrammeStatus.DRAFT:
        _refuse("NOT_FOUND", "No such backer programme.", "programme")
    if programme.status == ProgrammeStatus.CANCELLED:
        _refuse("CLOSED", f"{programme.name} was cancelled.", "programme")
    if now < programme.opens_at:
        _refuse(
            "NOT_OPEN",
            f"{programme.name} opens at {programme.opens_at.isoformat()}.",
            "programme",
        )
    if now >= programme.closes_at:
        _refuse(
            "CLOSED", f"{programme.name} closed at {programme.closes_at.isoformat()}.", "programme"
        )


def check_units(units) -> int:
    if isinstance(units, bool) or not isinstance(units, int):
        _refuse("INVALID_UNITS", "Units must be a whole number.", "units")
    if units <= 0:
        _refuse("INVALID_UNITS", "Subscribe at least one unit.", "units")
    if units > _MAX_UNITS:
        _refuse("INVALID_UNITS", "That is more units than any programme has.", "units")
    return units


def _locked_membership(programme: BackerProgramme, user) -> Membership:
    """The fan's membership, locked; created first (ON CONFLICT DO NOTHING) if there is none."""
    membership = (
        Membership.objects.select_for_update().filter(programme=programme, user_id=user.pk).first()
    )
    if membership is None:
        Membership.objects.bulk_create(
            [Membership(programme=programme, user_id=user.pk)], ignore_conflicts=True
        )
        membership = Membership.objects.select_for_update().get(
            programme=programme, user_id=user.pk
        )
    return membership


def _commit_programme_units(programme_id: int, units: int) -> bool:
    """The one statement on the hot row: take units if they are there."""
    return bool(
        BackerProgramme.objects.filter(
            pk=programme_id, units_committed__lte=F("total_units") - units
        ).update(units_committed=F("units_committed") + units)
    )


def _refuse_full(programme: BackerProgramme, units: int):
    left = (
        BackerProgramme.objects.filter(pk=programme.pk)
        .values_list("total_units", "units_committed")
        .first()
    )
    remaining = left[0] - left[1] if left else 0
    if remaining <= 0:
        raise _NoRoom.single("SOLD_OUT", f"{programme.name} is sold out.", field="units")
    raise _NoRoom.single(
        "NOT_ENOUGH_UNITS",
        f"Only {remaining} unit(s) of {programme.name} are left; you asked for {units}.",
        field="units",
    )


def subscribe(
    user, programme: BackerProgramme, units, idempotency_key: str | None = None, *, now=None
) -> BackerSubscription:
    """Commit `units` of the programme to the fan, awaiting payment for `payment_minutes`.

    The same idempotency key (per fan) returns the subscription made the
    first time, whatever happened since; a refusal writes nothing.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        _refuse("NOT_AUTHENTICATED", "Sign in to back a film.")
    now = now or timezone.now()
    units = check_units(units)
    key = _stored_key(user, idempotency_key)
    earlier = _earlier(user, programme, units, key)
    if earlier is not None:
        return earlier
    check_window(programme, now)
    if units > programme.per_member_cap:
        _refuse(
            "CAP_EXCEEDED",
            f"A member may hold at most {programme.per_member_cap} unit(s) of {programme.name}.",
            "units",
        )
    if soldout.is_marked(programme.pk):
        _refuse("SOLD_OUT", f"{programme.name} is sold out.", "units")
    try:
        return _subscribe_once(user, programme, units, key, now)
    except _NoRoom as no_room:
        refusal = no_room
    # Units held by subscriptions past their time come back first (the sweep
    # would free them within the minute); then one more try.
    if expire_overdue(now=now, programme_id=programme.pk):
        try:
            return _subscribe_once(user, programme, units, key, now)
        except _NoRoom as no_room:
            refusal = no_room
    if refusal.details[0].code == "SOLD_OUT":
        soldout.mark(programme.pk)
    raise refusal


def _subscribe_once(user, programme, units, key, now) -> BackerSubscription:
    try:
        with transaction.atomic():
            return _subscribe_locked(user, programme, units, key, now)
    except IntegrityError:
        # The same key committed concurrently (a double click): answer with that one.
        earlier = _earlier(user, programme, units, key)
        if earlier is None:
            raise
        return earlier


def _subscribe_locked(user, programme, units, key, now) -> BackerSubscription:
    membership = _locked_membership(programme, user)
    if membership.units_committed + units > programme.per_member_cap:
        held = membership.units_committed
        _refuse(
            "CAP_EXCEEDED",
            f"A member may hold at most {programme.per_member_cap} unit(s) of {programme.name}; "
            f"you have {held} already.",
            "units",
        )
    amount = quantize_price(programme.unit_price * units, programme.currency).amount
    subscription = BackerSubscription.objects.create(
        programme=programme,
        membership=membership,
        units=units,
        unit_price=programme.unit_price,
        amount=amount,
        currency=programme.currency,
        idempotency_key=key,
        created_at=now,
        expires_at=now + timedelta(minutes=programme.payment_minutes),
    )
    Membership.objects.filter(pk=membership.pk).update(units_committed=F("units_committed") + units)
    # Last: the hot row is locked from here to the commit only.
    if not _commit_programme_units(programme.pk, units):
        _refuse_full(programme, units)
    return subscription


# --- pay -------------------------------------------------------------------------


def _retier(membership: Membership) -> None:
    membership.refresh_from_db(fields=["units_committed", "units_held"])
    tiers = list(membership.programme.tiers.all())
    tier = selectors.tier_for_units(tiers, membership.units_held)
    if membership.tier_id != (tier.pk if tier else None):
        membership.tier = tier
        membership.save(update_fields=["tier"])


def mark_paid(subscription_pk: int, *, now=None) -> BackerSubscription | None:
    """Its payment covers it: units held, tier recomputed. Idempotent.

    Runs inside the payment's transaction (the payable-source callback). A
    payment that arrives after the subscription expired takes its units
    again if they are still there; otherwise, and always for a cancelled
    one, the payment is refunded (after the commit) and nothing is added.
    """
    now = now or timezone.now()
    sub = (
        BackerSubscription.objects.select_for_update(of=("self",))
        .select_related("programme", "membership")
        .filter(pk=subscription_pk)
        .first()
    )
    if sub is None or sub.status == SubscriptionStatus.PAID:
        return sub
    if sub.status != SubscriptionStatus.PENDING and not _revive(sub):
        logger.warning(
            "payment for %s subscription %s refunded: its units are no longer there",
            sub.status,
            sub.pk,
        )
        from ..tasks import refund_subscription_payment

        transaction.on_commit(lambda: refund_subscription_payment.delay(sub.pk))
        return sub
    sub.status = SubscriptionStatus.PAID
    sub.paid_at = now
    sub.ended_at = None
    sub.save(update_fields=["status", "paid_at", "ended_at"])
    Membership.objects.filter(pk=sub.membership_id).update(units_held=F("units_held") + sub.units)
    BackerProgramme.objects.filter(pk=sub.programme_id).update(
        units_paid=F("units_paid") + sub.units
    )
    _retier(sub.membership)
    return sub


def _revive(sub: BackerSubscription) -> bool:
    """An expired subscription paid late takes its units again, if cap and total allow."""
    if sub.status != SubscriptionStatus.EXPIRED:
        return False
    programme = sub.programme
    membership = Membership.objects.select_for_update().get(pk=sub.membership_id)
    if membership.units_committed + sub.units > programme.per_member_cap:
        return False
    with transaction.atomic():  # a savepoint: an UPDATE that finds no room leaves nothing
        if not _commit_programme_units(programme.pk, sub.units):
            return False
        Membership.objects.filter(pk=membership.pk).update(
            units_committed=F("units_committed") + sub.units
        )
    return True


# --- units coming back -----------------------------------------------------------


def _release(sub: BackerSubscription, status: str, now, *, paid: bool) -> None:
    """End the subscription and give its units back (the caller holds its lock)."""
    sub.status = status
    sub.ended_at = now
    sub.save(update_fields=["status", "ended_at"])
    units = sub.units
    membership = Membership.objects.select_for_update().get(pk=sub.membership_id)
    membership_changes = {"units_committed": F("units_committed") - units}
    programme_changes = {"units_committed": F("units_committed") - units}
    if paid:
        membership_changes["units_held"] = F("units_held") - units
        programme_changes["units_paid"] = F("units_paid") - units
    Membership.objects.filter(pk=membership.pk).update(**membership_changes)
    BackerProgramme.objects.filter(pk=sub.programme_id).update(**programme_changes)
    if paid:
        membership.programme = sub.programme
        _retier(membership)
    programme_id = sub.programme_id
    transaction.on_commit(lambda: soldout.clear(programme_id))


def expire_subscription(subscription_pk: int, *, now=None) -> bool:
    """A pending subscription past its time expires and returns its units; True if it did."""
    now = now or timezone.now()
    with transaction.atomic():
        sub = (
            BackerSubscription.objects.select_for_update(of=("self",))
            .select_related("programme")
            .filter(pk=subscription_pk, status=SubscriptionStatus.PENDING, expires_at__lte=now)
            .first()
        )
        if sub is None:
            return False
        _release(sub, SubscriptionStatus.EXPIRED, now, paid=False)
        return True


def expire_overdue(*, now=None, limit: int = 500, **filters) -> int:
    """Expire pending subscriptions past their time (all, or those matching `filters`)."""
    now = now or timezone.now()
    due = BackerSubscription.objects.filter(
        status=SubscriptionStatus.PENDING, expires_at__lte=now, **filters
    ).values_list("pk", flat=True)[:limit]
    return sum(expire_subscription(pk, now=now) for pk in list(due))


def mark_refunded(subscription_pk: int, *, now=None) -> BackerSubscription | None:
    """Its payment was given back: a paid subscription ends REFUNDED, units and tier follow."""
    now = now or timezone.now()
    sub = (
        BackerSubscription.objects.select_for_update(of=("self",))
        .select_related("programme")
        .filter(pk=subscription_pk)
        .first()
    )
    if sub is not None and sub.status == SubscriptionStatus.PAID:
        _release(sub, SubscriptionStatus.REFUNDED, now, paid=True)
    return sub


# --- cancel ----------------------------------------------------------------------


def subscription_for(user, subscription_pk) -> BackerSubscription | None:
    """The fan's own subscription, or None (another fan's is not there)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        pk = int(subscription_pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return (
        BackerSubscription.objects.select_related("programme", "membership")
        .filter(pk=pk, membership__user_id=user.pk)
        .first()
    )


def cancel(user, subscription_pk, *, now=None) -> BackerSubscription:
    """Cancel before the window closes: pending ones release units, paid ones are refunded.

    A paid subscription's refund goes through the gateway that took the
    payment, with no lock held; it ends REFUNDED when the refund is
    recorded (at once for the offline gateway and Stripe refunds that
    settle at once, else on Stripe's webhook).
    """
    from marquee.merch.payments import services as payments

    from .payables import KIND

    now = now or timezone.now()
    sub = subscription_for(user, subscription_pk)
    if sub is None:
        _refuse("NOT_FOUND", f"No subscription with ID {subscription_pk!r}.", "id")
    if sub.status == SubscriptionStatus.PENDING and sub.expires_at and sub.expires_at <= now:
        expire_subscription(sub.pk, now=now)
        sub.refresh_from_db()
    if now >= sub.programme.closes_at:
        _refuse("CLOSED", "The programme's window has closed; backing can no longer be cancelled.")
    if sub.status == SubscriptionStatus.PENDING:
        with transaction.atomic():
            locked = (
                BackerSubscription.objects.select_for_update(of=("self",))
                .select_related("programme")
                .get(pk=sub.pk)
            )
            if locked.status == SubscriptionStatus.PENDING:
                _release(locked, SubscriptionStatus.CANCELLED, now, paid=False)
                return locked
        sub.refresh_from_db()
    if sub.status == SubscriptionStatus.PAID:
        payments.refund_source(KIND, str(sub.pk))
        sub.refresh_from_db()
        return sub
    _refuse("NOT_CANCELLABLE", f"This subscription is {sub.get_status_display().lower()}.", "id")


# --- reads the API and the storefront share ----------------------------------------


class ProgrammeState:
    UPCOMING = "upcoming"
    OPEN = "open"
    SOLD_OUT = "sold_out"
    CLOSED = "closed"
    CANCELLED = "cancelled"


def programme_state(programme: BackerProgramme, now=None) -> str:
    """Where a programme stands for a fan now: what the storefront's button says."""
    now = now or timezone.now()
    if programme.status == ProgrammeStatus.CANCELLED:
        return ProgrammeState.CANCELLED
    if now < programme.opens_at:
        return ProgrammeState.UPCOMING
    if now >= programme.closes_at:
        return ProgrammeState.CLOSED
    if programme.units_committed >= programme.total_units:
        return ProgrammeState.SOLD_OUT
    return ProgrammeState.OPEN


def visible_programmes(viewer, *, film_slug: str | None = None):
    """Programmes a viewer may see: published and cancelled ones; drafts to staff too."""
    queryset = BackerProgramme.objects.select_related("film")
    if not getattr(viewer, "is_staff", False):
        queryset = queryset.exclude(status=ProgrammeStatus.DRAFT)
    if film_slug is not None:
        queryset = queryset.filter(film__slug=film_slug)
    return queryset


def programme_for(viewer, *, slug: str | None = None, pk: int | None = None):
    """One programme by slug or primary key, if the viewer may see it; else None."""
    queryset = visible_programmes(viewer)
    if slug is not None:
        return queryset.filter(slug=slug).first()
    if pk is not None and 0 < pk < 2**63:
        return queryset.filter(pk=pk).first()
    return None


def memberships_of(user, *, now=None) -> list[Membership]:
    """Every programme the fan has subscribed to, pending ones past their time expired first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    expire_overdue(now=now, membership__user_id=user.pk)
    return list(
        Membership.objects.filter(user_id=user.pk)
        .filter(subscriptions__isnull=False)
        .distinct()
        .select_related("programme", "programme__film", "tier")
        .order_by("programme__opens_at", "pk")
    )
