"""Every write of a drop: staff schedule it, buyers reserve its units.

## Scheduling (`schedule_drop`)
A drop variant's quantity IS its stock in the channel's first warehouse
(by slug, the warehouse `reserve()` prefers): scheduling sets that stock
row's on-hand quantity through `merch.stock_levels` (by difference, under
the row lock) and refuses a quantity below what is allocated plus reserved
there. The product's channel listing becomes available for purchase at
the drop's opening (the early-access start, else the start), so Saleor's
`isAvailableForPurchase` / `availableForPurchaseAt` follow the drop. The
publication checks (the licence gate among them) must pass: an unlicensed
product is never scheduled.

## Reserving (`reserve`), the hot path
In this order, cheapest refusal first:

1. quantity sane (no I/O);
2. the sold-out flag of the admission store (no SQL): SOLD_OUT; under an
   idempotency key, only when the room never saw the key (one round trip,
   `admission.sold_out_for_key`): a retry whose first attempt holds a unit
   goes on and gets that unit back;
3. the drop snapshot (`selectors.hot`: cached <= 1 s per process, two
   statements on a miss); unknown drop or variant: NOT_FOUND;
4. the waiting-room ticket when the drop has an `admission_rate` (no SQL):
   INVALID_TICKET, NOT_ADMITTED (with the position);
5. rate limits per IP and per account (`rate_limits.hit`; Redis, or an
   autocommit upsert on a connection of its own): RATE_LIMITED;
6. the clock (ENDED, NOT_STARTED), the catalogue verdict cached with the
   drop (LICENCE_NOT_VALID), early-access eligibility (one statement, only
   for signed-in buyers inside the window): EARLY_ACCESS_ONLY;

then ONE transaction, whose row locks are always taken in the same order
(checkout, customer counter, stock row), so two requests never deadlock:

7. an existing checkout: `SELECT ... FOR UPDATE` of it with its line of
   the variant and that line's reservations (one statement). When the line
   already holds the units asked for, the answer is the same reservation
   (a repeated dropReserve never reserves twice) and nothing is written;
8. the per-customer counter (`limits.take`, one conditional upsert; two
   statements when it must be recounted): LIMIT_EXCEEDED;
9. a new checkout: one INSERT; then the line: one upsert;
10. `reservations.reserve()` LAST (one statement, the hot stock row's lock
    held from here to the commit only).

When the reserve finds nothing, the transaction is rolled back, the
variant's expired reservations are swept (outside it, so the sweep stays)
and, if that gave units back, the transaction is tried once more.
Otherwise SOLD_OUT, and when no unit of the drop is left the flag is set, so
every later request is answered without SQL. Statements for a new
checkout: 4 (counter, checkout, line, reserve), 3 without a limit; for an
existing one: 4 (lock, counter, line, reserve); pinned in
`tests/drops/test_query_count.py`.

With an idempotency key (`marquee.core.idempotency`) the key is claimed
first in that transaction, its outcome (the checkout token, known before
the work) written with the claim, so the reserve stays the last statement;
a retry whose first attempt committed gets that checkout back. Without a
key, a repeat for the same checkout and variant is answered by step 7
without reserving again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import DateTimeField, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from marquee.core import admission, idempotency, rate_limits
from marquee.core.exceptions import DomainError, ErrorDetail

from .. import stock_levels
from ..extensions import publication_errors
from ..models import (
    Channel,
    Checkout,
    CheckoutLine,
    Drop,
    DropVariant,
    Product,
    ProductChannelListing,
    ProductVariant,
    ProductVariantChannelListing,
    Reservation,
    Stock,
    Warehouse,
)
from ..reservations import expiry
from ..reservations import selectors as reservation_selectors
from ..reservations import services as reservations
from . import eligibility, limits, selectors
from .states import (
    ENDED,
    LIVE,
    SCHEDULED,
    mark_sold_out,
    refresh_sold_out,
    reserve_scope,
    timed_state,
)

NOT_FOUND = "NOT_FOUND"
NOT_STARTED = "NOT_STARTED"
EARLY_ACCESS_ONLY = "EARLY_ACCESS_ONLY"
SOLD_OUT = "SOLD_OUT"
NOT_ADMITTED = "NOT_ADMITTED"
INVALID_TICKET = "INVALID_TICKET"
INVALID_QUANTITY = "INVALID_QUANTITY"
LICENCE_NOT_VALID = "LICENCE_NOT_VALID"
INVALID = "INVALID"

RESERVE_CODES = [
    NOT_FOUND,
    NOT_STARTED,
    EARLY_ACCESS_ONLY,
    ENDED,
    SOLD_OUT,
    NOT_ADMITTED,
    INVALID_TICKET,
    limits.LIMIT_EXCEEDED,
    INVALID_QUANTITY,
    rate_limits.RATE_LIMITED,
    LICENCE_NOT_VALID,
    INVALID,
    *idempotency.CODES,
]

# The most units one drop variant may be scheduled with (a typo guard, not a business rule).
MAX_DROP_QUANTITY = 1_000_000


def _error(code: str, message: str, field: str | None = None, **extra) -> DomainError:
    return DomainError.single(code, message, field, **extra)


# --- scheduling ----------------------------------------------------------------


@dataclass(frozen=True)
class DropInput:
    slug: str
    name: str
    channel_id: int
    product_id: int
    variants: list[tuple[int, int]]  # (variant id, quantity)
    starts_at: datetime
    ends_at: datetime | None = None
    early_access_starts_at: datetime | None = None
    per_customer_limit: int | None = None
    reservation_minutes: int = 10
    admission_rate: float | None = None
    admission_burst: int = 50


def _schedule_errors(data: DropInput, product, channel) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []

    def add(code, message, field):
        errors.append(ErrorDetail(code=code, message=message, field=field))

    if not data.slug:
        add("REQUIRED", "A drop needs a slug.", "slug")
    if not data.name:
        add("REQUIRED", "A drop needs a name.", "name")
    if data.starts_at is None:
        add("REQUIRED", "A drop needs a start time.", "starts_at")
    else:
        if data.ends_at is not None and data.ends_at <= data.starts_at:
            add(INVALID, "The drop must end after it starts.", "ends_at")
        if data.early_access_starts_at is not None and data.early_access_starts_at >= (
            data.starts_at
        ):
            add(INVALID, "Early access must open before the drop starts.", "early_access_starts_at")
    if data.per_customer_limit is not None and data.per_customer_limit <= 0:
        add(INVALID, "The per-customer limit must be at least 1.", "per_customer_limit")
    if data.reservation_minutes is None or data.reservation_minutes <= 0:
        add(INVALID, "A reservation must last at least a minute.", "reservation_minutes")
    if data.admission_rate is not None and data.admission_rate <= 0:
        add(INVALID, "The admission rate must be above 0 buyers a second.", "admission_rate")
    if data.admission_burst is None or data.admission_burst < 1:
        add(INVALID, "The admission burst must be at least 1.", "admission_burst")
    if not data.variants:
        add("REQUIRED", "A drop sells at least one variant.", "variants")
    seen = set()
    for variant_id, quantity in data.variants:
        if variant_id in seen:
            add(INVALID, "A variant is listed twice.", "variants")
        seen.add(variant_id)
        if quantity is None or quantity <= 0:
            add(INVALID_QUANTITY, "A drop variant's quantity must be above 0.", "variants")
        elif quantity > MAX_DROP_QUANTITY:
            add(INVALID_QUANTITY, f"At most {MAX_DROP_QUANTITY} units per variant.", "variants")
    if product is None:
        add(NOT_FOUND, "No such product.", "product")
    if channel is None:
        add(NOT_FOUND, "No such channel.", "channel")
    if product is None or channel is None or not data.variants:
        return errors
    own = set(ProductVariant.objects.filter(product=product).values_list("pk", flat=True))
    if seen - own:
        add(INVALID, "Every variant must be a variant of the drop's product.", "variants")
    priced = set(
        ProductVariantChannelListing.objects.filter(
            channel=channel, variant_id__in=seen
        ).values_list("variant_id", flat=True)
    )
    if (seen & own) - priced:
        add(INVALID, f"Every variant must be priced in {channel.slug!r}.", "variants")
    taken = (
        DropVariant.objects.filter(variant_id__in=seen)
        .filter(selectors.not_ended(timezone.now(), "drop__"))
        .exclude(drop__slug=data.slug)
    )
    if taken.exists():
        add(INVALID, "A variant is already sold by another drop that has not ended.", "variants")
    return errors


def _drop_warehouse(channel) -> Warehouse:
    warehouse = Warehouse.objects.filter(channels=channel).order_by("slug", "pk").first()
    if warehouse is None:
        raise _error(INVALID, f"No warehouse serves {channel.slug!r}.", "channel")
    return warehouse


def _set_stock(warehouse, variant_id: int, quantity: int) -> None:
    """The drop's units become the variant's on-hand stock in the warehouse (by difference)."""
    stock, _ = Stock.objects.get_or_create(warehouse=warehouse, product_variant_id=variant_id)
    stock = Stock.objects.select_for_update().get(pk=stock.pk)
    held = stock.quantity_allocated + stock.quantity_reserved
    if quantity < held:
        raise _error(
            "INSUFFICIENT_STOCK",
            f"Cannot set {quantity}: {stock.quantity_allocated} units are allocated to orders "
            f"and {stock.quantity_reserved} reserved.",
            "variants",
        )
    stock_levels.change_quantity(stock.pk, quantity - stock.quantity)


@transaction.atomic
def schedule_drop(data: DropInput, *, drop: Drop | None = None) -> Drop:
    """Create (or, given `drop`, change) a drop; sets its stock and the listing's start."""
    product = Product.objects.filter(pk=data.product_id).first()
    channel = Channel.objects.filter(pk=data.channel_id).first()
    errors = _schedule_errors(data, product, channel)
    listing = None
    if product is not None and channel is not None:
        listing = (
            ProductChannelListing.objects.select_for_update()
            .filter(product=product, channel=channel)
            .first()
        )
        if listing is None:
            errors.append(
                ErrorDetail(INVALID, f"The product is not listed in {channel.slug!r}.", "channel")
            )
        elif not errors:
            for message in publication_errors(listing):
                errors.append(ErrorDetail(LICENCE_NOT_VALID, message, "product"))
    if errors:
        raise DomainError(*errors)
    warehouse = _drop_warehouse(channel)
    was_opening = drop.opens_at if drop is not None and drop.pk else None
    drop = drop or Drop()
    for name in (
        "slug",
        "name",
        "starts_at",
        "ends_at",
        "early_access_starts_at",
        "per_customer_limit",
        "reservation_minutes",
        "admission_rate",
        "admission_burst",
    ):
        setattr(drop, name, getattr(data, name))
    drop.channel = channel
    drop.product = product
    try:
        drop.full_clean(exclude=["channel", "product"], validate_constraints=True)
    except ValidationError as error:
        raise DomainError(
            *(
                ErrorDetail(INVALID, str(message), None if key == "__all__" else key)
                for key, messages in error.message_dict.items()
                for message in messages
            )
        ) from error
    drop.save()
    wanted = dict(data.variants)
    DropVariant.objects.filter(drop=drop).exclude(variant_id__in=wanted).delete()
    for variant_id in sorted(wanted):
        DropVariant.objects.update_or_create(
            drop=drop, variant_id=variant_id, defaults={"quantity": wanted[variant_id]}
        )
        _set_stock(warehouse, variant_id, wanted[variant_id])
    if not channel.has_drops:
        Channel.objects.filter(pk=channel.pk).update(has_drops=True)
    listing.available_for_purchase_at = drop.opens_at
    listing.save(update_fields=["available_for_purchase_at"])
    pk = drop.pk

    def after_commit():
        selectors.forget(pk)
        saved = Drop.objects.get(pk=pk)
        _reopen_room(saved, was_opening)
        refresh_sold_out([saved])

    transaction.on_commit(after_commit)
    return drop


