"""Orders as a buyer (or staff) sees them, in Saleor's shapes.

Resolvers read snapshots stored on the order and its lines, batched per
request through DataLoaders. An order reached without full access (a guest
order by id, or by token) shows personal data masked, as Saleor does.
"""

from __future__ import annotations

import graphene
from graphene import relay
from prices import TaxedMoney

from marquee.merch.models import OrderStatus as OrderStatusModel
from marquee.merch.orders import payment_status
from marquee.merch.pricing import quantize_price

from ..accounts.types import Address
from ..core.dataloaders import then
from ..core.money import Money
from ..core.money import TaxedMoney as TaxedMoneyType
from ..core.types import CountableConnection, Image, ThumbnailFormatEnum
from ..merch import dataloaders as merch_loaders
from ..merch.thumbnails import image_url
from ..merch.types.channel import Channel
from ..merch.types.context import ChannelContext
from ..merch.types.products import ProductVariant
from ..metadata.types import ObjectWithMetadata
from ..payments.scalars import PositiveDecimal
from ..payments.types import TransactionItem
from . import dataloaders as loaders

OrderStatus = graphene.Enum(
    "OrderStatus",
    [
        (name, name)
        for name in (
            "DRAFT",
            "UNCONFIRMED",
            "UNFULFILLED",
            "PARTIALLY_FULFILLED",
            "PARTIALLY_RETURNED",
            "RETURNED",
            "FULFILLED",
            "CANCELED",
            "EXPIRED",
        )
    ],
)


class OrderChargeStatusEnum(graphene.Enum):
    NONE = "NONE"
    PARTIAL = "PARTIAL"
    FULL = "FULL"
    OVERCHARGED = "OVERCHARGED"


class OrderAuthorizeStatusEnum(graphene.Enum):
    NONE = "NONE"
    PARTIAL = "PARTIAL"
    FULL = "FULL"


class PaymentChargeStatusEnum(graphene.Enum):
    NOT_CHARGED = "NOT_CHARGED"
    PENDING = "PENDING"
    PARTIALLY_CHARGED = "PARTIALLY_CHARGED"
    FULLY_CHARGED = "FULLY_CHARGED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    FULLY_REFUNDED = "FULLY_REFUNDED"
    REFUSED = "REFUSED"
    CANCELLED = "CANCELLED"


class FulfillmentStatus(graphene.Enum):
    FULFILLED = "FULFILLED"
    REFUNDED = "REFUNDED"
    RETURNED = "RETURNED"
    REPLACED = "REPLACED"
    REFUNDED_AND_RETURNED = "REFUNDED_AND_RETURNED"
    CANCELED = "CANCELED"
    WAITING_FOR_APPROVAL = "WAITING_FOR_APPROVAL"


class OrderDiscountType(graphene.Enum):
    SALE = "SALE"
    VOUCHER = "VOUCHER"
    MANUAL = "MANUAL"
    PROMOTION = "PROMOTION"
    ORDER_PROMOTION = "ORDER_PROMOTION"


def money(amount, currency):
    return quantize_price(amount, currency)


def taxed(net, gross, currency):
    return TaxedMoney(net=money(net, currency), gross=money(gross, currency))


def _mask(text: str) -> str:
    return f"{text[:1]}..." if text else ""


def _mask_email(email: str) -> str:
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}...@{domain[:1]}...{domain[domain.rfind('.') :]}" if domain else ""


class _MaskedAddress:
    """An address with everything that identifies a person cut to its first letter."""

    MASKED = ("first_name", "last_name", "company_name", "street_address_1", "street_address_2")

    def __init__(self, address):
        self._address = address

    def __getattr__(self, name):
        value = getattr(self._address, name)
        if name in self.MASKED:
            return _mask(value)
        if name == "phone":
            return ""
        return value


class OrderView:
    """An order plus whether the viewer may see its personal data."""

    def __init__(self, order, full_access: bool):
        self.order = order
        self.full_access = full_access

    def __getattr__(self, name):
        return getattr(self.order, name)


class Voucher(graphene.ObjectType):
    code = graphene.String(required=True)
    name = graphene.String()


class OrderDiscount(graphene.ObjectType):
    type = graphene.Field(OrderDiscountType, required=True)
    name = graphene.String()
    translated_name = graphene.String()
    value = graphene.Float(required=True)
    amount = graphene.Field(Money, required=True)
    total = graphene.Field(Money, required=True)

    class Meta:
        interfaces = (relay.Node,)


