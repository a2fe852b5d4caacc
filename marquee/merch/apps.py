from django.apps import AppConfig


class MerchConfig(AppConfig):
    name = "marquee.merch"
    label = "merch"
    verbose_name = "Merchandise"

    def ready(self):
        # The drops admin, drops' rules for drop variants added to a checkout the
        # ordinary way, and the beat task keeping their sold-out flag in step with stock.
        from .drops import admin, hooks, tasks  # noqa: F401
        from .orders import emails

        hooks.register()
        emails.register()
        _declare_tables()


def _declare_tables() -> None:
    """Which tables public catalogue answers read (their writes move the catalogue version,
    see core.cache_versions), which they never read, and the moments that change answers."""
    from marquee.core import cache_versions as versions

    from . import models as m
    from .models.orders import OrderRefund

    for model in (
        m.Attribute,
        m.AttributeValue,
        m.ProductTypeAttribute,
        m.AssignedProductAttributeValue,
        m.AssignedVariantAttributeValue,
        m.AssignedPageAttributeValue,
        m.Category,
        m.ProductType,
        m.Product,
        m.ProductVariant,
        m.ProductChannelListing,
        m.ProductVariantChannelListing,
        m.ProductMedia,
        m.Collection,
        m.CollectionProduct,
        m.CollectionChannelListing,
        m.Channel,
        m.PageType,
        m.Page,
        m.Menu,
        m.MenuItem,
        m.Drop,
        m.DropVariant,
        m.Warehouse,  # which warehouses serve a channel: quantityAvailable, isAvailable
        m.ShippingZone,  # which countries a warehouse ships to: quantityAvailable(countryCode)
        m.TaxRate,
    ):
        versions.register_catalogue_table(model)
    private = {
        "stock counters (answers showing them live GRAPHQL_STOCK_STALENESS_SECONDS)": (
            m.Stock,
            m.Reservation,
            m.DropPurchase,
        ),
        "a buyer's checkout": (m.Checkout, m.CheckoutLine),
        "orders and their fulfilment": (
            m.Order,
            m.OrderLine,
            m.OrderLineDiscount,
            m.Allocation,
            m.Fulfillment,
            m.FulfillmentLine,
            m.OrderEvent,
            OrderRefund,
        ),
        "order events on their way to consumers": (m.OutboxEvent, m.OutboxDelivery),
        "payments": (m.TransactionItem, m.TransactionEvent, m.ProviderEvent),
        "checkout pricing only (vouchers, delivery methods)": (
            m.Voucher,
            m.VoucherChannelListing,
            m.ShippingMethod,
            m.ShippingMethodChannelListing,
        ),
    }
    versions.register_private_tables(private)
    versions.register_moments(m.ProductChannelListing, "published_at", "available_for_purchase_at")
    versions.register_moments(m.CollectionChannelListing, "published_at")
    versions.register_moments(m.Page, "published_at")
    versions.register_moments(m.Drop, "starts_at", "ends_at", "early_access_starts_at")