def _reopen_room(drop: Drop, was_opening) -> None:
    """A drop moved to another opening before it opened (or moved to open later):
    its waiting room admits from the new opening, not from the one its first
    buyer queued for; otherwise everyone admitted by the old clock would
    arrive at once. The room of a drop that stays open keeps its order."""
    if was_opening is None or was_opening == drop.opens_at:
        return
    now = timezone.now()
    if was_opening > now or drop.opens_at > now:
        admission.reopen(drop.room, max(drop.opens_at, now))


# --- reserving -------------------------------------------------------------------


@dataclass(frozen=True)
class DropReservation:
    checkout: Checkout
    line: CheckoutLine
    expires_at: datetime | None
    reserved: int  # units newly reserved by this call (0: the line already held them)


class _NothingFree(Exception):
    """reserve() found no unit: roll the transaction back, maybe sweep and retry."""


def _check_quantity(quantity) -> int:
    limit = settings.MAX_CHECKOUT_LINE_QUANTITY
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise _error(INVALID_QUANTITY, "Quantity must be at least 1.", "quantity")
    if quantity > limit:
        raise _error(INVALID_QUANTITY, f"At most {limit} units in one reservation.", "quantity")
    return quantity


def _check_ticket(snapshot, ticket: str | None) -> None:
    if snapshot.admission_rate is None:
        return
    if not ticket:
        raise _error(
            NOT_ADMITTED, "Join the drop's waiting room first (dropJoin).", "ticket", position=None
        )
    status = _ticket(snapshot, ticket)
    if status.state == admission.ADMITTED:
        return
    if status.state == admission.SOLD_OUT:
        raise _error(SOLD_OUT, "The drop is sold out.", None)
    raise _error(
        NOT_ADMITTED,
        f"Still waiting: {status.position} ahead in the queue.",
        "ticket",
        position=status.position,
        retry_after=status.retry_after,
    )


