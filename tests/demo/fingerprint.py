"""What a loaded demo looks like, reduced to plain data that can be compared.

Two views of the same database:

- `buyer_view` is readable: every product with its prices per channel and
  stock per warehouse, the menus, the featured collection, the licences and
  approvals, the pages. A dropped product or a changed price shows up here
  by name.
- `digests` covers everything else: one SHA-256 per model over every row
  (translations, descriptions, attribute assignments, history...), with
  foreign keys written as the related row's natural key, so the figure does
  not depend on primary-key sequences.

Values that differ from one load to the next by construction (password
hashes and token keys, random UUIDs) are left out; moments are written
relative to the load (days), and dates either as themselves (the fixed
dates of contracts signed years ago) or relative to today.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.db import models

# Fields whose values are random per load.
VOLATILE_FIELDS = {"password", "jwt_token_key", "last_login"}
# Attributes that identify a row on their own, in order of preference.
NATURAL_KEYS = ("sku", "slug", "email", "reference", "code", "token")
# Dates up to this year are fixed in the demo data (contract start dates);
# later ones are computed from the day of the load.
LAST_FIXED_YEAR = 2023


def _date(value: date, today: date) -> str:
    if value.year <= LAST_FIXED_YEAR:
        return value.isoformat()
    if value == date(today.year, 1, 1):
        return "new-year"
    return f"today{(value - today).days:+d}"


# What the demo's sales wrote (orders, payments, events, the ledger and the
# statements) carries database ids and sequence numbers in keys, tokens and
# payloads, which differ from one database to the next: these models are
# pinned by their counts here, and by what they mean in tests/demo/test_sales.py.
TRANSACTIONAL = {
    "accounts.Address",
    "core.CatalogueVersion",  # a random generation and a counter of writes
    "merch.Allocation",
    "merch.Order",
    "merch.OrderEvent",
    "merch.OrderLine",
    "merch.OrderLineDiscount",
    "merch.OrderRefund",
    "merch.OutboxDelivery",
    "merch.OutboxEvent",
    "merch.TransactionEvent",
    "merch.TransactionItem",
    "licensing.JournalEntry",
    "licensing.LedgerAccount",
    "licensing.LedgerLine",
    "licensing.RoyaltyPeriodClose",
    "licensing.SaleSnapshot",
    "licensing.Statement",
    "licensing.StatementLine",
}


class Fingerprint:
    """`fields` pins the columns a model's rows are digested by (model label to field
    names, as `field_names()` returns them): a column another change adds later
    leaves the pinned digests as they were."""

    def __init__(self, now: datetime, fields: dict[str, list[str]] | None = None):
        self.now = now
        self.today = now.date()
        self.fields = fields or {}
        self._keys: dict[tuple[type, object], str] = {}

    # --- values ---------------------------------------------------------------------

    def value(self, field: models.Field, value):
        if value is None:
            return None
        if isinstance(field, models.ForeignKey):
            return self.key(field.related_model, value)
        if isinstance(value, datetime):
            return round((value - self.now).total_seconds() / 86400)
        if isinstance(value, date):
            return _date(value, self.today)
        if isinstance(value, Decimal):
            return str(value.normalize()) if value == value.to_integral() else str(value)
        if isinstance(value, uuid.UUID):
            return None
        if isinstance(value, (list, dict, str, int, float, bool)):
            return value
        return str(value)

    def row(self, obj: models.Model) -> dict:
        pinned = self.fields.get(_label(type(obj)))
        return {
            field.name: self.value(field, getattr(obj, field.attname))
            for field in _fields(type(obj))
            if pinned is None or field.name in pinned
        }

    def key(self, model: type[models.Model], pk) -> str:
        """A row's natural key: an identifying attribute, or a digest of its row."""
        cache_key = (model, pk)
        if cache_key not in self._keys:
            obj = model._base_manager.get(pk=pk)
            names = {f.name for f in model._meta.concrete_fields}
            natural = next((n for n in NATURAL_KEYS if n in names and getattr(obj, n)), None)
            if natural:
                self._keys[cache_key] = f"{model.__name__}:{getattr(obj, natural)}"
            else:
                self._keys[cache_key] = f"{model.__name__}#{_digest(self.row(obj))[:16]}"
        return self._keys[cache_key]

    # --- whole database ---------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {
            _label(model): model._base_manager.count()
            for model in _models()
            if model._base_manager.exists()
        }

    def digests(self) -> dict[str, str]:
        out = {}
        for model in _models():
            if _label(model) in TRANSACTIONAL:
                continue
            rows = sorted(
                json.dumps(self.row(obj), sort_keys=True, ensure_ascii=False)
                for obj in model._base_manager.all()
            )
            if rows:
                out[_label(model)] = _digest(rows)
        return out

    def buyer_view(self) -> dict:
        from marquee.licensing import models as lic
        from marquee.merch import models as m

        stock = defaultdict(dict)
        for sku, warehouse, quantity in m.Stock.objects.values_list(
            "product_variant__sku", "warehouse__slug", "quantity"
        ):
            stock[sku][warehouse] = quantity
        prices = defaultdict(dict)
        for sku, channel, amount in m.ProductVariantChannelListing.objects.values_list(
            "variant__sku", "channel__slug", "price_amount"
        ):
            prices[sku][channel] = str(amount)
        published = defaultdict(dict)
        for slug, channel, is_published in m.ProductChannelListing.objects.values_list(
            "product__slug", "channel__slug", "is_published"
        ):
            published[slug][channel] = is_published
        images = defaultdict(list)
        for slug, name in m.ProductMedia.objects.order_by("sort_order").values_list(
            "product__slug", "image"
        ):
            images[slug].append(name)
        products = {}
        for product in m.Product.objects.select_related("film", "category").order_by("slug"):
            variants = product.variants.order_by("sort_order")
            products[product.slug] = {
                "name": product.name,
                "name_zh": product.translations.get("zh-hans", {}).get("name"),
                "film": product.film.slug if product.film_id else None,
                "category": product.category.slug if product.category_id else None,
                "published": published.get(product.slug, {}),
                "images": images.get(product.slug, []),
                "variants": {
                    v.sku: {"name": v.name, "prices": prices[v.sku], "stock": stock[v.sku]}
                    for v in variants
                },
            }
        menus = defaultdict(list)
        items = m.MenuItem.objects.select_related(
            "menu", "parent", "category", "collection", "page"
        )
        for item in items:
            parent = item.parent
            menus[item.menu.slug].append(
                [
                    parent.sort_order if parent else item.sort_order,
                    item.sort_order if parent else -1,
                    parent.name if parent else None,
                    item.name,
                    item.translations.get("zh-hans", {}).get("name"),
                    (item.category and item.category.slug)
                    or (item.collection and item.collection.slug)
                    or (item.page and item.page.slug)
                    or item.url,
                ]
            )
        menus = {slug: sorted(rows) for slug, rows in sorted(menus.items())}
        collections = defaultdict(list)
        for slug, product in m.CollectionProduct.objects.order_by(
            "collection__slug", "sort_order"
        ).values_list("collection__slug", "product__slug"):
            collections[slug].append(product)
        collections = dict(collections)
        pages = {
            page.slug: [page.title, page.translations.get("zh-hans", {}).get("title")]
            for page in m.Page.objects.order_by("slug")
        }
        licensors = {
            licensor.slug: [licensor.name, licensor.statement_currency]
            for licensor in lic.Licensor.objects.order_by("slug")
        }
        licences = {
            licence.reference: {
                "licensor": licence.licensor.slug,
                "status": licence.status,
                "exclusive": licence.exclusive,
                "term": [
                    _date(licence.term_start, self.today),
                    _date(licence.term_end, self.today),
                ],
                "territories": licence.territories,
            }
            for licence in lic.Licence.objects.select_related("licensor").order_by("reference")
        }
        approvals = {
            f"{approval.product.slug} @ {approval.licence.reference}": [
                approval.stage,
                [e.stage for e in approval.events.order_by("created_at", "pk")],
            ]
            for approval in lic.ProductApproval.objects.select_related("product", "licence")
        }
        return {
            "products": products,
            "menus": menus,
            "collections": collections,
            "pages": pages,
            "licensors": licensors,
            "licences": licences,
            "approvals": dict(sorted(approvals.items())),
        }

    def field_names(self) -> dict[str, list[str]]:
        return {
            _label(model): [field.name for field in _fields(model)]
            for model in _models()
            if model._base_manager.exists()
        }

    def everything(self) -> dict:
        return {
            "counts": self.counts(),
            "buyer_view": self.buyer_view(),
            "digests": self.digests(),
            "fields": self.fields or self.field_names(),
        }


def _fields(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in VOLATILE_FIELDS
    ]


def _models():
    """Marquee's own models: Django's permission and content-type rows follow the
    installed apps, not the demo."""
    return sorted(
        (
            model
            for model in apps.get_models(include_auto_created=True)
            if model.__module__.startswith("marquee.") and not model._meta.proxy
        ),
        key=_label,
    )


def _label(model) -> str:
    return model._meta.label


def _digest(data) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
