"""checkoutComplete: a paid checkout becomes an order, exactly once.

Everything happens in one transaction (the service's own, or a savepoint in
the caller's), in this order:

0. with an idempotency key, claim it first (`marquee.core.idempotency`): a
   retry under the same key waits for the first attempt and returns its order;
1. lock the checkout row (SELECT ... FOR UPDATE), so concurrent completes
   of one checkout run one after another; a checkout already completed is
   gone, and its order is found by `checkout_token` and returned again.
   Whoever holds the checkout ID may complete it (`checkout.selectors`);
   the result says whether this caller sees the order unmasked;
2. validate and price it (the checkout package's validators and totals);
3. require payment: the checkout's transactions must cover the total;
4. write the order, its lines (snapshots, with the exact undiscounted line
   total) and one `OrderLineDiscount` per price rule that priced a line and
   per line's voucher share (`_line_discounts`), address copies, move the
   transactions, count the voucher use (conditional UPDATE), run the
   placement hooks (`hooks`: licensing snapshots licences and terms per
   line), record PLACED and the outbox's order.placed (and order.paid when
   already fully charged) in one INSERT, then claim stock (see
   `allocation`: the lines' reservations become their allocation in one
   statement when the channel may hold stock), last, so the stock rows stay
   locked only until the commit, and delete the checkout;
5. nothing after the commit: the confirmation email is the outbox's
   (`orders.emails`, a consumer of order.placed), so a broker that is down
   then neither loses it nor fails the answer of an order that was placed.

Any DomainError rolls all of it back. Statements are constant in the
number of lines except one UPDATE per stock row claimed (see
tests/orders/test_query_counts.py); the discounts are one INSERT, written
only when there are any.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q

from marquee.core import idempotency
from marquee.core.exceptions import DomainError

from ..checkout.info import fetch_checkout_info
from ..checkout.selectors import checkout_for
from ..checkout.validators import validate_checkout_for_completion
from ..models import (
    Order,
    OrderEventType,
    OrderLine,
    OrderLineDiscount,
    OrderLineDiscountType,
    OrderStatus,
    TransactionItem,
    Voucher,
    VoucherType,
)
from ..outbox import events as outbox
from ..pricing import quantize_price
from ..pricing.taxes import taxed
from ..reservations import policy as reservation_policy
from . import allocation, events, hooks, selectors
from .payment_status import charge_status, order_is_paid, transaction_sums


@dataclass
class Placed:
    """The order a completion placed (or found again), and whether the caller sees it all.

    `full_access` is what `order(id)` would grant this caller: the owner and
    staff see personal data; anyone else who held the checkout ID, including
    whoever replays the completion, sees it masked.
    """

    order: Order
    created: bool
    full_access: bool = False


def _full_access(order: Order, user) -> bool:
    return selectors.is_staff(user) or selectors.owns(user, order)


def _owner(checkout, user):
    if checkout.user_id:
        return checkout.user
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def _require_payment(checkout, total: Decimal) -> dict[str, Decimal]:
    sums = transaction_sums(checkout=checkout)
    covered = sums["charged"] + sums["authorized"]
    if covered < total:
        raise DomainError.single(
            "CHECKOUT_NOT_FULLY_PAID",
            f"The checkout's payments ({covered:.2f} {checkout.currency}) do not cover its "
            f"total ({total:.2f} {checkout.currency}). Pay the rest with transactionInitialize "
            "first.",
            field="id",
        )
    return sums


def _use_voucher(voucher) -> None:
    """Count one use; the WHERE makes the limit hold under concurrency."""
    if voucher is None:
        return
    used = Voucher.objects.filter(
        Q(usage_limit__isnull=True) | Q(used__lt=F("usage_limit")), pk=voucher.pk
    ).update(used=F("used") + 1)
    if not used:
        raise DomainError.single(
            "VOUCHER_NOT_APPLICABLE",
            f"Voucher {voucher.code} has reached its usage limit.",
            field="promo_code",
        )


def _rule_discounts(line_totals, info) -> list[tuple[object, Decimal]]:
    """(rule application, gross it took off the whole line), in rule order.

    Each rule's share is the drop in the taxed line gross it caused, so the
    shares add up to ``undiscounted.gross - after_rules.gross`` exactly.
    """
    channel, rate = info.channel, line_totals.tax_rate
    currency, quantity = line_totals.undiscounted_unit_price.currency, line_totals.quantity
    price = line_totals.undiscounted_unit_price.amount
    shares = []
    for application in line_totals.rule_applications:
        before = taxed(price * quantity, rate, channel.prices_entered_with_tax, currency)
        price -= application.unit_amount.amount
        after = taxed(price * quantity, rate, channel.prices_entered_with_tax, currency)
        shares.append((application, before.gross.amount - after.gross.amount))
    return shares


def _voucher_reason(voucher) -> str:
    return f"Voucher {voucher.code}"


def _line_discounts(line, line_totals, info, totals) -> list[OrderLineDiscount]:
    """The rows that say which rules (and which voucher share) priced a line."""
    currency = totals.currency
    rows = [
        OrderLineDiscount(
            line=line,
            type=OrderLineDiscountType.RULE,
            name=application.name,
            reason=application.reason,
            rule_key=application.key,
            value_type=application.kind,
            value=application.value,
            currency=currency,
            amount_value=amount,
        )
        for application, amount in _rule_discounts(line_totals, info)
    ]
    voucher = totals.voucher
    if voucher is not None and line_totals.discount.amount:
        rows.append(
            OrderLineDiscount(
                line=line,
                type=OrderLineDiscountType.VOUCHER,
                name=voucher.name or voucher.code,
                reason=_voucher_reason(voucher),
                voucher_code=voucher.code,
                value_type="percentage"
                if voucher.discount_type == VoucherType.PERCENTAGE
                else "fixed",
                value=info.voucher_listing.discount_value if info.voucher_listing else 0,
                currency=currency,
                amount_value=line_totals.discount.amount,
            )
        )
    for index, row in enumerate(rows):
        row.sort_order = index
    return rows


def _order_lines(order, info, totals) -> tuple[list[OrderLine], list[OrderLineDiscount]]:
    language = (info.checkout.language_code or "").lower()
    lines = []
    for index, (line_info, line_totals) in enumerate(zip(info.lines, totals.lines, strict=True)):
        variant, product = line_info.variant, line_info.product
        translations = (getattr(product, "translations", None) or {}).get(language) or {}
        undiscounted_total = line_totals.undiscounted_total_price
        quantity = line_info.quantity
        discounted = line_totals.rule_discount + line_totals.discount
        reasons = [a.reason for a in line_totals.rule_applications]
        if totals.voucher is not None and line_totals.discount.amount:
            reasons.append(_voucher_reason(totals.voucher))
        unit_discount = _unit(discounted, quantity)
        lines.append(
            OrderLine(
                order=order,
                variant=variant,
                product_name=product.name,
                variant_name=variant.name,
                translated_product_name=translations.get("name", ""),
                product_sku=variant.sku or "",
                product_id=product.pk,
                is_shipping_required=line_info.requires_shipping,
                quantity=quantity,
                currency=totals.currency,
                undiscounted_unit_price_net_amount=_unit(undiscounted_total.net, quantity),
                undiscounted_unit_price_gross_amount=_unit(undiscounted_total.gross, quantity),
                undiscounted_total_price_net_amount=undiscounted_total.net.amount,
                undiscounted_total_price_gross_amount=undiscounted_total.gross.amount,
                unit_price_net_amount=line_totals.unit_price.net.amount,
                unit_price_gross_amount=line_totals.unit_price.gross.amount,
                total_price_net_amount=line_totals.total_price.net.amount,
                total_price_gross_amount=line_totals.total_price.gross.amount,
                unit_discount_amount=unit_discount,
                unit_discount_reason="; ".join(reasons),
                unit_discount_type="fixed" if discounted.amount else "",
                unit_discount_value=unit_discount,
                tax_rate=line_totals.tax_rate,
                sort_order=index,
            )
        )
    lines = OrderLine.objects.bulk_create(lines)
    discounts = [
        row
        for line, line_totals in zip(lines, totals.lines, strict=True)
        for row in _line_discounts(line, line_totals, info, totals)
    ]
    if discounts:
        OrderLineDiscount.objects.bulk_create(discounts)
    return lines, discounts


def _unit(total, quantity: int) -> Decimal:
    """A unit price for display, rounded once (ROUND_HALF_UP); line totals stay exact."""
    return quantize_price(total.amount / quantity, total.currency).amount


@transaction.atomic
def complete_checkout(
    checkout_token,
    *,
    user=None,
    customer_note: str | None = None,
    idempotency_key: str | None = None,
) -> Placed:
    """Place the checkout's order; the same idempotency key again returns the same order."""
    placed, replayed = idempotency.once(
        "checkout.complete",
        idempotency_key,
        user=user,
        arguments={"checkout": str(checkout_token)},
        run=lambda: _complete(checkout_token, user, customer_note),
        outcome=lambda placed: {"order": str(placed.order.pk)},
        replay=lambda refs: Order.objects.get(pk=refs["order"]),
    )
    if replayed:
        return Placed(order=placed, created=False, full_access=_full_access(placed, user))
    return placed


