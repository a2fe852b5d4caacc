"""Checkout, its lines and shipping methods, in Saleor's shapes.

Resolvers hold no rules: prices come from `merch.checkout.calculations`
(through `CheckoutDataLoader`, one pricing pass per checkout per request),
availability from `merch.checkout.shipping`.
"""

from __future__ import annotations

from dataclasses import dataclass

import graphene
from graphene import relay
from prices import Money as PricesMoney

from marquee.merch.checkout import shipping
from marquee.merch.checkout.calculations import LineTotals
from marquee.merch.checkout.selectors import may_see_customer
from marquee.merch.orders.payment_status import checkout_balance, checkout_payment_status
from marquee.merch.pricing import quantize_price
from marquee.merch.reservations import selectors as reservation_selectors

from ..accounts.types import Address
from ..core.dataloaders import gather, then
from ..core.money import Money, TaxedMoney
from ..core.types import LANGUAGE_CODES, LanguageCodeEnum
from ..merch.types.channel import Channel
from ..merch.types.context import ChannelContext
from ..merch.types.products import ProductVariant
from ..metadata.types import ObjectWithMetadata
from .dataloaders import CheckoutDataLoader, CheckoutPaymentSumsLoader
from .ids import to_global_id


class CheckoutAuthorizeStatusEnum(graphene.Enum):
    NONE = "NONE"
    PARTIAL = "PARTIAL"
    FULL = "FULL"


class CheckoutChargeStatusEnum(graphene.Enum):
    NONE = "NONE"
    PARTIAL = "PARTIAL"
    FULL = "FULL"
    OVERCHARGED = "OVERCHARGED"


class GiftCard(graphene.ObjectType):
    """Saleor's gift card; Marquee sells none yet, so `Checkout.giftCards` is empty."""

    display_code = graphene.String(required=True)
    last_4_code_chars = graphene.String(required=True)
    code = graphene.String(required=True)
    is_active = graphene.Boolean(required=True)
    initial_balance = graphene.Field(Money, required=True)
    current_balance = graphene.Field(Money, required=True)
    expiry_date = graphene.Date()

    class Meta:
        interfaces = (relay.Node,)


@dataclass(frozen=True)
class ShippingOption:
    """A shipping method as offered to one checkout: its channel listing and whether it fits."""

    listing: object  # ShippingMethodChannelListing, with `method` loaded
    active: bool = True
    message: str | None = None

    @property
    def method(self):
        return self.listing.method


class ShippingMethod(graphene.ObjectType):
    name = graphene.String(required=True)
    description = graphene.JSONString()
    minimum_delivery_days = graphene.Int()
    maximum_delivery_days = graphene.Int()
    price = graphene.Field(Money, required=True, description="The price as listed in the channel.")
    minimum_order_price = graphene.Field(Money)
    maximum_order_price = graphene.Field(Money)
    active = graphene.Boolean(required=True)
    message = graphene.String()

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_id(root, _info):
        return root.method.pk

    @staticmethod
    def resolve_name(root, _info):
        return root.method.name

    @staticmethod
    def resolve_description(_root, _info):
        return None

    @staticmethod
    def resolve_minimum_delivery_days(root, _info):
        return root.method.minimum_delivery_days

    @staticmethod
    def resolve_maximum_delivery_days(root, _info):
        return root.method.maximum_delivery_days

    @staticmethod
    def resolve_price(root, _info):
        return quantize_price(root.listing.price_amount, root.listing.currency)

    @staticmethod
    def resolve_minimum_order_price(root, _info):
        amount = root.listing.minimum_order_price_amount
        return None if amount is None else quantize_price(amount, root.listing.currency)

    @staticmethod
    def resolve_maximum_order_price(root, _info):
        amount = root.listing.maximum_order_price_amount
        return None if amount is None else quantize_price(amount, root.listing.currency)


class DeliveryMethod(graphene.Union):
    """Saleor's union also has Warehouse (click and collect), which Marquee does not offer."""

    class Meta:
        types = (ShippingMethod,)

    @classmethod
    def resolve_type(cls, instance, info):
        return ShippingMethod


class Delivery(graphene.ObjectType):
    id = graphene.ID(required=True)
    shipping_method = graphene.Field(ShippingMethod)

    @staticmethod
    def resolve_id(root, _info):
        return to_global_id("Delivery", root.method.pk)

    @staticmethod
    def resolve_shipping_method(root, _info):
        return root


