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
from .content import Menu, MenuItem, Page, PageType
from .stock import Stock, Warehouse

__all__ = [
    "AssignedPageAttributeValue",
    "AssignedProductAttributeValue",
    "AssignedVariantAttributeValue",
    "Attribute",
    "AttributeInputType",
    "AttributeValue",
    "Category",
    "Channel",
    "Collection",
    "CollectionChannelListing",
    "CollectionProduct",
    "Menu",
    "MenuItem",
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
    "Stock",
    "Warehouse",
]