class DiscountValueTypeEnum(graphene.Enum):
    FIXED = "FIXED"
    PERCENTAGE = "PERCENTAGE"


# A price rule is Saleor's catalogue promotion; vouchers and manual discounts keep their names.
_LINE_DISCOUNT_TYPES = {"rule": "PROMOTION", "voucher": "VOUCHER", "manual": "MANUAL"}


class OrderLineDiscount(graphene.ObjectType):
    """One discount that priced an order line: a price rule or the line's voucher share."""

    type = graphene.Field(OrderDiscountType, required=True)
    name = graphene.String()
    translated_name = graphene.String()
    value_type = graphene.Field(DiscountValueTypeEnum, required=True)
    value = graphene.Field(PositiveDecimal, required=True)
    reason = graphene.String()
    total = graphene.Field(Money, required=True)
    unit = graphene.Field(Money, required=True)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_type(root, _info):
        return _LINE_DISCOUNT_TYPES.get(root.type, "MANUAL")

    @staticmethod
    def resolve_name(root, _info):
        return root.name or None

    resolve_translated_name = resolve_name

    @staticmethod
    def resolve_value_type(root, _info):
        return "PERCENTAGE" if root.value_type == "percentage" else "FIXED"

    @staticmethod
    def resolve_value(root, _info):
        """A percentage or an amount off each unit (a target price shows as that amount)."""
        if root.value_type in ("percentage", "fixed"):
            return root.value
        return OrderLineDiscount._unit(root).amount

    @staticmethod
    def resolve_reason(root, _info):
        return root.reason or None

    @staticmethod
    def resolve_total(root, _info):
        return money(root.amount_value, root.currency)

    @staticmethod
    def _unit(root):
        return money(root.amount_value / root.line.quantity, root.currency)

    @staticmethod
    def resolve_unit(root, _info):
        return OrderLineDiscount._unit(root)


class OrderLine(graphene.ObjectType):
    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    translated_product_name = graphene.String(required=True)
    translated_variant_name = graphene.String(required=True)
    product_sku = graphene.String()
    product_variant_id = graphene.String()
    is_shipping_required = graphene.Boolean(required=True)
    quantity = graphene.Int(required=True)
    quantity_fulfilled = graphene.Int(required=True)
    quantity_to_fulfill = graphene.Int(required=True)
    tax_rate = graphene.Float(required=True)
    thumbnail = graphene.Field(
        Image, size=graphene.Int(), format=graphene.Argument(ThumbnailFormatEnum)
    )
    unit_price = graphene.Field(TaxedMoneyType, required=True)
    undiscounted_unit_price = graphene.Field(TaxedMoneyType, required=True)
    unit_discount = graphene.Field(Money, required=True)
    unit_discount_reason = graphene.String()
    unit_discount_value = graphene.Field(PositiveDecimal, required=True)
    unit_discount_type = graphene.Field(DiscountValueTypeEnum)
    total_price = graphene.Field(TaxedMoneyType, required=True)
    undiscounted_total_price = graphene.Field(TaxedMoneyType, required=True)
    discounts = graphene.List(graphene.NonNull(OrderLineDiscount))
    variant = graphene.Field(ProductVariant)

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_product_sku(root, _info):
        return root.product_sku or None

    @staticmethod
    def resolve_product_variant_id(root, _info):
        from graphql_relay import to_global_id

        return to_global_id("ProductVariant", root.variant_id) if root.variant_id else None

    @staticmethod
    def resolve_translated_product_name(root, _info):
        return root.translated_product_name or root.product_name

    @staticmethod
    def resolve_translated_variant_name(root, _info):
        return root.variant_name

    @staticmethod
    def resolve_quantity_to_fulfill(root, _info):
        return root.quantity - root.quantity_fulfilled - root.quantity_refunded

    @staticmethod
    def resolve_tax_rate(root, _info):
        return float(root.tax_rate) / 100

    @staticmethod
    def resolve_unit_price(root, _info):
        return taxed(root.unit_price_net_amount, root.unit_price_gross_amount, root.currency)

    @staticmethod
    def resolve_undiscounted_unit_price(root, _info):
        return taxed(
            root.undiscounted_unit_price_net_amount,
            root.undiscounted_unit_price_gross_amount,
            root.currency,
        )

    @staticmethod
    def resolve_unit_discount(root, _info):
        return money(root.unit_discount_amount, root.currency)

    @staticmethod
    def resolve_total_price(root, _info):
        return taxed(root.total_price_net_amount, root.total_price_gross_amount, root.currency)

    @staticmethod
    def resolve_unit_discount_reason(root, _info):
        return root.unit_discount_reason or None

    @staticmethod
    def resolve_unit_discount_value(root, _info):
        return root.unit_discount_value

    @staticmethod
    def resolve_unit_discount_type(root, _info):
        return "FIXED" if root.unit_discount_type else None

    @staticmethod
    def resolve_undiscounted_total_price(root, _info):
        """The exact line total as listed, stored at placement (not unit x quantity)."""
        return taxed(
            root.undiscounted_total_price_net_amount,
            root.undiscounted_total_price_gross_amount,
            root.currency,
        )

    @staticmethod
    def resolve_discounts(root, info):
        def attach(discounts):
            for discount in discounts:
                discount.line = root
            return discounts

        return then(loaders.DiscountsByOrderLineIdLoader(info.context).load(root.pk), attach)

    @staticmethod
    def resolve_thumbnail(root, info, size=None, format=None):
        if root.product_id is None:
            return None

        def first_image(media):
            images = [m for m in media if m.image]
            if not images:
                return None
            image = images[0]
            return Image(
                url=image_url(
                    info, "product-media", image.pk, image.image, size, format or "ORIGINAL"
                ),
                alt=image.alt or root.product_name,
            )

        return then(
            merch_loaders.MediaByProductIdLoader(info.context).load(root.product_id), first_image
        )

    @staticmethod
    def resolve_variant(root, info):
        if root.variant_id is None:
            return None
        channel = merch_loaders.ChannelByIdLoader(info.context).load(root.order.channel_id)
        variant = loaders.VariantByIdLoader(info.context).load(root.variant_id)
        return then(
            channel,
            lambda ch: then(variant, lambda v: ChannelContext(v, ch) if v is not None else None),
        )