def _check_rate(client_ip: str | None, user) -> None:
    window = settings.DROP_RATE_LIMIT_WINDOW_SECONDS
    per_ip = settings.DROP_RATE_LIMIT_PER_IP
    per_account = settings.DROP_RATE_LIMIT_PER_ACCOUNT
    hits = []
    if client_ip and per_ip > 0:
        hits.append(("drop-ip", client_ip, per_ip, window))
    if user is not None and getattr(user, "is_authenticated", False) and per_account > 0:
        hits.append(("drop-account", str(user.pk), per_account, window))
    if hits:
        rate_limits.check_all(hits)  # one round trip to the store for both


def _check_clock(snapshot, user, now) -> None:
    timed = timed_state(snapshot, now)
    if timed == ENDED:
        raise _error(ENDED, "The drop has ended.", "drop")
    if not snapshot.sellable or not snapshot.channel_active:
        raise _error(LICENCE_NOT_VALID, "Not available for sale.", "drop")
    if timed == SCHEDULED:
        raise _error(
            NOT_STARTED, "The drop has not started yet.", "drop", starts_at=snapshot.opens_at
        )
    if timed != LIVE and not eligibility.is_eligible(snapshot, user):
        raise _error(
            EARLY_ACCESS_ONLY,
            "Only members may buy before the drop starts.",
            "drop",
            starts_at=snapshot.starts_at,
        )


