"""Every write to a checkout, each in one transaction.

Services take domain values (primary keys, plain dicts, quantities) and
raise `DomainError` with a stable code and the input field at fault; the
transaction then rolls back, so a refused request writes nothing. The
checkout row is locked (`SELECT ... FOR UPDATE`) for the duration of a
change, so two concurrent edits of one cart apply one after the other.

After any change that can affect delivery (lines, shipping address, voucher)
the chosen shipping method is checked again; if it no longer applies it is
cleared and left on `checkout.invalidated_delivery` for the caller to report.

Reservations (`merch/reservations`), when the channel's setting or a
registered policy gives the variant minutes (`policy.reservation_minutes`):

- a line created or raised reserves the added units; a line lowered gives
  back its hold and holds its new quantity (if it can: lowering never
  fails); a line removed gives back its hold. A reservation that cannot be
  made answers INSUFFICIENT_STOCK on the line, and the change rolls back;
- the reserve statements are the LAST statements of the transaction
  (`_hold`), after validation, pricing and the delivery re-check, so the
  hot stock row is locked only from its conditional UPDATE to the commit.
  The exception is a removed line: its hold is given back just before the
  line is deleted (the database would otherwise cascade the hold away
  without giving the units back), so removing a line locks its stock row
  for the rest of that (short) transaction;
  and through GraphQL the line mutations run inside the request's
  transaction (they do not set `owns_transactions`), so there the lock
  lasts until the payload has been read back too;
- every line change, shipping address and delivery method change refreshes
  the checkout's live holds (Saleor re-reserves on each change): one UPDATE;
- in a channel that reserves nothing with no policy registered, not one
  statement is added: the checkout behaves exactly as without reservations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from marquee.accounts.addresses import validate_address
from marquee.accounts.models import Address
from marquee.core.exceptions import DomainError, ErrorDetail

from ..models import Channel, Checkout, CheckoutLine, ProductVariant, ShippingMethod
from ..reservations import policy as reservation_policy
from ..reservations import services as reservations
from . import shipping
from .calculations import calculate
from .info import fetch_checkout_info
from .selectors import is_customer_of
from .validators import ADD, validate_lines
from .vouchers import check_voucher, voucher_with_listing


@dataclass(frozen=True)
class LineInput:
    variant_id: int
    quantity: int


@dataclass(frozen=True)
class LineUpdate:
    quantity: int
    line_id: UUID | None = None
    variant_id: int | None = None


@dataclass(frozen=True)
class AddressRules:
    """Saleor's CheckoutAddressValidationRules; skipping the checks keeps only basic ones."""

    check_required_fields: bool = True
    check_fields_format: bool = True

    @property
    def check_fields(self) -> bool:
        return self.check_required_fields or self.check_fields_format


@dataclass
class NewCheckout:
    channel_slug: str | None
    lines: list[LineInput] = field(default_factory=list)
    email: str | None = None
    shipping_address: dict | None = None
    billing_address: dict | None = None
    language_code: str | None = None
    shipping_rules: AddressRules = field(default_factory=AddressRules)
    billing_rules: AddressRules = field(default_factory=AddressRules)


def _lock(checkout: Checkout) -> Checkout:
    # The checkout's row only (`of`): the channel joined for reading is every checkout's
    # (tests/checkout/test_locks.py).
    locked = (
        Checkout.objects.select_for_update(of=("self",))
        .select_related("channel")
        .get(pk=checkout.pk)
    )
    locked.invalidated_delivery = None
    return locked


def _clean_email(email: str | None, field_name: str = "email") -> str:
    email = (email or "").strip()
    if not email:
        raise DomainError.single("REQUIRED", "Email is required.", field=field_name)
    try:
        validate_email(email)
    except ValidationError as error:
        raise DomainError.single(
            "INVALID", f"{email!r} is not a valid email address.", field=field_name
        ) from error
    return email.lower()


def _save_address(existing: Address | None, data: dict, prefix: str, rules: AddressRules):
    cleaned = validate_address(data, field_prefix=prefix, check_fields=rules.check_fields)
    address = existing or Address()
    for name, value in cleaned.items():
        setattr(address, name, value)
    address.save()
    return address


