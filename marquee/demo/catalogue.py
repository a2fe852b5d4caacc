"""Writes the demo catalogue of `data/shop.toml` and `data/products.toml`.

Rows are created with `bulk_create` table by table (PostgreSQL returns the
new ids), so the whole catalogue costs a few dozen queries however many
products it has. Categories are the exception: django-mptt maintains its
tree columns only through `save()`, and there are only ten of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.text import slugify

from marquee.films.models import Film
from marquee.merch.models import (
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

from .images import save_product_image
from .richtext import bilingual, described, editorjs, names

# What a unit costs the shop, as a share of its price; the demo has no
# purchasing data, and margins in the admin should look plausible.
# Rounding point: the cost is rounded to the cent, half up.
COST_SHARE = Decimal("0.35")
CENT = Decimal("0.01")


@dataclass
class Catalogue:
    """What was written, for the steps that link to it (menus, licences) and the report."""

    channels: dict[str, Channel] = field(default_factory=dict)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    attributes: dict[str, Attribute] = field(default_factory=dict)
    values: dict[tuple[str, str], AttributeValue] = field(default_factory=dict)
    product_types: dict[str, ProductType] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)  # by SKU stem
    collections: dict[str, Collection] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def variant_sku(product: dict, variant: dict) -> str:
    """A variant's SKU: the product's stem, then the variant's code if it has one."""
    return f"{product['sku']}-{variant['code']}" if variant["code"] else product["sku"]