def _clean_email(email: str | None) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as error:
        raise _error(INVALID, "Not a valid email address.", "email") from error
    return email.lower()


def _held(status: str):
    condition = Q(checkout_line_id=OuterRef("line_id"))
    if status == "live":
        condition &= Q(reserved_until__gt=timezone.now())
    return Coalesce(
        Subquery(
            Reservation.objects.filter(condition)
            .values("checkout_line_id")
            .annotate(units=Sum("quantity_reserved"))
            .values("units"),
            output_field=IntegerField(),
        ),
        0,
    )


def _locked_checkout(token, variant_id: int, user) -> Checkout:
    """The buyer's checkout, locked, with its line of the variant and what that line holds."""
    try:
        token = uuid.UUID(str(token))
    except ValueError as error:
        raise _error(NOT_FOUND, "No such checkout.", "checkout_id") from error
    line = CheckoutLine.objects.filter(checkout_id=OuterRef("pk"), variant_id=variant_id)
    checkout = (
        Checkout.objects.select_for_update(of=("self",))
        .annotate(
            line_id=Subquery(line.values("id")[:1]),
            line_quantity=Subquery(line.values("quantity")[:1]),
        )
        .annotate(
            held_all=_held("all"),
            held_live=_held("live"),
            held_until=Subquery(
                Reservation.objects.filter(
                    checkout_line_id=OuterRef("line_id"), reserved_until__gt=timezone.now()
                )
                .order_by("reserved_until")
                .values("reserved_until")[:1],
                output_field=DateTimeField(),
            ),
        )
        .filter(pk=token)
        .first()
    )
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if checkout is None or (checkout.user_id and (not signed_in or checkout.user_id != user.pk)):
        # Someone else's checkout is no more found than a missing one.
        raise _error(NOT_FOUND, "No such checkout.", "checkout_id")
    return checkout