def _quantity_errors(quantities: list[tuple[int, int]], *, zero_removes: bool) -> None:
    """Refuse impossible quantities before touching anything: [(index, quantity)]."""
    limit = settings.MAX_CHECKOUT_LINE_QUANTITY
    errors = []
    for index, quantity in quantities:
        where = f"lines.{index}.quantity"
        if quantity < 0:
            errors.append(ErrorDetail("INVALID", "Quantity cannot be negative.", where))
        elif quantity == 0 and not zero_removes:
            errors.append(ErrorDetail("ZERO_QUANTITY", "Quantity must be at least 1.", where))
        elif quantity > limit:
            errors.append(
                ErrorDetail(
                    "QUANTITY_GREATER_THAN_LIMIT",
                    f"Cannot buy more than {limit} of one item in one checkout.",
                    where,
                )
            )
    if errors:
        raise DomainError(*errors)


def _variants(variant_ids: set[int]) -> dict[int, ProductVariant]:
    found = ProductVariant.objects.in_bulk(list(variant_ids))
    missing = sorted(variant_ids - set(found))
    if missing:
        raise DomainError.single(
            "NOT_FOUND",
            "Some variants do not exist.",
            field="lines",
            variants=missing,
        )
    return found


def _write_quantities(checkout: Checkout, wanted: dict[int, int]) -> tuple[set[int], dict]:
    """Set lines' quantities by variant (0 removes).

    Returns the variants whose lines remain and, per changed variant, the
    line's quantity before (0: a new line). At most one DELETE, one INSERT
    and one UPDATE whatever the number of lines, so a ten-line add costs
    what a one-line add does (plus one release when removed lines may hold units).
    """
    existing = {line.variant_id: line for line in checkout.lines.all()}
    removed, added, raised = [], [], []
    changed = set()
    before: dict[int, int] = {}
    for variant_id, quantity in wanted.items():
        line = existing.get(variant_id)
        if quantity == 0:
            if line is not None:
                removed.append(line.pk)
            continue
        before[variant_id] = line.quantity if line is not None else 0
        if line is None:
            added.append(CheckoutLine(checkout=checkout, variant_id=variant_id, quantity=quantity))
        elif line.quantity != quantity:
            line.quantity = quantity
            raised.append(line)
        changed.add(variant_id)
    if removed:
        if reservation_policy.active(checkout.channel):
            reservations.release_lines(removed)
        CheckoutLine.objects.filter(pk__in=removed).delete()
    if added:
        CheckoutLine.objects.bulk_create(added)
    if raised:
        CheckoutLine.objects.bulk_update(raised, ["quantity"])
    return changed, before


def _hold(checkout: Checkout, info, before: dict[int, int], requester) -> None:
    """Refresh the checkout's holds, then reserve what the changed lines added (LAST).

    `before`: per changed variant, the line's quantity before the change.
    Lines are reserved in variant order, so two checkouts lock the stock rows
    of several variants in the same order. When a reserve finds nothing it
    sweeps the variant's expired holds and tries once more; a line raised or
    created that still cannot be held answers INSUFFICIENT_STOCK.
    """
    channel = checkout.channel
    if not reservation_policy.active(channel):
        return
    lines = {line_info.variant.pk: line_info for line_info in info.lines}
    now = timezone.now()
    minutes = _refresh_holds(
        checkout,
        {variant_id: line_info.line.pk for variant_id, line_info in lines.items()},
        requester,
        now,
    )
    lowered = [
        lines[variant_id]
        for variant_id, quantity in before.items()
        if variant_id in lines and lines[variant_id].quantity < quantity
    ]
    if lowered:
        reservations.release_lines([line_info.line.pk for line_info in lowered])
    errors = []
    for variant_id in sorted(before):
        line_info = lines.get(variant_id)
        if line_info is None or variant_id not in minutes or not line_info.variant.track_inventory:
            continue
        quantity = line_info.quantity
        wanted = quantity if quantity < before[variant_id] else quantity - before[variant_id]
        if wanted <= 0:
            continue
        until = now + timedelta(minutes=minutes[variant_id])
        reserved = reservations.reserve_or_sweep(
            line_info.line.pk, variant_id, wanted, channel_id=channel.pk, until=until
        )
        if not reserved and quantity > before[variant_id]:
            errors.append(_insufficient(line_info, wanted))
    if errors:
        raise DomainError(*errors)


