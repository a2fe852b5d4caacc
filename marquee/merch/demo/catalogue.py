"""Writes the demo catalogue declared in `data.py` and `products.py`.

Rows are created with `bulk_create` table by table (PostgreSQL returns the
new ids), so the whole catalogue costs a few dozen queries however many
products it has. Categories are the exception: django-mptt maintains its
tree columns only through `save()`, and there are only ten of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.text import slugify

from marquee.films.models import Film

from ..models import (
    AssignedProductAttributeValue,
    AssignedVariantAttributeValue,
    Attribute,
    AttributeValue,
    Category,
    Channel,
    Collection,
    CollectionChannelListing,
    CollectionProduct,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductType,
    ProductTypeAttribute,
    ProductVariant,
    ProductVariantChannelListing,
    Stock,
    Warehouse,
)
from . import data
from .editorjs import editorjs
from .images import save_product_image
from .products import PRODUCTS
from .specs import CategorySpec, ProductSpec, ProductTypeSpec
from .translations import bilingual, text_fields

# What a unit costs the shop, as a share of its price; the demo has no
# purchasing data, and margins in the admin should look plausible.
COST_SHARE = Decimal("0.35")
CENT = Decimal("0.01")


@dataclass
class Catalogue:
    """What was written, for the steps that link to it (menus) and the report."""

    channels: dict[str, Channel] = field(default_factory=dict)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    attributes: dict[str, Attribute] = field(default_factory=dict)
    values: dict[tuple[str, str], AttributeValue] = field(default_factory=dict)
    product_types: dict[str, ProductType] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)  # by SKU stem
    collections: dict[str, Collection] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


class CatalogueWriter:
    def __init__(self, films: dict[str, Film], now: datetime):
        self.films = films
        self.now = now
        self.result = Catalogue()

    def write(self) -> Catalogue:
        self._channels()
        self._warehouses()
        for spec in data.CATEGORIES:
            self._category(spec, parent=None)
        self._attributes()
        self._product_types()
        self._products()
        self._collections()
        return self.result

    # --- structure ------------------------------------------------------------------

    def _channels(self) -> None:
        channels = Channel.objects.bulk_create(
            Channel(
                slug=spec.slug,
                name=spec.name,
                currency_code=spec.currency_code,
                default_country=spec.default_country,
                is_active=True,
            )
            for spec in data.CHANNELS
        )
        self.result.channels = {channel.slug: channel for channel in channels}
        self._count("channels", len(channels))

    def _warehouses(self) -> None:
        warehouses = Warehouse.objects.bulk_create(
            Warehouse(
                slug=spec.slug,
                name=spec.name,
                city=spec.city,
                country=spec.country,
                email=spec.email,
            )
            for spec in data.WAREHOUSES
        )
        self.result.warehouses = {warehouse.slug: warehouse for warehouse in warehouses}
        Warehouse.channels.through.objects.bulk_create(
            Warehouse.channels.through(
                warehouse=self.result.warehouses[spec.slug],
                channel=self.result.channels[channel_slug],
            )
            for spec in data.WAREHOUSES
            for channel_slug in spec.channels
        )
        self._count("warehouses", len(warehouses))

    def _category(self, spec: CategorySpec, parent: Category | None) -> None:
        category = Category.objects.create(
            parent=parent,
            slug=spec.slug,
            name=spec.name,
            description=editorjs(spec.description),
            seo_title=spec.name,
            seo_description=spec.description,
            translations=bilingual(
                text_fields(spec.name, spec.description, zh=False),
                text_fields(spec.name_zh, spec.description_zh, zh=True),
            ),
        )
        self.result.categories[spec.slug] = category
        self._count("categories")
        for child in spec.children:
            self._category(child, parent=category)

    def _attributes(self) -> None:
        attributes = Attribute.objects.bulk_create(
            Attribute(
                slug=spec.slug,
                name=spec.name,
                input_type=spec.input_type,
                unit=spec.unit,
                filterable_in_storefront=spec.filterable,
                storefront_search_position=position,
                translations=bilingual({"name": spec.name}, {"name": spec.name_zh}),
            )
            for position, spec in enumerate(data.ATTRIBUTES)
        )
        self.result.attributes = {attribute.slug: attribute for attribute in attributes}
        values = AttributeValue.objects.bulk_create(
            AttributeValue(
                attribute=self.result.attributes[spec.slug],
                slug=value.slug,
                name=value.name,
                value=value.value,
                boolean=value.boolean,
                numeric=Decimal(value.numeric) if value.numeric is not None else None,
                sort_order=order,
                translations=bilingual({"name": value.name}, {"name": value.name_zh}),
            )
            for spec in data.ATTRIBUTES
            for order, value in enumerate(spec.values)
        )
        for value in values:
            self.result.values[(value.attribute.slug, value.slug)] = value
        self._count("attributes", len(attributes))

    def _product_types(self) -> None:
        types = ProductType.objects.bulk_create(
            ProductType(slug=spec.slug, name=spec.name, has_variants=spec.has_variants)
            for spec in data.PRODUCT_TYPES
        )
        self.result.product_types = {product_type.slug: product_type for product_type in types}
        links = []
        for spec in data.PRODUCT_TYPES:
            product_type = self.result.product_types[spec.slug]
            for order, slug in enumerate(spec.product_attributes):
                links.append(
                    ProductTypeAttribute(
                        product_type=product_type,
                        attribute=self.result.attributes[slug],
                        sort_order=order,
                    )
                )
            for order, slug in enumerate(spec.variant_attributes):
                links.append(
                    ProductTypeAttribute(
                        product_type=product_type,
                        attribute=self.result.attributes[slug],
                        on_variant=True,
                        variant_selection=True,
                        sort_order=order,
                    )
                )
        ProductTypeAttribute.objects.bulk_create(links)
        self._count("product types", len(types))

    # --- products -------------------------------------------------------------------

    def _products(self) -> None:
        products = Product.objects.bulk_create(self._product(spec) for spec in PRODUCTS)
        by_stem = dict(zip((spec.sku for spec in PRODUCTS), products, strict=True))
        self.result.products = by_stem
        self._count("products", len(products))

        variants_by_stem: dict[str, list[tuple[ProductVariant, object]]] = {}
        new_variants = []
        for spec in PRODUCTS:
            weight = self._type_spec(spec).weight_grams
            pairs = []
            for order, variant_spec in enumerate(spec.variants):
                variant = ProductVariant(
                    product=by_stem[spec.sku],
                    sku=f"{spec.sku}-{variant_spec.code}" if variant_spec.code else spec.sku,
                    name=variant_spec.name,
                    sort_order=order,
                    weight_grams=weight,
                    created_at=by_stem[spec.sku].created_at,
                    translations=bilingual(
                        {"name": variant_spec.name}, {"name": variant_spec.name_zh}
                    )
                    if variant_spec.name
                    else {},
                )
                pairs.append((variant, variant_spec))
                new_variants.append(variant)
            variants_by_stem[spec.sku] = pairs
        ProductVariant.objects.bulk_create(new_variants)
        self._count("variants", len(new_variants))

        self._product_attributes(by_stem)
        self._variant_attributes(variants_by_stem)
        self._listings(by_stem, variants_by_stem)
        self._stock(variants_by_stem)
        self._media(by_stem)

    def _product(self, spec: ProductSpec) -> Product:
        if spec.film not in self.films:
            raise LookupError(f"Demo product {spec.sku} needs film {spec.film!r}, not imported")
        return Product(
            product_type=self.result.product_types[spec.product_type],
            category=self.result.categories[spec.category],
            film=self.films[spec.film],
            slug=slugify(spec.name),
            name=spec.name,
            description=editorjs(spec.description),
            seo_title=spec.name,
            seo_description=spec.description,
            created_at=self.now - timedelta(days=spec.age_days),
            translations=bilingual(
                text_fields(spec.name, spec.description, zh=False),
                text_fields(spec.name_zh, spec.description_zh, zh=True),
            ),
        )

    def _type_spec(self, spec: ProductSpec) -> ProductTypeSpec:
        return next(t for t in data.PRODUCT_TYPES if t.slug == spec.product_type)

    def _product_attributes(self, by_stem: dict[str, Product]) -> None:
        # Plain-text values belong to one product each, as in Saleor.
        materials = AttributeValue.objects.bulk_create(
            AttributeValue(
                attribute=self.result.attributes["material"],
                slug=spec.sku.lower(),
                name=spec.material[:250],
                plain_text=spec.material,
                translations=bilingual(
                    {"name": spec.material[:250], "plain_text": spec.material},
                    {"name": spec.material_zh[:250], "plain_text": spec.material_zh},
                ),
            )
            for spec in PRODUCTS
            if spec.material
        )
        material_by_stem = {value.slug: value for value in materials}

        assigned = []
        for spec in PRODUCTS:
            chosen = {
                "bestseller": self.result.values[("bestseller", str(spec.bestseller).lower())],
                "edition": self.result.values[("edition", spec.edition)],
                "material": material_by_stem.get(spec.sku.lower()),
                "scale": self.result.values.get(("scale", spec.scale)),
            }
            for order, slug in enumerate(self._type_spec(spec).product_attributes):
                if chosen.get(slug) is not None:
                    assigned.append(
                        AssignedProductAttributeValue(
                            product=by_stem[spec.sku], value=chosen[slug], sort_order=order
                        )
                    )
        AssignedProductAttributeValue.objects.bulk_create(assigned)

    def _variant_attributes(self, variants_by_stem) -> None:
        assigned = []
        for spec in PRODUCTS:
            expected = self._type_spec(spec).variant_attributes
            for variant, variant_spec in variants_by_stem[spec.sku]:
                chosen = {"edition": spec.edition, **variant_spec.attributes}
                for order, slug in enumerate(expected):
                    assigned.append(
                        AssignedVariantAttributeValue(
                            variant=variant,
                            value=self.result.values[(slug, chosen[slug])],
                            sort_order=order,
                        )
                    )
        AssignedVariantAttributeValue.objects.bulk_create(assigned)

    def _listings(self, by_stem, variants_by_stem) -> None:
        product_listings = []
        variant_listings = []
        for spec in PRODUCTS:
            product = by_stem[spec.sku]
            if spec.available_in_days:
                available_at = self.now + timedelta(days=spec.available_in_days)
            else:
                available_at = product.created_at if spec.published else None
            for channel_slug in spec.prices:
                channel = self.result.channels[channel_slug]
                product_listings.append(
                    ProductChannelListing(
                        product=product,
                        channel=channel,
                        is_published=spec.published,
                        published_at=product.created_at if spec.published else None,
                        visible_in_listings=True,
                        available_for_purchase_at=available_at,
                    )
                )
                for variant, variant_spec in variants_by_stem[spec.sku]:
                    price = Decimal((variant_spec.prices or spec.prices)[channel_slug])
                    variant_listings.append(
                        ProductVariantChannelListing(
                            variant=variant,
                            channel=channel,
                            currency=channel.currency_code,
                            price_amount=price,
                            cost_price_amount=(price * COST_SHARE).quantize(CENT, ROUND_HALF_UP),
                        )
                    )
        ProductChannelListing.objects.bulk_create(product_listings)
        ProductVariantChannelListing.objects.bulk_create(variant_listings)
        self._count("channel listings", len(product_listings))

    def _stock(self, variants_by_stem) -> None:
        """Stock every variant in each warehouse that serves one of its channels."""
        serves = {spec.slug: set(spec.channels) for spec in data.WAREHOUSES}
        stocks = []
        for spec in PRODUCTS:
            profile = data.STOCK_PROFILES[spec.stock]
            for variant, _ in variants_by_stem[spec.sku]:
                for warehouse_slug, warehouse in self.result.warehouses.items():
                    if not serves[warehouse_slug] & set(spec.prices):
                        continue
                    low, high = profile[warehouse_slug]
                    rng = random.Random(f"{variant.sku}@{warehouse_slug}")
                    stocks.append(
                        Stock(
                            warehouse=warehouse,
                            product_variant=variant,
                            quantity=rng.randint(low, high),
                        )
                    )
        Stock.objects.bulk_create(stocks)
        self._count("stock records", len(stocks))

    def _media(self, by_stem: dict[str, Product]) -> None:
        media = []
        for spec in PRODUCTS:
            product = by_stem[spec.sku]
            film = self.films[spec.film]
            look = data.FILM_LOOKS[spec.film]
            for index in range(spec.images):
                image = save_product_image(
                    product.slug,
                    index,
                    title=spec.name,
                    film_title=film.title_en or film.title,
                    background=look.background,
                    accent=look.accent,
                )
                media.append(
                    ProductMedia(product=product, image=image, alt=spec.name, sort_order=index)
                )
        ProductMedia.objects.bulk_create(media)
        self._count("images", len(media))

    # --- collections ----------------------------------------------------------------

    def _collections(self) -> None:
        collections = Collection.objects.bulk_create(
            Collection(
                slug=spec.slug,
                name=spec.name,
                description=editorjs(spec.description),
                seo_title=spec.name,
                seo_description=spec.description,
                translations=bilingual(
                    text_fields(spec.name, spec.description, zh=False),
                    text_fields(spec.name_zh, spec.description_zh, zh=True),
                ),
            )
            for spec in data.COLLECTIONS
        )
        self.result.collections = {collection.slug: collection for collection in collections}
        CollectionProduct.objects.bulk_create(
            CollectionProduct(
                collection=self.result.collections[spec.slug],
                product=self.result.products[stem],
                sort_order=order,
            )
            for spec in data.COLLECTIONS
            for order, stem in enumerate(spec.products)
        )
        CollectionChannelListing.objects.bulk_create(
            CollectionChannelListing(
                collection=self.result.collections[spec.slug],
                channel=self.result.channels[channel_slug],
                is_published=True,
                published_at=self.now - timedelta(days=30),
            )
            for spec in data.COLLECTIONS
            for channel_slug in spec.channels
        )
        self._count("collections", len(collections))

    def _count(self, what: str, n: int = 1) -> None:
        self.result.counts[what] = self.result.counts.get(what, 0) + n
