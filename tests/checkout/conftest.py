"""A shop ready to check out: the test catalogue plus shipping, tax and vouchers.

Everything is created row by row so each test says what it relies on. The
China channel enters prices with tax (CN 13 %); the international channel
enters them net, taxed at the US rate the test sets (0 % unless changed).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from marquee.merch import models as m
from tests.graphql.conftest import CatalogueBuilder

CN_ADDRESS = {
    "firstName": "Li",
    "lastName": "Lei",
    "streetAddress1": "1 Century Avenue",
    "city": "浦东新区",
    "postalCode": "200120",
    "country": "CN",
    "countryArea": "上海市",
    "phone": "+8613800138000",
}
US_ADDRESS = {
    "firstName": "Jane",
    "lastName": "Doe",
    "streetAddress1": "1600 Amphitheatre Pkwy",
    "city": "Mountain View",
    "postalCode": "94043",
    "country": "US",
    "countryArea": "CA",
}
DE_ADDRESS = {
    "firstName": "Max",
    "lastName": "Muster",
    "streetAddress1": "Unter den Linden 1",
    "city": "Berlin",
    "postalCode": "10117",
    "country": "DE",
}


class Shop:
    def __init__(self, catalogue: CatalogueBuilder):
        self.catalogue = catalogue
        self.china = catalogue.china
        self.intl = catalogue.intl
        self.intl.prices_entered_with_tax = False
        self.intl.save()
        m.TaxRate.objects.create(country="CN", rate=Decimal("13"), name="VAT")
        m.TaxRate.objects.create(country="US", rate=Decimal("0"), name="Sales tax")
        self.china_zone = self.zone("China", ["CN"])
        self.world_zone = self.zone("International", ["US", "DE"])
        self.sf = self.method(self.china_zone, "SF Express", cny="20", usd="3")
        self.zto = self.method(self.china_zone, "ZTO", cny="8", usd="1.5", cny_max="300")
        self.ups = self.method(self.world_zone, "UPS", cny="120", usd="9.99")
        now = timezone.now()
        self.welcome = self.voucher("WELCOME10", "percentage", cny="10", usd="10")
        self.fiveoff = self.voucher(
            "FIVEOFF", "fixed", cny="35", usd="5", cny_min="100", usd_min="20"
        )
        self.expired = self.voucher(
            "OLD", "percentage", cny="50", usd="50", end=now - timedelta(days=1)
        )
        self.used_up = self.voucher("GONE", "percentage", cny="50", usd="50", limit=1, used=1)
        self.tee = catalogue.product("Wolf Tee", variants=2, cny=Decimal("99.00"))
        self.poster = catalogue.product(
            "Wolf Poster", variants=1, cny=Decimal("45.50"), usd=Decimal("15.99")
        )
        self.intl_only = catalogue.product("Export Mug", variants=1, channels=(self.intl,))
        self.hidden = catalogue.product("Secret Cap", variants=1, published=False)

    def zone(self, name, countries):
        zone = m.ShippingZone.objects.create(name=name, countries=countries)
        zone.channels.set([self.china, self.intl])
        return zone

    def method(self, zone, name, *, cny, usd, cny_max=None):
        method = m.ShippingMethod.objects.create(
            zone=zone, name=name, minimum_delivery_days=1, maximum_delivery_days=3
        )
        m.ShippingMethodChannelListing.objects.create(
            method=method,
            channel=self.china,
            currency="CNY",
            price_amount=Decimal(cny),
            maximum_order_price_amount=Decimal(cny_max) if cny_max else None,
        )
        m.ShippingMethodChannelListing.objects.create(
            method=method, channel=self.intl, currency="USD", price_amount=Decimal(usd)
        )
        return method

    def voucher(self, code, kind, *, cny, usd, cny_min=None, usd_min=None, **fields):
        voucher = m.Voucher.objects.create(
            code=code,
            name=code.title(),
            discount_type=kind,
            usage_limit=fields.get("limit"),
            used=fields.get("used", 0),
            end_date=fields.get("end"),
        )
        for channel, value, minimum in ((self.china, cny, cny_min), (self.intl, usd, usd_min)):
            m.VoucherChannelListing.objects.create(
                voucher=voucher,
                channel=channel,
                currency=channel.currency_code,
                discount_value=Decimal(value),
                min_spent_amount=Decimal(minimum) if minimum else None,
            )
        return voucher

    @staticmethod
    def variant_id(product, index=0):
        variant = product.variants.order_by("sort_order")[index]
        return to_global_id("ProductVariant", variant.pk)

    @staticmethod
    def method_id(method):
        return to_global_id("ShippingMethod", method.pk)


@pytest.fixture
def shop(db):
    return Shop(CatalogueBuilder())


class CheckoutApi:
    """Runs checkout operations and returns the mutation payload."""

    def __init__(self, gql):
        self.gql = gql

    def run(self, document, variables, *, ok=True):
        body = self.gql.execute(document, variables)
        payload = next(iter(body["data"].values()))
        if ok:
            assert payload["errors"] == [], payload["errors"]
        return payload

    def create(self, channel="china", lines=(), **extra):
        from .operations import CREATE

        data = {"channel": channel, "lines": list(lines), **extra}
        return self.run(CREATE, {"input": data})["checkout"]


@pytest.fixture
def api(gql):
    return CheckoutApi(gql)


@pytest.fixture(autouse=True)
def _without_licence_gate(settings):
    """These products carry no licences; the gate is tested in tests/licensing."""
    settings.LICENCE_GATE_ENABLED = False