class CatalogueWriter:
    def __init__(self, shop: dict, products: list[dict], films: dict[str, Film], now: datetime):
        self.shop = shop
        self.products = products
        self.films = films
        self.now = now
        self.types = {spec["slug"]: spec for spec in shop["product_types"]}
        self.result = Catalogue()

    def write(self) -> Catalogue:
        self._channels()
        self._warehouses()
        for spec in self.shop["categories"]:
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
                slug=spec["slug"],
                name=spec["name"],
                currency_code=spec["currency_code"],
                default_country=spec["default_country"],
                prices_entered_with_tax=spec.get("prices_entered_with_tax", True),
                is_active=True,
            )
            for spec in self.shop["channels"]
        )
        self.result.channels = {channel.slug: channel for channel in channels}
        self._count("channels", len(channels))

    def _warehouses(self) -> None:
        specs = self.shop["warehouses"]
        warehouses = Warehouse.objects.bulk_create(
            Warehouse(
                slug=spec["slug"],
                name=spec["name"],
                city=spec["city"],
                country=spec["country"],
                email=spec["email"],
            )
            for spec in specs
        )
        self.result.warehouses = {warehouse.slug: warehouse for warehouse in warehouses}
        Warehouse.channels.through.objects.bulk_create(
            Warehouse.channels.through(
                warehouse=self.result.warehouses[spec["slug"]],
                channel=self.result.channels[channel_slug],
            )
            for spec in specs
            for channel_slug in spec["channels"]
        )
        self._count("warehouses", len(warehouses))

    def _category(self, spec: dict, parent: Category | None) -> None:
        category = Category.objects.create(
            parent=parent,
            slug=spec["slug"],
            name=spec["name"],
            description=editorjs(spec["description"]),
            seo_title=spec["name"],
            seo_description=spec["description"],
            translations=described(spec),
        )
        self.result.categories[spec["slug"]] = category
        self._count("categories")
        for child in spec.get("children", ()):
            self._category(child, parent=category)

    def _attributes(self) -> None:
        specs = self.shop["attributes"]
        attributes = Attribute.objects.bulk_create(
            Attribute(
                slug=spec["slug"],
                name=spec["name"],
                input_type=spec["input_type"],
                unit=spec.get("unit", ""),
                filterable_in_storefront=spec.get("filterable", True),
                storefront_search_position=position,
                translations=names(spec),
            )
            for position, spec in enumerate(specs)
        )
        self.result.attributes = {attribute.slug: attribute for attribute in attributes}
        values = AttributeValue.objects.bulk_create(
            AttributeValue(
                attribute=self.result.attributes[spec["slug"]],
                slug=value["slug"],
                name=value["name"],
                value=value.get("value", ""),
                boolean=value.get("boolean"),
                numeric=Decimal(value["numeric"]) if "numeric" in value else None,
                sort_order=order,
                translations=names(value),
            )
            for spec in specs
            for order, value in enumerate(spec.get("values", ()))
        )
        for value in values:
            self.result.values[(value.attribute.slug, value.slug)] = value
        self._count("attributes", len(attributes))

    def _product_types(self) -> None:
        types = ProductType.objects.bulk_create(
            ProductType(
                slug=spec["slug"], name=spec["name"], has_variants=spec.get("has_variants", True)
            )
            for spec in self.types.values()
        )
        self.result.product_types = {product_type.slug: product_type for product_type in types}
        links = []
        for spec in self.types.values():
            product_type = self.result.product_types[spec["slug"]]
            for order, slug in enumerate(spec["product_attributes"]):
                links.append(
                    ProductTypeAttribute(
                        product_type=product_type,
                        attribute=self.result.attributes[slug],
                        sort_order=order,
                    )
                )
            for order, slug in enumerate(spec.get("variant_attributes", ())):
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
        products = Product.objects.bulk_create(self._product(spec) for spec in self.products)
        by_stem = dict(zip((spec["sku"] for spec in self.products), products, strict=True))
        self.result.products = by_stem
        self._count("products", len(products))

        variants_by_stem: dict[str, list[tuple[ProductVariant, dict]]] = {}
        new_variants = []
        for spec in self.products:
            product = by_stem[spec["sku"]]
            weight = self.types[spec["product_type"]]["weight_grams"]
            pairs = []
            for order, variant_spec in enumerate(spec["variants"]):
                name = variant_spec.get("name", "")
                variant = ProductVariant(
                    product=product,
                    sku=variant_sku(spec, variant_spec),
                    name=name,
                    sort_order=order,
                    weight_grams=weight,
                    created_at=product.created_at,
                    translations=names(variant_spec) if name else {},
                )
                pairs.append((variant, variant_spec))
                new_variants.append(variant)
            variants_by_stem[spec["sku"]] = pairs
        ProductVariant.objects.bulk_create(new_variants)
        self._count("variants", len(new_variants))

        self._product_attributes(by_stem)
        self._variant_attributes(variants_by_stem)
        self._listings(by_stem, variants_by_stem)
        self._stock(variants_by_stem)
        self._media(by_stem)

    def _product(self, spec: dict) -> Product:
        if spec["film"] not in self.films:
            raise LookupError(f"Demo product {spec['sku']} needs film {spec['film']!r}")
        return Product(
            product_type=self.result.product_types[spec["product_type"]],
            category=self.result.categories[spec["category"]],
            film=self.films[spec["film"]],
            slug=slugify(spec["name"]),
            name=spec["name"],
            description=editorjs(spec["description"]),
            seo_title=spec["name"],
            seo_description=spec["description"],
            created_at=self.now - timedelta(days=spec["age_days"]),
            translations=described(spec),
        )

    def _product_attributes(self, by_stem: dict[str, Product]) -> None:
        # Plain-text values belong to one product each, as in Saleor.
        materials = AttributeValue.objects.bulk_create(
            AttributeValue(
                attribute=self.result.attributes["material"],
                slug=spec["sku"].lower(),
                name=spec["material"][:250],
                plain_text=spec["material"],
                translations=bilingual(
                    {"name": spec["material"][:250], "plain_text": spec["material"]},
                    {"name": spec["material_zh"][:250], "plain_text": spec["material_zh"]},
                ),
            )
            for spec in self.products
            if spec.get("material")
        )
        material_by_stem = {value.slug: value for value in materials}

        assigned = []
        for spec in self.products:
            bestseller = str(spec.get("bestseller", False)).lower()
            chosen = {
                "bestseller": self.result.values[("bestseller", bestseller)],
                "edition": self.result.values[("edition", spec.get("edition", "standard"))],
                "material": material_by_stem.get(spec["sku"].lower()),
                "scale": self.result.values.get(("scale", spec.get("scale", ""))),
            }
            for order, slug in enumerate(self.types[spec["product_type"]]["product_attributes"]):
                if chosen.get(slug) is not None:
                    assigned.append(
                        AssignedProductAttributeValue(
                            product=by_stem[spec["sku"]], value=chosen[slug], sort_order=order
                        )
                    )
        AssignedProductAttributeValue.objects.bulk_create(assigned)

    def _variant_attributes(self, variants_by_stem) -> None:
        assigned = []
        for spec in self.products:
            expected = self.types[spec["product_type"]].get("variant_attributes", ())
            for variant, variant_spec in variants_by_stem[spec["sku"]]:
                chosen = {
                    "edition": spec.get("edition", "standard"),
                    **variant_spec.get("attributes", {}),
                }
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
        for spec in self.products:
            product = by_stem[spec["sku"]]
            published = spec.get("published", True)
            if spec.get("available_in_days"):
                available_at = self.now + timedelta(days=spec["available_in_days"])
            else:
                available_at = product.created_at if published else None
            for channel_slug in spec["prices"]:
                channel = self.result.channels[channel_slug]
                product_listings.append(
                    ProductChannelListing(
                        product=product,
                        channel=channel,
                        is_published=published,
                        published_at=product.created_at if published else None,
                        visible_in_listings=True,
                        available_for_purchase_at=available_at,
                    )
                )
                for variant, variant_spec in variants_by_stem[spec["sku"]]:
                    price = Decimal(variant_spec.get("prices", spec["prices"])[channel_slug])
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
        stocks = [
            Stock(
                warehouse=self.result.warehouses[warehouse_slug],
                product_variant=variant,
                quantity=quantity,
            )
            for spec in self.products
            for variant, variant_spec in variants_by_stem[spec["sku"]]
            for warehouse_slug, quantity in variant_spec["stock"].items()
        ]
        Stock.objects.bulk_create(stocks)
        self._count("stock records", len(stocks))

    def _media(self, by_stem: dict[str, Product]) -> None:
        media = []
        for spec in self.products:
            product = by_stem[spec["sku"]]
            film = self.films[spec["film"]]
            look = self.shop["film_looks"][spec["film"]]
            for index in range(spec.get("images", 1)):
                image = save_product_image(
                    product.slug,
                    index,
                    title=spec["name"],
                    film_title=film.title_en or film.title,
                    background=look["background"],
                    accent=look["accent"],
                )
                media.append(
                    ProductMedia(product=product, image=image, alt=spec["name"], sort_order=index)
                )
        ProductMedia.objects.bulk_create(media)
        self._count("images", len(media))

    # --- collections ----------------------------------------------------------------

    def _collections(self) -> None:
        specs = self.shop["collections"]
        collections = Collection.objects.bulk_create(
            Collection(
                slug=spec["slug"],
                name=spec["name"],
                description=editorjs(spec["description"]),
                seo_title=spec["name"],
                seo_description=spec["description"],
                translations=described(spec),
            )
            for spec in specs
        )
        self.result.collections = {collection.slug: collection for collection in collections}
        CollectionProduct.objects.bulk_create(
            CollectionProduct(
                collection=self.result.collections[spec["slug"]],
                product=self.result.products[stem],
                sort_order=order,
            )
            for spec in specs
            for order, stem in enumerate(spec["products"])
        )
        CollectionChannelListing.objects.bulk_create(
            CollectionChannelListing(
                collection=self.result.collections[spec["slug"]],
                channel=self.result.channels[channel_slug],
                is_published=True,
                published_at=self.now - timedelta(days=30),
            )
            for spec in specs
            for channel_slug in spec["channels"]
        )
        self._count("collections", len(collections))

    def _count(self, what: str, n: int = 1) -> None:
        self.result.counts[what] = self.result.counts.get(what, 0) + n
