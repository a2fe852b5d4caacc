"""Demo shipping, taxes and vouchers, so a demo checkout can be completed end to end.

- Shipping zones `China` (CN) and `International` (the main overseas
  markets), each with a standard and an express method priced per channel.
- Tax rates: CN 13 % (VAT, included in China's prices), US 0 %; the
  international channel enters prices net.
- Vouchers: `WELCOME10` (10 %), `FIVEOFF` (5 USD / 35 CNY, minimum spend),
  `SUMMER2015` (expired) and `LAUNCHDAY` (used up).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ..models import (
    ShippingMethod,
    ShippingMethodChannelListing,
    ShippingZone,
    TaxRate,
    Voucher,
    VoucherChannelListing,
    VoucherType,
)

INTERNATIONAL_COUNTRIES = [
    "US", "CA", "GB", "DE", "FR", "IT", "ES", "NL", "JP", "KR",
    "SG", "AU", "NZ", "HK", "MO", "TW", "MY", "TH",
]  # fmt: skip

# zone -> [(method, min days, max days, {channel: price})]
SHIPPING = {
    ("China", ("CN",)): [
        ("Standard (ZTO)", 2, 4, {"china": "12", "international": "2.50"}),
        ("Express (SF)", 1, 2, {"china": "25", "international": "4.99"}),
    ],
    ("International", tuple(INTERNATIONAL_COUNTRIES)): [
        ("International standard", 7, 15, {"china": "90", "international": "9.99"}),
        ("International express", 3, 5, {"china": "220", "international": "29.99"}),
    ],
}

TAX_RATES = [("CN", Decimal("13.000"), "VAT"), ("US", Decimal("0.000"), "Sales tax")]

# code, name, type, {channel: (value, min spent)}, usage limit, used, start/end offsets in days
VOUCHERS = [
    ("WELCOME10", "Welcome 10% off", VoucherType.PERCENTAGE,
     {"china": ("10", None), "international": ("10", None)}, None, 0, None, None),
    ("FIVEOFF", "5 off", VoucherType.FIXED,
     {"china": ("35", "100"), "international": ("5", "20")}, None, 0, None, None),
    ("SUMMER2015", "Summer 2015", VoucherType.PERCENTAGE,
     {"china": ("15", None), "international": ("15", None)}, None, 0, -400, -30),
    ("LAUNCHDAY", "Launch day", VoucherType.PERCENTAGE,
     {"china": ("20", None), "international": ("20", None)}, 100, 100, None, None),
]  # fmt: skip


def write_commerce(channels: dict, warehouses: dict, now) -> dict[str, int]:
    """Create the demo's shipping zones, tax rates and vouchers; returns counts."""
    international = channels.get("international")
    if international is not None:
        international.prices_entered_with_tax = False
        international.save(update_fields=["prices_entered_with_tax"])
    methods = 0
    for (zone_name, countries), specs in SHIPPING.items():
        zone = ShippingZone.objects.create(name=zone_name, countries=list(countries))
        zone.channels.set(channels.values())
        zone.warehouses.set(warehouses.values())
        for name, low, high, prices in specs:
            method = ShippingMethod.objects.create(
                zone=zone, name=name, minimum_delivery_days=low, maximum_delivery_days=high
            )
            methods += 1
            ShippingMethodChannelListing.objects.bulk_create(
                ShippingMethodChannelListing(
                    method=method,
                    channel=channels[slug],
                    currency=channels[slug].currency_code,
                    price_amount=Decimal(price),
                )
                for slug, price in prices.items()
                if slug in channels
            )
    TaxRate.objects.bulk_create(
        TaxRate(country=code, rate=rate, name=name) for code, rate, name in TAX_RATES
    )
    for code, name, kind, values, limit, used, start, end in VOUCHERS:
        voucher = Voucher.objects.create(
            code=code,
            name=name,
            discount_type=kind,
            usage_limit=limit,
            used=used,
            start_date=now + timedelta(days=start) if start is not None else None,
            end_date=now + timedelta(days=end) if end is not None else None,
        )
        VoucherChannelListing.objects.bulk_create(
            VoucherChannelListing(
                voucher=voucher,
                channel=channels[slug],
                currency=channels[slug].currency_code,
                discount_value=Decimal(value),
                min_spent_amount=Decimal(minimum) if minimum else None,
            )
            for slug, (value, minimum) in values.items()
            if slug in channels
        )
    return {
        "shipping zones": len(SHIPPING),
        "shipping methods": methods,
        "tax rates": len(TAX_RATES),
        "vouchers": len(VOUCHERS),
    }