def _complete(checkout_token, user, customer_note) -> Placed:
    checkout = checkout_for(checkout_token, user, lock=True)
    if checkout is None:
        order = Order.objects.filter(checkout_token=checkout_token).first()
        if order is not None:
            return Placed(order=order, created=False, full_access=_full_access(order, user))
        raise DomainError.single(
            "NOT_FOUND", f"Checkout {checkout_token} does not exist.", field="id"
        )

    info = fetch_checkout_info(checkout, requester=user)
    totals = validate_checkout_for_completion(checkout, info)
    sums = _require_payment(checkout, totals.total.gross.amount)

    owner = _owner(checkout, user)
    shipping_address = checkout.shipping_address.copy() if checkout.shipping_address_id else None
    billing_address = checkout.billing_address.copy() if checkout.billing_address_id else None
    voucher = totals.voucher
    undiscounted_total = (
        totals.subtotal if totals.undiscounted_subtotal is None else totals.undiscounted_subtotal
    ) + totals.shipping_price
    order = Order.objects.create(
        checkout_token=checkout.token,
        status=OrderStatus.UNFULFILLED
        if checkout.channel.automatically_confirm_all_new_orders
        else OrderStatus.UNCONFIRMED,
        charge_status=charge_status(totals.total.gross.amount, sums["charged"], sums["refunded"]),
        user=owner,
        user_email=checkout.email or (owner.email if owner else ""),
        language_code=checkout.language_code,
        channel=checkout.channel,
        currency=totals.currency,
        shipping_address=shipping_address,
        billing_address=billing_address,
        shipping_method=info.shipping_method,
        shipping_method_name=info.shipping_method.name if info.shipping_method else "",
        shipping_price_net_amount=totals.shipping_price.net.amount,
        shipping_price_gross_amount=totals.shipping_price.gross.amount,
        subtotal_net_amount=totals.subtotal.net.amount,
        subtotal_gross_amount=totals.subtotal.gross.amount,
        undiscounted_total_net_amount=undiscounted_total.net.amount,
        undiscounted_total_gross_amount=undiscounted_total.gross.amount,
        total_net_amount=totals.total.net.amount,
        total_gross_amount=totals.total.gross.amount,
        total_charged_amount=sums["charged"],
        total_refunded_amount=sums["refunded"],
        voucher=voucher,
        voucher_code=voucher.code if voucher else "",
        discount_amount=totals.discount.amount,
        discount_name=(voucher.name or voucher.code) if voucher else "",
        customer_note=customer_note if customer_note is not None else checkout.customer_note,
        metadata=dict(checkout.metadata or {}),
    )
    lines, _discounts = _order_lines(order, info, totals)
    TransactionItem.objects.filter(checkout=checkout).update(order=order, checkout=None)
    _use_voucher(voucher)
    hooks.run_placement_hooks(hooks.Placement(order=order, lines=lines, info=info, totals=totals))
    events.record(order, OrderEventType.PLACED, user=user, checkout=str(checkout.token))
    _record_outbox(order, lines, checkout, info)
    # Stock last (before the checkout and its lines' holds go): the stock rows,
    # a drop's hot row among them, stay locked only until the commit.
    allocation.allocate(
        [
            allocation.Demand(
                order_line=line,
                variant_id=line_info.variant.pk,
                quantity=line.quantity,
                label=_label(line),
                checkout_line_id=line_info.line.pk,
            )
            for line, line_info in zip(lines, info.lines, strict=True)
            if line_info.variant.track_inventory
        ],
        channel_id=checkout.channel_id,
        country=shipping_address.country if shipping_address else None,
        convert=reservation_policy.active(checkout.channel),
    )
    checkout.delete()
    return Placed(order=order, created=True, full_access=_full_access(order, user))


def _record_outbox(order, lines, checkout, info) -> None:
    """order.placed, and order.paid when the payments already cover it: one INSERT."""
    placed = outbox.placed(
        order, lines, channel_slug=checkout.channel.slug, country=info.delivery_country
    )
    outbox.record_many([placed, outbox.paid(order)] if order_is_paid(order) else [placed])


def _label(line: OrderLine) -> str:
    name = f"{line.product_name} ({line.variant_name})" if line.variant_name else line.product_name
    return f"{name}, SKU {line.product_sku}" if line.product_sku else name
