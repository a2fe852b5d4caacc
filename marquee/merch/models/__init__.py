"""Catalogue, channels and stock, on Saleor's model."""

from .attributes import (
    AssignedPageAttributeValue,
    AssignedProductAttributeValue,
    AssignedVariantAttributeValue,
    Attribute,
    AttributeInputType,
    AttributeValue,
    ProductTypeAttribute,
)
from .catalogue import (
    Category,
    Collection,
    CollectionChannelListing,
    CollectionProduct,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductMediaType,
    ProductType,
    ProductVariant,
    ProductVariantChannelListing,
)
from .channel import Channel
from .checkout import Checkout, CheckoutLine
from .content import Menu, MenuItem, Page, PageType
from .discounts import Voucher, VoucherChannelListing, VoucherType
from .drops import Drop, DropPurchase, DropVariant
from .orders import (
    Allocation,
    ChargeStatus,
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderLineDiscount,
    OrderLineDiscountType,
    OrderStatus,
)
from .outbox import OutboxDelivery, OutboxEvent, OutboxEventType
from .payments import ProviderEvent, TransactionEvent, TransactionItem
from .shipping import ShippingMethod, ShippingMethodChannelListing, ShippingZone
from .stock import Reservation, Stock, Warehouse
from .taxes import TaxRate

__all__ = [
    "OutboxDelivery",
    "OutboxEvent",
    "OutboxEventType",
    "Allocation",
    "AssignedPageAttributeValue",
    "AssignedProductAttributeValue",
    "AssignedVariantAttributeValue",
    "Attribute",
    "AttributeInputType",
    "AttributeValue",
    "Category",
    "Channel",
    "ChargeStatus",
    "Checkout",
    "CheckoutLine",
    "Collection",
    "CollectionChannelListing",
    "CollectionProduct",
    "Drop",
    "DropPurchase",
    "DropVariant",
    "Fulfillment",
    "FulfillmentLine",
    "Menu",
    "MenuItem",
    "Order",
    "OrderEvent",
    "OrderEventType",
    "OrderLine",
    "OrderLineDiscount",
    "OrderLineDiscountType",
    "OrderStatus",
    "Page",
    "PageType",
    "Product",
    "ProductChannelListing",
    "ProductMedia",
    "ProductMediaType",
    "ProductType",
    "ProductTypeAttribute",
    "ProductVariant",
    "ProductVariantChannelListing",
    "ProviderEvent",
    "ShippingMethod",
    "ShippingMethodChannelListing",
    "ShippingZone",
    "Reservation",
    "Stock",
    "TaxRate",
    "TransactionEvent",
    "TransactionItem",
    "Voucher",
    "VoucherChannelListing",
    "VoucherType",
    "Warehouse",
]
