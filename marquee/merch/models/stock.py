"""Warehouses and stock.

`quantity` is what is on the shelf; `quantity_allocated` what orders have
claimed but not shipped. The database itself refuses an allocation beyond
the shelf (check constraints), so no code path can oversell.
"""

from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField


class Warehouse(models.Model):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    email = models.EmailField(blank=True)
    city = models.CharField(max_length=256, blank=True)
    country = CountryField()
    channels = models.ManyToManyField("merch.Channel", related_name="warehouses", blank=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.name


class Stock(models.Model):
    warehouse = models.ForeignKey(Warehouse, related_name="stocks", on_delete=models.CASCADE)
    product_variant = models.ForeignKey(
        "merch.ProductVariant", related_name="stocks", on_delete=models.CASCADE
    )
    quantity = models.IntegerField(default=0)
    quantity_allocated = models.IntegerField(default=0)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "product_variant"], name="stock_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="stock_quantity_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity_allocated__gte=0) & Q(quantity_allocated__lte=F("quantity")),
                name="stock_allocation_within_quantity",
            ),
        ]

    @property
    def quantity_available(self) -> int:
        return max(self.quantity - self.quantity_allocated, 0)
