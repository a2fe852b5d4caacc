"""Warehouses and stock.

`quantity` is what is on the shelf; `quantity_allocated` what orders have
claimed but not shipped; `quantity_reserved` what checkouts hold for a while
(`Reservation` rows, see `merch/reservations`). The database itself refuses
allocations and reservations beyond the shelf (check constraints), so no code
path can oversell: available = quantity - allocated - reserved.
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
    # Units held by checkouts' live (or expired, not yet swept) reservations:
    # always SUM(reservations.quantity_reserved), kept so by
    # `merch/reservations` in the same statement as the rows change.
    quantity_reserved = models.IntegerField(default=0)

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
            models.CheckConstraint(
                condition=Q(quantity_reserved__gte=0), name="stock_reserved_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("quantity_allocated") + F("quantity_reserved")),
                name="stock_committed_within_quantity",
            ),
        ]

    @property
    def quantity_available(self) -> int:
        return max(self.quantity - self.quantity_allocated - self.quantity_reserved, 0)


class Reservation(models.Model):
    """Units of one stock row a checkout line holds until `reserved_until`.

    Written only by `merch/reservations` (reserve, release, sweep, conversion
    at completion), always in the same statement as `Stock.quantity_reserved`.
    After `reserved_until` the units count as available again (on read) and
    the sweep gives them back; until swept, the owning line may still
    complete with them.
    """

    # CASCADE in the database (migration 0011), not in Django: deleting lines
    # or checkouts issues no extra statement. Code that deletes lines releases
    # their holds first (`release_lines`); a hold lost otherwise (a crash, a
    # raw delete) leaves counter drift that `reconcile` repairs.
    checkout_line = models.ForeignKey(
        "merch.CheckoutLine",
        related_name="reservations",
        on_delete=models.DO_NOTHING,
        db_constraint=True,
    )
    stock = models.ForeignKey(Stock, related_name="reservations", on_delete=models.CASCADE)
    quantity_reserved = models.PositiveIntegerField()
    reserved_until = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=["checkout_line", "stock"], name="reservation_line_stock_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity_reserved__gt=0), name="reservation_quantity_positive"
            ),
        ]