class CheckoutProblemDeliveryMethodStale(graphene.ObjectType):
    delivery = graphene.Field(Delivery, required=True)


class CheckoutProblemDeliveryMethodInvalid(graphene.ObjectType):
    delivery = graphene.Field(Delivery, required=True)


class CheckoutLineProblemInsufficientStock(graphene.ObjectType):
    available_quantity = graphene.Int()
    line = graphene.Field(lambda: CheckoutLine, required=True)
    variant = graphene.Field(ProductVariant, required=True)


class CheckoutLineProblemVariantNotAvailable(graphene.ObjectType):
    line = graphene.Field(lambda: CheckoutLine, required=True)


class CheckoutLineProblem(graphene.Union):
    class Meta:
        types = (CheckoutLineProblemInsufficientStock, CheckoutLineProblemVariantNotAvailable)


class CheckoutProblem(graphene.Union):
    class Meta:
        types = (
            CheckoutProblemDeliveryMethodStale,
            CheckoutProblemDeliveryMethodInvalid,
            CheckoutLineProblemInsufficientStock,
            CheckoutLineProblemVariantNotAvailable,
        )


@dataclass(frozen=True)
class LineView:
    totals: LineTotals
    line_info: object  # merch.checkout.info.LineInfo
    channel: object
    data: object  # dataloaders.CheckoutData, whose validators' verdict the line shares

    @property
    def variant_context(self):
        return ChannelContext(self.totals.variant, self.channel)


def _line_views(data) -> list[LineView]:
    return [
        LineView(totals=lt, line_info=li, channel=data.info.channel, data=data)
        for lt, li in zip(data.totals.lines, data.info.lines, strict=True)
    ]


def _line_problem(view: LineView):
    """The checkout validators' objection to a line, in Saleor's two shapes.

    INSUFFICIENT_STOCK becomes `CheckoutLineProblemInsufficientStock`; every
    other code (not sold or published in the channel, unlicensed, quantity out
    of bounds...) becomes `CheckoutLineProblemVariantNotAvailable`.
    """
    problem = view.data.line_problems.get(view.totals.line.pk)
    if problem is None:
        return None
    if problem.is_stock_shortage:
        return CheckoutLineProblemInsufficientStock(
            available_quantity=problem.quantity_available,
            line=view,
            variant=view.variant_context,
        )
    return CheckoutLineProblemVariantNotAvailable(line=view)


def _line_problems(lines: list[LineView]) -> list:
    return [found for found in map(_line_problem, lines) if found is not None]


