"""Batch loaders for orders: one statement per kind of row per request."""

from marquee.accounts.models import Address
from marquee.merch.models import (
    Fulfillment,
    FulfillmentLine,
    OrderEvent,
    OrderLine,
    OrderLineDiscount,
    ProductVariant,
    ShippingMethod,
    TransactionItem,
    Voucher,
)

from ..core.dataloaders import ByIdLoader, ManyByFieldLoader


class LinesByOrderIdLoader(ManyByFieldLoader):
    model = OrderLine
    field = "order_id"


class DiscountsByOrderLineIdLoader(ManyByFieldLoader):
    model = OrderLineDiscount
    field = "line_id"


class FulfillmentsByOrderIdLoader(ManyByFieldLoader):
    model = Fulfillment
    field = "order_id"


class FulfillmentLinesByFulfillmentIdLoader(ManyByFieldLoader):
    model = FulfillmentLine
    field = "fulfillment_id"
    select_related = ("order_line",)


class EventsByOrderIdLoader(ManyByFieldLoader):
    model = OrderEvent
    field = "order_id"


class TransactionsByOrderIdLoader(ManyByFieldLoader):
    model = TransactionItem
    field = "order_id"


class OrderAddressByIdLoader(ByIdLoader):
    model = Address


class ShippingMethodByIdLoader(ByIdLoader):
    model = ShippingMethod


class VoucherByIdLoader(ByIdLoader):
    model = Voucher


class VariantByIdLoader(ByIdLoader):
    model = ProductVariant