class FulfillmentLine(graphene.ObjectType):
    quantity = graphene.Int(required=True)
    order_line = graphene.Field(OrderLine)

    class Meta:
        interfaces = (relay.Node,)


class Fulfillment(graphene.ObjectType):
    fulfillment_order = graphene.Int(required=True)
    status = graphene.Field(FulfillmentStatus, required=True)
    status_display = graphene.String()
    tracking_number = graphene.String(required=True)
    created = graphene.DateTime(required=True)
    lines = graphene.List(graphene.NonNull(FulfillmentLine))

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_status(_root, _info):
        return "FULFILLED"

    @staticmethod
    def resolve_status_display(_root, _info):
        return "Fulfilled"

    @staticmethod
    def resolve_created(root, _info):
        return root.created_at

    @staticmethod
    def resolve_lines(root, info):
        return loaders.FulfillmentLinesByFulfillmentIdLoader(info.context).load(root.pk)


OrderEventsEnum = graphene.Enum(
    "OrderEventsEnum",
    [
        (name, name)
        for name in (
            "PLACED",
            "CONFIRMED",
            "CANCELED",
            "ORDER_FULLY_PAID",
            "PAYMENT_CAPTURED",
            "PAYMENT_REFUNDED",
            "FULFILLMENT_FULFILLED_ITEMS",
            "FULFILLMENT_REFUNDED",
            "EMAIL_SENT",
            "NOTE_ADDED",
            "OTHER",
        )
    ],
)
_EVENT_TYPES = {
    "placed": "PLACED",
    "confirmed": "CONFIRMED",
    "canceled": "CANCELED",
    "payment_charged": "PAYMENT_CAPTURED",
    "payment_refunded": "PAYMENT_REFUNDED",
    "fulfilled": "FULFILLMENT_FULFILLED_ITEMS",
    "refunded": "FULFILLMENT_REFUNDED",
    "email_sent": "EMAIL_SENT",
    "note_added": "NOTE_ADDED",
}