_LINE_UPSERT = """
INSERT INTO merch_checkoutline (id, checkout_id, variant_id, quantity, created_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (checkout_id, variant_id) DO UPDATE SET quantity = EXCLUDED.quantity
RETURNING id
"""


def _write(
    snapshot, variant_id, quantity, *, checkout_token, user, email, now, new_token=None
) -> DropReservation:
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    until = now + timedelta(minutes=snapshot.reservation_minutes)
    if checkout_token is not None:
        checkout = _locked_checkout(checkout_token, variant_id, user)
        if checkout.channel_id != snapshot.channel_id:
            raise _error(NOT_FOUND, "The checkout is not in the drop's channel.", "checkout_id")
        if checkout.line_id is not None and checkout.held_live >= quantity:
            line = CheckoutLine(
                id=checkout.line_id,
                checkout=checkout,
                variant_id=variant_id,
                quantity=checkout.line_quantity,
            )
            return DropReservation(checkout, line, checkout.held_until, 0)
        key = limits.customer_key(
            user=user if signed_in else None,
            email=email or checkout.email,
            checkout_token=checkout.pk,
        )
        limits.take(snapshot, key, quantity - checkout.held_live)
        if checkout.held_all > checkout.held_live:
            # An expired hold not swept yet: give it back first, then hold all units anew.
            reservations.release_lines([checkout.line_id])
            units = quantity
        else:
            units = quantity - checkout.held_live
    else:
        checkout = Checkout(
            token=new_token or uuid.uuid4(),
            channel_id=snapshot.channel_id,
            currency=snapshot.currency,
            email=email or (user.email if signed_in else ""),
            user=user if signed_in else None,
            language_code=settings.LANGUAGE_CODE,
        )
        key = limits.customer_key(
            user=checkout.user, email=checkout.email, checkout_token=checkout.pk
        )
        limits.take(snapshot, key, quantity)
        checkout.save(force_insert=True)
        units = quantity
    with connection.cursor() as cursor:
        cursor.execute(_LINE_UPSERT, [uuid.uuid4(), checkout.pk, variant_id, quantity, now])
        line_id = cursor.fetchone()[0]
    got = reservations.reserve(
        line_id, variant_id, units, channel_id=snapshot.channel_id, until=until
    )
    if not got:
        raise _NothingFree()
    line = CheckoutLine(id=line_id, checkout=checkout, variant_id=variant_id, quantity=quantity)
    return DropReservation(checkout, line, until, got)


def reserve(
    drop,
    variant_id: int,
    quantity: int = 1,
    *,
    checkout_token=None,
    user=None,
    email: str | None = None,
    ticket: str | None = None,
    client_ip: str | None = None,
    idempotency_key: str | None = None,
) -> DropReservation:
    """Hold `quantity` units of a drop variant in the buyer's checkout (created if absent).

    `drop` is a Drop or its primary key. Raises DomainError with a code of RESERVE_CODES.
    With an idempotency key, a retry whose first attempt committed (its answer
    lost to a timeout) gets that attempt's checkout back instead of holding a
    second unit in a second checkout.
    """
    quantity = _check_quantity(quantity)
    drop_id = drop.pk if isinstance(drop, Drop) else drop
    try:
        variant_id = int(variant_id)
    except (TypeError, ValueError) as error:
        raise _error(NOT_FOUND, "No such drop.", "drop") from error
    key = idempotency.clean_key(idempotency_key)
    if _flagged_sold_out(Drop.room_of(drop_id), key, user):
        raise _error(SOLD_OUT, "The drop is sold out.", None)
    snapshot = _open_snapshot(drop_id)
    drop_id = snapshot.pk
    if variant_id not in snapshot.variant_ids:
        raise _error(NOT_FOUND, "The drop does not sell this variant.", "variant_id")
    _check_ticket(snapshot, ticket)
    _check_rate(client_ip, user)
    now = timezone.now()
    _check_clock(snapshot, user, now)
    email = _clean_email(email)
    new_token = uuid.uuid4() if checkout_token is None else None
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                reservation, _replayed = idempotency.once(
                    reserve_scope(drop_id),
                    key,
                    user=user,
                    arguments={
                        "drop": drop_id,
                        "variant": variant_id,
                        "quantity": quantity,
                        "checkout": str(checkout_token) if checkout_token else None,
                        "email": email,
                    },
                    run=lambda: _write(
                        snapshot,
                        variant_id,
                        quantity,
                        checkout_token=checkout_token,
                        user=user,
                        email=email,
                        now=now,
                        new_token=new_token,
                    ),
                    outcome=None,
                    replay=lambda refs: _replay(refs, variant_id),
                    known_outcome={"checkout": str(checkout_token or new_token)},
                )
                return reservation
        except _NothingFree:
            if attempt == 2 or not expiry.sweep(variant_ids=[variant_id]):
                break
    if selectors.remaining_many([drop_id])[drop_id] <= 0:
        mark_sold_out(drop_id)
    raise _error(SOLD_OUT, "No unit of this item is left.", "variant_id")