def _insufficient(line_info, wanted: int) -> ErrorDetail:
    name = line_info.product.name
    if line_info.variant.name:
        name = f"{name} ({line_info.variant.name})"
    return ErrorDetail(
        code="INSUFFICIENT_STOCK",
        message=f"Could not reserve {wanted} more of {name}: not enough left in stock.",
        field="quantity",
        extra={"variants": [line_info.variant.pk], "lines": [line_info.line.pk]},
    )


def _buyer(checkout: Checkout, requester):
    """Whom the reservation policy asks about: who made the request, else the owner."""
    if requester is not None and requester.is_authenticated:
        return requester
    return checkout.user if checkout.user_id else None


def _refresh_holds(checkout: Checkout, line_of: dict, requester, now) -> dict[int, int]:
    """The lines' live holds last from now again (one UPDATE, none when nothing is held).

    `line_of` maps each variant to its line; returns the policy's minutes per variant.
    """
    minutes = reservation_policy.reservation_minutes(
        checkout.channel, sorted(line_of), _buyer(checkout, requester)
    )
    reservations.refresh_lines(
        {line_of[v]: now + timedelta(minutes=m) for v, m in minutes.items() if v in line_of},
        now=now,
    )
    return minutes


def _refresh(checkout: Checkout, requester=None) -> None:
    """A change other than lines: the checkout's live holds last from now again."""
    if not reservation_policy.active(checkout.channel):
        return
    variants = dict(checkout.lines.values_list("variant_id", "pk"))
    _refresh_holds(checkout, variants, requester, timezone.now())


def _validate_changed(checkout: Checkout, variant_ids: set[int], requester=None):
    info = fetch_checkout_info(checkout, requester)
    validate_lines(info, [li for li in info.lines if li.variant.pk in variant_ids], ADD)
    return info


def _recheck_delivery(checkout: Checkout, info=None) -> None:
    """Clear a shipping method the checkout can no longer use (and remember it)."""
    if checkout.shipping_method_id is None:
        return
    info = info or fetch_checkout_info(checkout)
    totals = calculate(info)
    if shipping.is_method_available(info, totals, checkout.shipping_method_id):
        return
    checkout.invalidated_delivery = ShippingMethod.objects.filter(
        pk=checkout.shipping_method_id
    ).first()
    checkout.shipping_method = None
    checkout.save(update_fields=["shipping_method", "last_change"])


def _touch(checkout: Checkout, *fields: str) -> None:
    checkout.save(update_fields=[*fields, "last_change"])


@transaction.atomic
def create_checkout(data: NewCheckout, user=None) -> Checkout:
    if not data.channel_slug:
        raise DomainError.single("REQUIRED", "A channel is required.", field="channel")
    channel = Channel.objects.filter(slug=data.channel_slug).first()
    if channel is None:
        raise DomainError.single(
            "NOT_FOUND", f"Channel {data.channel_slug!r} does not exist.", field="channel"
        )
    if not channel.is_active:
        raise DomainError.single(
            "CHANNEL_INACTIVE", f"Channel {channel.slug!r} is not active.", field="channel"
        )
    signed_in = user is not None and user.is_authenticated
    email = _clean_email(data.email) if data.email else (user.email if signed_in else "")
    _quantity_errors([(i, line.quantity) for i, line in enumerate(data.lines)], zero_removes=False)
    wanted: dict[int, int] = {}
    for line in data.lines:
        wanted[line.variant_id] = wanted.get(line.variant_id, 0) + line.quantity
    _variants(set(wanted))

    checkout = Checkout(
        channel=channel,
        currency=channel.currency_code,
        email=email,
        user=user if signed_in else None,
        language_code=data.language_code or settings.LANGUAGE_CODE,
    )
    if data.shipping_address is not None:
        checkout.shipping_address = _save_address(
            None, data.shipping_address, "shipping_address.", data.shipping_rules
        )
    if data.billing_address is not None:
        checkout.billing_address = _save_address(
            None, data.billing_address, "billing_address.", data.billing_rules
        )
    checkout.save()
    checkout.invalidated_delivery = None
    changed, before = _write_quantities(checkout, wanted)
    info = _validate_changed(checkout, changed, user)
    _hold(checkout, info, before, user)
    return checkout


