from django.db import models
from django_countries.fields import CountryField


class TaxRate(models.Model):
    """A flat tax rate (percent) for deliveries to a country, e.g. 13 % VAT in CN.

    Checkout uses the rate of the shipping address's country (or the channel's
    default country before an address is known); no rate means no tax.
    """

    country = CountryField(unique=True)
    rate = models.DecimalField(max_digits=6, decimal_places=3)
    name = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("country",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=0) & models.Q(rate__lte=100), name="tax_rate_percent"
            )
        ]

    def __str__(self):
        return f"{self.country.code} {self.rate}%"
