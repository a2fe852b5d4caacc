"""Shared model building blocks."""

from django.db import models
from django.utils import timezone


class Translatable(models.Model):
    """Translations kept beside the row as `{language_code: {field: value}}`.

    One JSON column per translatable row means a translated read costs no
    extra query, which keeps every storefront operation at a constant number
    of SQL statements. Language codes are Django's (`zh-hans`, `en`).
    """

    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    def translation_for(self, language_code: str) -> dict | None:
        values = (self.translations or {}).get(language_code)
        return values if isinstance(values, dict) else None


class Publishable(models.Model):
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def is_visible(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_published and (self.published_at is None or self.published_at <= now)


class SeoFields(models.Model):
    seo_title = models.CharField(max_length=255, blank=True)
    seo_description = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class IdempotencyKey(models.Model):
    """A client's idempotency key and the outcome of the first request that used it.

    `scope` names the operation (`checkout.complete`, `drop.reserve:<drop id>`), `owner`
    who may replay it (a user, or everyone for anonymous buyers who hold the
    same object id), `fingerprint` the request's arguments, `outcome` what the
    first request produced, as references the caller turns back into objects.
    See `marquee.core.idempotency`.
    """

    scope = models.CharField(max_length=64)
    owner = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    outcome = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "owner", "key"], name="idempotency_key_unique")
        ]

    def __str__(self):
        return f"{self.scope}:{self.key}"


class RateLimitCounter(models.Model):
    """Requests counted in a fixed window, per limit and client (`core.rate_limits`).

    Written only through `core.counters.DatabaseCounters`, one atomic upsert
    per request on a connection of its own, so the count holds whether or
    not the request commits. `key` is a digest: the table never stores a
    client IP or an account id.
    """

    key = models.CharField(max_length=80, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class CatalogueVersion(models.Model):
    """The one row whose counter every write to the public catalogue moves.

    Written only by the database triggers `core.cache_versions` installs; a
    `generation` is drawn when the row is (re)created, so after a flush or a
    TRUNCATE the version never repeats one a cache may still hold.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    counter = models.BigIntegerField(default=0)
    generation = models.UUIDField()

    def __str__(self):
        return f"{self.generation}:{self.counter}"