class OrderEvent(graphene.ObjectType):
    date = graphene.DateTime()
    type = graphene.Field(OrderEventsEnum)
    message = graphene.String()
    email = graphene.String()
    amount = graphene.Float()

    class Meta:
        interfaces = (relay.Node,)

    @staticmethod
    def resolve_type(root, _info):
        return _EVENT_TYPES.get(root.type, "OTHER")

    @staticmethod
    def resolve_message(root, _info):
        return root.parameters.get("message")

    @staticmethod
    def resolve_email(root, _info):
        return root.parameters.get("email")

    @staticmethod
    def resolve_amount(root, _info):
        amount = root.parameters.get("amount")
        return float(amount) if amount is not None else None


class Order(graphene.ObjectType):
    created = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    number = graphene.String(required=True)
    token = graphene.String(required=True)
    status = graphene.Field(OrderStatus, required=True)
    status_display = graphene.String(required=True)
    user_email = graphene.String()
    is_paid = graphene.Boolean(required=True)
    payment_status = graphene.Field(PaymentChargeStatusEnum, required=True)
    payment_status_display = graphene.String(required=True)
    charge_status = graphene.Field(OrderChargeStatusEnum, required=True)
    authorize_status = graphene.Field(OrderAuthorizeStatusEnum, required=True)
    channel = graphene.Field(Channel, required=True)
    lines = graphene.NonNull(graphene.List(graphene.NonNull(OrderLine)))
    fulfillments = graphene.NonNull(graphene.List(graphene.NonNull(Fulfillment)))
    events = graphene.NonNull(graphene.List(graphene.NonNull(OrderEvent)))
    transactions = graphene.NonNull(graphene.List(graphene.NonNull(TransactionItem)))
    shipping_address = graphene.Field(Address)
    billing_address = graphene.Field(Address)
    delivery_method = graphene.Field("marquee.graphql.checkout.types.DeliveryMethod")
    shipping_method_name = graphene.String()
    is_shipping_required = graphene.Boolean(required=True)
    subtotal = graphene.Field(TaxedMoneyType, required=True)
    shipping_price = graphene.Field(TaxedMoneyType, required=True)
    total = graphene.Field(TaxedMoneyType, required=True)
    undiscounted_total = graphene.Field(TaxedMoneyType, required=True)
    total_charged = graphene.Field(Money, required=True)
    total_captured = graphene.Field(
        Money, required=True, deprecation_reason="Use `totalCharged` instead."
    )
    total_authorized = graphene.Field(Money, required=True)
    total_refunded = graphene.Field(Money, required=True)
    total_balance = graphene.Field(Money, required=True)
    discounts = graphene.NonNull(graphene.List(graphene.NonNull(OrderDiscount)))
    voucher = graphene.Field(Voucher)
    voucher_code = graphene.String()
    customer_note = graphene.String(required=True)
    display_gross_prices = graphene.Boolean(required=True)

    class Meta:
        interfaces = (relay.Node, ObjectWithMetadata)

    @staticmethod
    def resolve_id(root, _info):
        return str(root.pk)

    @staticmethod
    def resolve_created(root, _info):
        return root.created_at

    @staticmethod
    def resolve_number(root, _info):
        return str(root.number)

    @staticmethod
    def resolve_token(root, _info):
        return str(root.token)

    @staticmethod
    def resolve_status(root, _info):
        return root.status.upper()

    @staticmethod
    def resolve_status_display(root, _info):
        return OrderStatusModel(root.status).label

    @staticmethod
    def resolve_user_email(root, _info):
        return root.user_email if root.full_access else _mask_email(root.user_email)

    @staticmethod
    def resolve_is_paid(root, _info):
        return payment_status.order_is_paid(root)

    @staticmethod
    def resolve_payment_status(root, _info):
        return payment_status.order_payment_status(root)[0]

    @staticmethod
    def resolve_payment_status_display(root, _info):
        return payment_status.order_payment_status(root)[1]

    @staticmethod
    def resolve_charge_status(root, _info):
        return payment_status.order_charge_status(root)

    @staticmethod
    def resolve_authorize_status(root, info):
        return then(
            loaders.TransactionsByOrderIdLoader(info.context).load(root.pk),
            lambda transactions: payment_status.order_authorize_status(root, transactions),
        )

    @staticmethod
    def resolve_channel(root, info):
        return merch_loaders.ChannelByIdLoader(info.context).load(root.channel_id)

    @staticmethod
    def resolve_lines(root, info):
        def attach(lines):
            for line in lines:
                line.order = root.order
            return lines

        return then(loaders.LinesByOrderIdLoader(info.context).load(root.pk), attach)

    @staticmethod
    def resolve_fulfillments(root, info):
        return loaders.FulfillmentsByOrderIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_events(root, info):
        if not root.full_access:
            return []
        return loaders.EventsByOrderIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_transactions(root, info):
        if not root.full_access:
            return []
        return loaders.TransactionsByOrderIdLoader(info.context).load(root.pk)

    @staticmethod
    def _address(root, info, address_id):
        if address_id is None:
            return None
        address = loaders.OrderAddressByIdLoader(info.context).load(address_id)
        if root.full_access:
            return address
        return then(address, lambda a: _MaskedAddress(a) if a is not None else None)

    @staticmethod
    def resolve_shipping_address(root, info):
        return Order._address(root, info, root.shipping_address_id)

    @staticmethod
    def resolve_billing_address(root, info):
        return Order._address(root, info, root.billing_address_id)

    @staticmethod
    def resolve_delivery_method(root, info):
        from ..checkout.types import ShippingOption

        if root.shipping_method_id is None:
            return None

        def option(method):
            if method is None:
                return None
            return ShippingOption(
                _OrderShippingListing(
                    method=method,
                    currency=root.currency,
                    price_amount=root.shipping_price_gross_amount,
                )
            )

        return then(
            loaders.ShippingMethodByIdLoader(info.context).load(root.shipping_method_id), option
        )

    @staticmethod
    def resolve_shipping_method_name(root, _info):
        return root.shipping_method_name or None

    @staticmethod
    def resolve_is_shipping_required(root, info):
        return then(
            loaders.LinesByOrderIdLoader(info.context).load(root.pk),
            lambda lines: any(line.is_shipping_required for line in lines),
        )

    @staticmethod
    def resolve_subtotal(root, _info):
        return taxed(root.subtotal_net_amount, root.subtotal_gross_amount, root.currency)

    @staticmethod
    def resolve_shipping_price(root, _info):
        return taxed(
            root.shipping_price_net_amount, root.shipping_price_gross_amount, root.currency
        )

    @staticmethod
    def resolve_total(root, _info):
        return taxed(root.total_net_amount, root.total_gross_amount, root.currency)

    @staticmethod
    def resolve_undiscounted_total(root, _info):
        return taxed(
            root.undiscounted_total_net_amount, root.undiscounted_total_gross_amount, root.currency
        )

    @staticmethod
    def resolve_total_charged(root, _info):
        return money(root.total_charged_amount, root.currency)

    resolve_total_captured = resolve_total_charged

    @staticmethod
    def resolve_total_authorized(root, info):
        return then(
            loaders.TransactionsByOrderIdLoader(info.context).load(root.pk),
            lambda ts: money(sum(t.authorized_value for t in ts), root.currency),
        )

    @staticmethod
    def resolve_total_refunded(root, _info):
        return money(root.total_refunded_amount, root.currency)

    @staticmethod
    def resolve_total_balance(root, _info):
        """Saleor's balance: charged less what is owed (negative while unpaid)."""
        return money(payment_status.order_balance(root), root.currency)

    @staticmethod
    def resolve_discounts(root, _info):
        if not root.discount_amount:
            return []
        amount = money(root.discount_amount, root.currency)
        return [
            OrderDiscount(
                id=f"{root.pk}:voucher",
                type="VOUCHER",
                name=root.discount_name or root.voucher_code,
                translated_name=root.discount_name or root.voucher_code,
                value=float(root.discount_amount),
                amount=amount,
                total=amount,
            )
        ]

    @staticmethod
    def resolve_voucher(root, info):
        if root.voucher_id is None:
            return Voucher(code=root.voucher_code) if root.voucher_code else None
        return loaders.VoucherByIdLoader(info.context).load(root.voucher_id)

    @staticmethod
    def resolve_voucher_code(root, _info):
        return root.voucher_code or None

    @staticmethod
    def resolve_customer_note(root, _info):
        return root.customer_note if root.full_access else ""

    @staticmethod
    def resolve_display_gross_prices(_root, _info):
        return True


class _OrderShippingListing:
    """The shipping price the order was placed at, in the shape ShippingMethod reads."""

    minimum_order_price_amount = None
    maximum_order_price_amount = None

    def __init__(self, method, currency, price_amount):
        self.method = method
        self.method_id = method.pk
        self.currency = currency
        self.price_amount = price_amount


class OrderCountableConnection(CountableConnection):
    class Meta:
        node = Order
