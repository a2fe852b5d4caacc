"""Film data: the titles merchandise derives from, who made them, how they did."""

from django.db import models


class Genre(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=64)
    name_zh = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.name


class Film(models.Model):
    slug = models.SlugField(max_length=128, unique=True, allow_unicode=False)
    # Original-language title as released; Chinese films carry both scripts.
    title = models.CharField(max_length=255)
    title_zh = models.CharField(max_length=255, blank=True)
    title_en = models.CharField(max_length=255, blank=True)
    original_language = models.CharField(max_length=16, blank=True)
    release_date = models.DateField(null=True, blank=True)
    runtime_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    genres = models.ManyToManyField(Genre, related_name="films", blank=True)
    synopsis = models.TextField(blank=True)
    poster = models.ImageField(upload_to="films/posters", blank=True)
    poster_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-release_date", "slug")
        indexes = [models.Index(fields=["release_date"])]

    def __str__(self):
        return self.title


class Person(models.Model):
    slug = models.SlugField(max_length=128, unique=True)
    name = models.CharField(max_length=255)
    name_zh = models.CharField(max_length=255, blank=True)
    name_en = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "people"

    def __str__(self):
        return self.name


class CreditRole(models.TextChoices):
    DIRECTOR = "director", "Director"
    CAST = "cast", "Cast"
    WRITER = "writer", "Writer"
    PRODUCER = "producer", "Producer"
    COMPOSER = "composer", "Composer"


class Credit(models.Model):
    film = models.ForeignKey(Film, related_name="credits", on_delete=models.CASCADE)
    person = models.ForeignKey(Person, related_name="credits", on_delete=models.CASCADE)
    role = models.CharField(max_length=16, choices=CreditRole.choices)
    character = models.CharField(max_length=255, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("film", "role", "sort_order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["film", "person", "role", "character"], name="film_credit_unique"
            )
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()}) in {self.film}"


class BoxOfficeFigure(models.Model):
    """Cumulative gross of a film in one market as of a date.

    `market` is an ISO 3166 country code, or `WW` for the worldwide total.
    Amounts are in the market's own currency, never converted here.
    """

    film = models.ForeignKey(Film, related_name="box_office", on_delete=models.CASCADE)
    market = models.CharField(max_length=2)
    gross_amount = models.DecimalField(max_digits=20, decimal_places=4)
    currency = models.CharField(max_length=3)
    as_of = models.DateField()
    source = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ("film", "market", "-as_of")
        constraints = [
            models.UniqueConstraint(fields=["film", "market", "as_of"], name="box_office_unique"),
            models.CheckConstraint(
                condition=models.Q(gross_amount__gte=0), name="box_office_gross_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.film} {self.market} {self.gross_amount} {self.currency} ({self.as_of})"
