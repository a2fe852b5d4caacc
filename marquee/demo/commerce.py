"""Demo shipping, taxes and vouchers (`data/shop.toml`), so a demo checkout can
be completed end to end."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from marquee.merch.models import (
    Channel,
    ShippingMethod,
    ShippingMethodChannelListing,
    ShippingZone,
    TaxRate,
    Voucher,
    VoucherChannelListing,
    Warehouse,
)


def write_commerce(
    shop: dict, channels: dict[str, Channel], warehouses: dict[str, Warehouse], now: datetime
) -> dict[str, int]:
    """Create the demo's shipping zones, tax rates and vouchers; returns counts."""
    methods = 0
    for zone_spec in shop["shipping_zones"]:
        zone = ShippingZone.objects.create(name=zone_spec["name"], countries=zone_spec["countries"])
        zone.channels.set(channels.values())
        zone.warehouses.set(warehouses.values())
        for spec in zone_spec["methods"]:
            method = ShippingMethod.objects.create(
                zone=zone,
                name=spec["name"],
                minimum_delivery_days=spec["minimum_delivery_days"],
                maximum_delivery_days=spec["maximum_delivery_days"],
            )
            methods += 1
            ShippingMethodChannelListing.objects.bulk_create(
                ShippingMethodChannelListing(
                    method=method,
                    channel=channels[slug],
                    currency=channels[slug].currency_code,
                    price_amount=Decimal(price),
                )
                for slug, price in spec["prices"].items()
                if slug in channels
            )
    TaxRate.objects.bulk_create(
        TaxRate(country=spec["country"], rate=Decimal(spec["rate"]), name=spec["name"])
        for spec in shop["tax_rates"]
    )
    for spec in shop["vouchers"]:
        voucher = Voucher.objects.create(
            code=spec["code"],
            name=spec["name"],
            discount_type=spec["discount_type"],
            usage_limit=spec.get("usage_limit"),
            used=spec.get("used", 0),
            start_date=_offset(now, spec.get("starts_in_days")),
            end_date=_offset(now, spec.get("ends_in_days")),
        )
        VoucherChannelListing.objects.bulk_create(
            VoucherChannelListing(
                voucher=voucher,
                channel=channels[slug],
                currency=channels[slug].currency_code,
                discount_value=Decimal(listing["value"]),
                min_spent_amount=Decimal(listing["min_spent"]) if "min_spent" in listing else None,
            )
            for slug, listing in spec["channels"].items()
            if slug in channels
        )
    return {
        "shipping zones": len(shop["shipping_zones"]),
        "shipping methods": methods,
        "tax rates": len(shop["tax_rates"]),
        "vouchers": len(shop["vouchers"]),
    }


def _offset(now: datetime, days: int | None) -> datetime | None:
    return now + timedelta(days=days) if days is not None else None
