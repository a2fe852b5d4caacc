"""A shop that can take orders: catalogue, a shipping zone, checkouts and payments."""

from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from marquee.accounts.models import Address
from marquee.merch import models as m
from marquee.merch.payments.services import initialize_transaction
from tests.graphql.conftest import CatalogueBuilder

OFFLINE = "marquee.payments.offline"


class ShopBuilder(CatalogueBuilder):
    def __init__(self):
        super().__init__()
        self.zone = m.ShippingZone.objects.create(name="China", countries=["CN"])
        self.zone.channels.set([self.china, self.intl])
        self.zone.warehouses.set([self.shanghai])
        self.standard = m.ShippingMethod.objects.create(zone=self.zone, name="SF Express")
        m.ShippingMethodChannelListing.objects.create(
            method=self.standard, channel=self.china, currency="CNY", price_amount=Decimal("12")
        )

    def address(self, **fields):
        data = {
            "first_name": "Li",
            "last_name": "Wei",
            "street_address_1": "1 Nanjing Road",
            "city": "Shanghai",
            "postal_code": "200000",
            "country": "CN",
            "phone": "+8613800138000",
        }
        data.update(fields)
        return Address.objects.create(**data)

    def checkout(self, items, *, email="fan@example.com", ship=True, method=True, user=None):
        """items: [(variant, quantity)], in the china channel, ready to complete."""
        checkout = m.Checkout.objects.create(
            channel=self.china,
            currency="CNY",
            email=email,
            user=user,
            shipping_address=self.address() if ship else None,
            billing_address=self.address() if ship else None,
            shipping_method=self.standard if method else None,
        )
        for variant, quantity in items:
            m.CheckoutLine.objects.create(checkout=checkout, variant=variant, quantity=quantity)
        return checkout

    def pay(self, checkout, amount=None):
        return initialize_transaction(checkout, gateway_id=OFFLINE, amount=amount).transaction

    def variants(self, name, count=1, stock=10, cny=Decimal("99.00")):
        product = self.product(name, variants=count, stock=stock, cny=cny)
        return list(product.variants.order_by("sort_order"))


def checkout_id(checkout):
    return to_global_id("Checkout", str(checkout.token))


COMPLETE = """
mutation Complete($id: ID!) {
  checkoutComplete(id: $id) {
    order {
      id number status userEmail isPaid chargeStatus paymentStatus
      total { gross { amount currency } net { amount } }
      subtotal { gross { amount } }
      shippingPrice { gross { amount } }
      lines { productName variantName productSku quantity
              unitPrice { gross { amount } net { amount } }
              undiscountedUnitPrice { gross { amount } }
              totalPrice { gross { amount } } }
    }
    confirmationNeeded
    errors { field code message variants }
  }
}
"""


@pytest.fixture(autouse=True)
def _without_licence_gate(settings):
    """These products declare no licences; the licence gate is licensing's to test."""
    settings.LICENCE_GATE_ENABLED = False


@pytest.fixture
def shop(db):
    return ShopBuilder()