@transaction.atomic
def add_lines(checkout: Checkout, lines: list[LineInput], requester=None) -> Checkout:
    checkout = _lock(checkout)
    _quantity_errors([(i, line.quantity) for i, line in enumerate(lines)], zero_removes=False)
    _variants({line.variant_id for line in lines})
    current = dict(checkout.lines.values_list("variant_id", "quantity"))
    wanted: dict[int, int] = {}
    for line in lines:
        wanted[line.variant_id] = wanted.get(line.variant_id, current.get(line.variant_id, 0))
        wanted[line.variant_id] += line.quantity
    changed, before = _write_quantities(checkout, wanted)
    info = _validate_changed(checkout, changed, requester)
    _touch(checkout)
    _recheck_delivery(checkout, info)
    _hold(checkout, info, before, requester)
    return checkout


@transaction.atomic
def update_lines(checkout: Checkout, updates: list[LineUpdate], requester=None) -> Checkout:
    """Set quantities of lines named by line ID or variant; quantity 0 removes the line."""
    checkout = _lock(checkout)
    _quantity_errors([(i, u.quantity) for i, u in enumerate(updates)], zero_removes=True)
    lines = {line.pk: line for line in checkout.lines.all()}
    wanted: dict[int, int] = {}
    for index, update in enumerate(updates):
        if update.line_id is not None:
            line = lines.get(update.line_id)
            if line is None:
                raise DomainError.single(
                    "NOT_FOUND",
                    "The checkout has no such line.",
                    field=f"lines.{index}.line_id",
                    lines=[update.line_id],
                )
            wanted[line.variant_id] = update.quantity
        elif update.variant_id is not None:
            _variants({update.variant_id})
            wanted[update.variant_id] = update.quantity
        else:
            raise DomainError.single(
                "REQUIRED", "Give lineId or variantId.", field=f"lines.{index}.line_id"
            )
    changed, before = _write_quantities(checkout, wanted)
    info = _validate_changed(checkout, changed, requester)
    _touch(checkout)
    _recheck_delivery(checkout, info)
    _hold(checkout, info, before, requester)
    return checkout


@transaction.atomic
def delete_lines(checkout: Checkout, line_ids: list[UUID], requester=None) -> Checkout:
    checkout = _lock(checkout)
    existing = set(checkout.lines.values_list("pk", flat=True))
    missing = [line_id for line_id in line_ids if line_id not in existing]
    if missing:
        raise DomainError.single(
            "NOT_FOUND", "The checkout has no such line.", field="line_id", lines=missing
        )
    if reservation_policy.active(checkout.channel):
        reservations.release_lines(line_ids)
    CheckoutLine.objects.filter(checkout=checkout, pk__in=line_ids).delete()
    _touch(checkout)
    _recheck_delivery(checkout)
    _refresh(checkout, requester)
    return checkout


@transaction.atomic
def update_email(checkout: Checkout, email: str) -> Checkout:
    checkout = _lock(checkout)
    checkout.email = _clean_email(email)
    _touch(checkout, "email")
    return checkout


@transaction.atomic
def update_shipping_address(checkout: Checkout, data: dict, rules: AddressRules) -> Checkout:
    checkout = _lock(checkout)
    existing = checkout.shipping_address if checkout.shipping_address_id else None
    checkout.shipping_address = _save_address(existing, data, "shipping_address.", rules)
    _touch(checkout, "shipping_address")
    _recheck_delivery(checkout)
    _refresh(checkout)
    return checkout


@transaction.atomic
def update_billing_address(checkout: Checkout, data: dict, rules: AddressRules) -> Checkout:
    checkout = _lock(checkout)
    existing = checkout.billing_address if checkout.billing_address_id else None
    checkout.billing_address = _save_address(existing, data, "billing_address.", rules)
    _touch(checkout, "billing_address")
    return checkout