class CheckoutLine(graphene.ObjectType):
    variant = graphene.Field(ProductVariant, required=True)
    quantity = graphene.Int(required=True)
    unit_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_unit_price = graphene.Field(Money, required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    undiscounted_total_price = graphene.Field(Money, required=True)
    requires_shipping = graphene.Boolean(required=True)
    problems = graphene.List(graphene.NonNull(CheckoutLineProblem))
    is_gift = graphene.Boolean()

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_id(root, _info):
        return str(root.totals.line.pk)

    @staticmethod
    def resolve_variant(root, _info):
        return root.variant_context

    @staticmethod
    def resolve_quantity(root, _info):
        return root.totals.quantity

    @staticmethod
    def resolve_unit_price(root, _info):
        return root.totals.unit_price

    @staticmethod
    def resolve_undiscounted_unit_price(root, _info):
        return root.totals.undiscounted_unit_price

    @staticmethod
    def resolve_total_price(root, _info):
        return root.totals.total_price

    @staticmethod
    def resolve_undiscounted_total_price(root, _info):
        unit = root.totals.undiscounted_unit_price
        return quantize_price(unit.amount * root.totals.quantity, unit.currency)

    @staticmethod
    def resolve_requires_shipping(root, _info):
        return root.line_info.requires_shipping

    @staticmethod
    def resolve_problems(root, _info):
        return _line_problems([root])

    @staticmethod
    def resolve_is_gift(_root, _info):
        return False


def _data(info, checkout):
    return CheckoutDataLoader(info.context).load(checkout)


def _payment_sums(info, checkout):
    return CheckoutPaymentSumsLoader(info.context).load(checkout.token)


def _payment_status(info, checkout):
    """(charge, authorize) status names from the checkout's transactions and total."""

    def status(results):
        data, sums = results
        return checkout_payment_status(
            data.totals.total.gross.amount, sums["charged"], sums["authorized"]
        )

    return then(gather([_data(info, checkout), _payment_sums(info, checkout)]), status)


def _with_data(info, checkout, fn):
    return then(_data(info, checkout), fn)


def _chosen_option(checkout, data):
    """The chosen shipping method, marked inactive if it no longer fits the checkout."""
    listing = data.info.shipping_listing
    if listing is None:
        return None
    if shipping.offers(data.shipping_listings, listing.method_id):
        return ShippingOption(listing)
    return ShippingOption(
        listing, active=False, message="Not available for this address or order value."
    )


class Checkout(graphene.ObjectType):
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    last_change = graphene.DateTime(required=True, deprecation_reason="Use `updatedAt` instead.")
    user = graphene.Field(
        "marquee.graphql.accounts.types.User",
        description="The customer the checkout is attached to; only they and staff see it.",
    )
    channel = graphene.Field(Channel, required=True)
    billing_address = graphene.Field(Address)
    shipping_address = graphene.Field(Address)
    customer_note = graphene.String(required=True)
    discount = graphene.Field(Money)
    discount_name = graphene.String()
    translated_discount_name = graphene.String()
    voucher_code = graphene.String()
    available_shipping_methods = graphene.NonNull(
        graphene.List(graphene.NonNull(ShippingMethod)),
        deprecation_reason="Use `shippingMethods` instead.",
    )
    shipping_methods = graphene.NonNull(graphene.List(graphene.NonNull(ShippingMethod)))
    available_payment_gateways = graphene.NonNull(
        graphene.List(graphene.NonNull("marquee.graphql.payments.types.PaymentGateway"))
    )
    email = graphene.String()
    gift_cards = graphene.NonNull(graphene.List(graphene.NonNull(GiftCard)))
    is_shipping_required = graphene.Boolean(required=True)
    quantity = graphene.Int(required=True)
    stock_reservation_expires = graphene.DateTime(
        description=(
            "Date when oldest stock reservation for this checkout "
            "expires or null if no stock is reserved."
        )
    )
    lines = graphene.NonNull(graphene.List(graphene.NonNull(CheckoutLine)))
    shipping_price = graphene.Field(TaxedMoney, required=True)
    delivery = graphene.Field(Delivery)
    shipping_method = graphene.Field(ShippingMethod, deprecation_reason="Use `delivery` instead.")
    delivery_method = graphene.Field(DeliveryMethod)
    subtotal_price = graphene.Field(TaxedMoney, required=True)
    tax_exemption = graphene.Boolean(required=True)
    token = graphene.UUID(required=True)
    total_price = graphene.Field(TaxedMoney, required=True)
    total_balance = graphene.Field(Money, required=True)
    language_code = graphene.Field(LanguageCodeEnum, required=True)
    display_gross_prices = graphene.Boolean(required=True)
    authorize_status = graphene.Field(CheckoutAuthorizeStatusEnum, required=True)
    charge_status = graphene.Field(CheckoutChargeStatusEnum, required=True)
    problems = graphene.List(graphene.NonNull(CheckoutProblem))

    class Meta:
        interfaces = (relay.Node, ObjectWithMetadata)

    @staticmethod
    def resolve_id(root, _info):
        return str(root.token)

    @staticmethod
    def resolve_created(root, _info):
        return root.created_at

    @staticmethod
    def resolve_updated_at(root, _info):
        return root.last_change

    @staticmethod
    def resolve_user(root, info):
        if root.user_id is None or not may_see_customer(root, info.context.user):
            return None
        return root.user

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel

    @staticmethod
    def resolve_billing_address(root, info):
        return _with_data(info, root, lambda d: d.info.billing_address)

    @staticmethod
    def resolve_shipping_address(root, info):
        return _with_data(info, root, lambda d: d.info.shipping_address)

    @staticmethod
    def resolve_discount(root, info):
        return _with_data(info, root, lambda d: d.totals.discount)

    @staticmethod
    def resolve_discount_name(root, info):
        def name(data):
            voucher = data.totals.voucher
            return (voucher.name or voucher.code) if voucher else None

        return _with_data(info, root, name)

    resolve_translated_discount_name = resolve_discount_name

    @staticmethod
    def resolve_voucher_code(root, _info):
        return root.voucher_code or None

    @staticmethod
    def resolve_shipping_methods(root, info):
        return _with_data(
            info, root, lambda d: [ShippingOption(listing) for listing in d.shipping_listings]
        )

    resolve_available_shipping_methods = resolve_shipping_methods

    @staticmethod
    def resolve_available_payment_gateways(root, _info):
        from marquee.merch.payments.gateways import enabled_gateways

        from ..payments.types import PaymentGateway

        return [PaymentGateway.from_gateway(g, root.currency) for g in enabled_gateways()]

    @staticmethod
    def resolve_email(root, _info):
        return root.email or None

    @staticmethod
    def resolve_gift_cards(_root, _info):
        return []

    @staticmethod
    def resolve_is_shipping_required(root, info):
        return _with_data(info, root, lambda d: d.info.is_shipping_required)

    @staticmethod
    def resolve_quantity(root, info):
        return _with_data(info, root, lambda d: sum(lt.quantity for lt in d.totals.lines))

    @staticmethod
    def resolve_stock_reservation_expires(root, _info):
        return reservation_selectors.expires_at(root)

    @staticmethod
    def resolve_lines(root, info):
        return _with_data(info, root, _line_views)

    @staticmethod
    def resolve_shipping_price(root, info):
        return _with_data(info, root, lambda d: d.totals.shipping_price)

    @staticmethod
    def resolve_subtotal_price(root, info):
        return _with_data(info, root, lambda d: d.totals.subtotal)

    @staticmethod
    def resolve_total_price(root, info):
        return _with_data(info, root, lambda d: d.totals.total)

    @staticmethod
    def resolve_total_balance(root, info):
        """Charged minus total: negative while money is still owed, as in Saleor."""

        def balance(results):
            data, sums = results
            total = data.totals.total.gross
            return PricesMoney(checkout_balance(total.amount, sums["charged"]), total.currency)

        return then(gather([_data(info, root), _payment_sums(info, root)]), balance)

    @staticmethod
    def resolve_shipping_method(root, info):
        return _with_data(info, root, lambda d: _chosen_option(root, d))

    resolve_delivery_method = resolve_shipping_method
    resolve_delivery = resolve_shipping_method

    @staticmethod
    def resolve_tax_exemption(_root, _info):
        return False

    @staticmethod
    def resolve_language_code(root, _info):
        name = root.language_code.replace("-", "_").upper()
        return name if name in LANGUAGE_CODES else "EN"

    @staticmethod
    def resolve_display_gross_prices(root, _info):
        return True

    @staticmethod
    def resolve_authorize_status(root, info):
        return then(_payment_status(info, root), lambda statuses: statuses[1])

    @staticmethod
    def resolve_charge_status(root, info):
        return then(_payment_status(info, root), lambda statuses: statuses[0])

    @staticmethod
    def resolve_problems(root, info):
        """Delivery and line problems; a method a mutation just cleared is reported here."""

        def build(data):
            problems = []
            cleared = getattr(root, "invalidated_delivery", None)
            if cleared is not None:
                listing = _listing_or_bare(cleared, data)
                problems.append(CheckoutProblemDeliveryMethodInvalid(delivery=listing))
            chosen = _chosen_option(root, data)
            if chosen is not None and not chosen.active:
                problems.append(CheckoutProblemDeliveryMethodInvalid(delivery=chosen))
            return problems + _line_problems(_line_views(data))

        return _with_data(info, root, build)


@dataclass(frozen=True)
class _BareListing:
    """A method without a listing in the channel, priced at zero for display."""

    method: object
    currency: str
    price_amount: int = 0
    minimum_order_price_amount: None = None
    maximum_order_price_amount: None = None

    @property
    def method_id(self):
        return self.method.pk


def _listing_or_bare(method, data):
    from marquee.merch.models import ShippingMethodChannelListing

    listing = (
        ShippingMethodChannelListing.objects.filter(method=method, channel=data.info.channel)
        .select_related("method")
        .first()
    )
    return ShippingOption(
        listing or _BareListing(method=method, currency=data.info.currency),
        active=False,
        message="Cleared: not available for the new address or order value.",
    )