def _flagged_sold_out(room: str, key: str | None, user) -> bool:
    if key is None:
        return admission.is_sold_out(room)
    return admission.sold_out_for_key(room, admission.key_member(idempotency.owner_of(user), key))


def _replay(refs: dict, variant_id: int) -> DropReservation:
    """The first attempt's answer: its checkout, line and hold as they are now.

    A checkout completed since is gone: the answer then carries no checkout
    (the order the buyer placed is theirs to find), and never a new hold.
    """
    checkout = Checkout.objects.filter(pk=refs["checkout"]).first()
    if checkout is None:
        return DropReservation(None, None, None, 0)
    line = CheckoutLine.objects.filter(checkout=checkout, variant_id=variant_id).first()
    return DropReservation(checkout, line, reservation_selectors.expires_at(checkout), 0)


# --- the waiting room ------------------------------------------------------------


@dataclass(frozen=True)
class DropTicket:
    token: str
    state: str  # WAITING | ADMITTED | SOLD_OUT
    position: int
    retry_after: float | None


def _open_snapshot(drop_id):
    try:
        drop_id = int(drop_id)
    except (TypeError, ValueError) as error:
        raise _error(NOT_FOUND, "No such drop.", "drop") from error
    snapshot = selectors.hot(drop_id)
    if snapshot is None:
        raise _error(NOT_FOUND, "No such drop.", "drop")
    return snapshot


def _ticket(snapshot, token: str) -> DropTicket:
    if snapshot.admission_rate is None:
        return DropTicket(token, admission.ADMITTED, 0, None)
    status = admission.status(
        snapshot.room,
        token,
        rate=snapshot.admission_rate,
        burst=snapshot.admission_burst,
        opens_at=snapshot.opens_at,
    )
    retry = status.retry_after if status.state == admission.WAITING else None
    return DropTicket(token, status.state, status.position, retry)


def join(drop_id, *, client_ip: str | None = None, user=None) -> DropTicket:
    """A place in the drop's waiting room (no SQL once the drop row is cached).

    A drop without a waiting room admits at once (its ticket is not needed to reserve).
    """
    if admission.is_sold_out(Drop.room_of(drop_id)):
        raise _error(SOLD_OUT, "The drop is sold out.", None)
    snapshot = _open_snapshot(drop_id)
    _check_rate(client_ip, user)
    if timed_state(snapshot, timezone.now()) == ENDED:
        raise _error(ENDED, "The drop has ended.", "drop")
    rate = snapshot.admission_rate or 1.0
    # Buyers queueing before the opening are let in at the rate from the opening on,
    # in the order they arrived, not all at once.
    ticket = admission.join(
        snapshot.room, rate=rate, burst=snapshot.admission_burst, opens_at=snapshot.opens_at
    )
    return _ticket(snapshot, ticket.token)


def ticket_status(drop_id, token: str) -> DropTicket:
    """Where a ticket stands; SOLD_OUT without SQL once the drop sold out."""
    if admission.is_sold_out(Drop.room_of(drop_id)):
        return DropTicket(token, admission.SOLD_OUT, 0, None)
    return _ticket(_open_snapshot(drop_id), token)
