from django.db import models
from django_countries.fields import CountryField


class Channel(models.Model):
    """A sales channel: one currency, one price list, its own publication state.

    Demo data has `china` (CNY) and `international` (USD).
    """

    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    currency_code = models.CharField(max_length=3)
    default_country = CountryField()
    is_active = models.BooleanField(default=False)
    # Whether listed prices include tax (gross, typical in China) or not (net,
    # tax added at checkout, typical in the US). Tax rates: TaxRate.
    prices_entered_with_tax = models.BooleanField(default=True)
    # Saleor's channel order setting: off, new orders wait as "unconfirmed"
    # until staff confirm them (e.g. made-to-order or pre-order items).
    automatically_confirm_all_new_orders = models.BooleanField(default=True)
    # Saleor's reserveStockDurationAnonymousUser / AuthenticatedUser: minutes
    # a line added to a checkout holds its units (null: no reservation, stock
    # is claimed only at completion). A registered reservation policy
    # (`merch/reservations/policy.py`, e.g. drops) may demand one regardless.
    reservation_minutes_anonymous = models.PositiveIntegerField(null=True, blank=True)
    reservation_minutes_authenticated = models.PositiveIntegerField(null=True, blank=True)
    # Set when a drop is scheduled here: the drops' reservation policy is active in
    # the channel (decided without SQL), so its checkouts hold and convert drop units.
    has_drops = models.BooleanField(default=False)

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.name