@transaction.atomic
def set_delivery_method(
    checkout: Checkout,
    method_id: int | None,
    *,
    field_name: str = "delivery_method_id",
    code: str = "DELIVERY_METHOD_NOT_APPLICABLE",
) -> Checkout:
    """Choose a shipping method (None clears it); it must be available to this checkout."""
    checkout = _lock(checkout)
    if method_id is None:
        checkout.shipping_method = None
        _touch(checkout, "shipping_method")
        return checkout
    if not ShippingMethod.objects.filter(pk=method_id).exists():
        raise DomainError.single(
            "NOT_FOUND", "This shipping method does not exist.", field=field_name
        )
    info = fetch_checkout_info(checkout)
    if not info.is_shipping_required:
        raise DomainError.single(
            "SHIPPING_NOT_REQUIRED", "Nothing in this checkout needs shipping.", field=field_name
        )
    if info.shipping_address is None:
        raise DomainError.single(
            "SHIPPING_ADDRESS_NOT_SET",
            "Set a shipping address before choosing a shipping method.",
            field=field_name,
        )
    if not shipping.is_method_available(info, calculate(info), method_id):
        raise DomainError.single(
            code,
            "This shipping method is not available for the checkout's address, "
            "channel or order value.",
            field=field_name,
        )
    checkout.shipping_method_id = method_id
    _touch(checkout, "shipping_method")
    _refresh(checkout)
    return checkout


@transaction.atomic
def add_promo_code(checkout: Checkout, code: str) -> Checkout:
    checkout = _lock(checkout)
    info = fetch_checkout_info(checkout)
    voucher, listing = voucher_with_listing(code, info.channel)
    check_voucher(voucher, listing, calculate(info).subtotal.gross)
    checkout.voucher_code = voucher.code
    _touch(checkout, "voucher_code")
    _recheck_delivery(checkout)
    return checkout


@transaction.atomic
def remove_promo_code(
    checkout: Checkout, code: str | None = None, voucher_id: int | None = None
) -> Checkout:
    """Remove the checkout's voucher if it is the one named; another code changes nothing."""
    checkout = _lock(checkout)
    if not checkout.voucher_code:
        return checkout
    current = (checkout.voucher_code or "").lower()
    matches = bool(code) and code.strip().lower() == current
    if voucher_id is not None:
        voucher, _ = voucher_with_listing(checkout.voucher_code, checkout.channel)
        matches = matches or (voucher is not None and voucher.pk == voucher_id)
    if matches:
        checkout.voucher_code = ""
        _touch(checkout, "voucher_code")
        _recheck_delivery(checkout)
    return checkout


@transaction.atomic
def attach_customer(checkout: Checkout, user, customer_id: int | None = None) -> Checkout:
    """Attach the signed-in customer to the checkout; their email becomes its email.

    Holding a checkout's ID lets anyone act on it (see `selectors`), but whose
    checkout it is stays the customer's call: one attaches only oneself
    (`customer_id`, if given, must be one's own), and never to a checkout
    another customer holds, which would move their cart and their order to
    a stranger's account.
    """
    if user is None or not user.is_authenticated:
        raise DomainError.single("INVALID", "Sign in to attach the checkout to your account.")
    if customer_id is not None and customer_id != user.pk:
        raise DomainError.single(
            "INVALID", "Only the signed-in customer can be attached.", field="customer_id"
        )
    checkout = _lock(checkout)
    if checkout.user_id is not None and checkout.user_id != user.pk:
        raise DomainError.single("INVALID", "This checkout belongs to another account.", field="id")
    checkout.user = user
    checkout.email = user.email
    _touch(checkout, "user", "email")
    return checkout


@transaction.atomic
def detach_customer(checkout: Checkout, user) -> Checkout:
    """Detach the checkout from the signed-in customer's account.

    Only the attached customer may: anyone else holding the ID could
    otherwise turn a customer's checkout into a guest one.
    """
    if user is None or not user.is_authenticated:
        raise DomainError.single("INVALID", "Sign in to detach the checkout from your account.")
    checkout = _lock(checkout)
    if not is_customer_of(checkout, user):
        raise DomainError.single(
            "INVALID", "Only the customer the checkout is attached to can detach it.", field="id"
        )
    checkout.user = None
    _touch(checkout, "user")
    return checkout


@transaction.atomic
def update_language_code(checkout: Checkout, language_code: str) -> Checkout:
    checkout = _lock(checkout)
    checkout.language_code = language_code
    _touch(checkout, "language_code")
    return checkout
