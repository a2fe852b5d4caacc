"""Where a channel ships, how, and at what price."""

from django.db import models
from django_countries.fields import CountryField


class ShippingZone(models.Model):
    name = models.CharField(max_length=100)
    countries = CountryField(multiple=True, blank=True)
    channels = models.ManyToManyField("merch.Channel", related_name="shipping_zones", blank=True)
    warehouses = models.ManyToManyField(
        "merch.Warehouse", related_name="shipping_zones", blank=True
    )

    class Meta:
        ordering = ("pk",)

    def __str__(self):
        return self.name


class ShippingMethod(models.Model):
    zone = models.ForeignKey(ShippingZone, related_name="methods", on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    minimum_delivery_days = models.PositiveIntegerField(null=True, blank=True)
    maximum_delivery_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)

    def __str__(self):
        return self.name


class ShippingMethodChannelListing(models.Model):
    """The method's price in one channel, and the order values it applies to."""

    method = models.ForeignKey(
        ShippingMethod, related_name="channel_listings", on_delete=models.CASCADE
    )
    channel = models.ForeignKey(
        "merch.Channel", related_name="shipping_listings", on_delete=models.CASCADE
    )
    currency = models.CharField(max_length=3)
    price_amount = models.DecimalField(max_digits=20, decimal_places=4)
    minimum_order_price_amount = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True
    )
    maximum_order_price_amount = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True
    )

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["method", "channel"], name="shipping_listing_unique"),
            models.CheckConstraint(
                condition=models.Q(price_amount__gte=0), name="shipping_price_non_negative"
            ),
        ]
