"""The shapes the demo catalogue is declared in.

The catalogue is data (see `data.py` and `products.py`) so that it reads like
a merchandising plan and can be changed without touching the code that
writes it. The helpers at the bottom expand the usual variant matrices
(colour x size, editions, blind-box packs) into explicit variants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Prices are strings so that they become Decimals without passing through float.
Prices = dict[str, str]


@dataclass(frozen=True)
class ChannelSpec:
    slug: str
    name: str
    currency_code: str
    default_country: str


@dataclass(frozen=True)
class WarehouseSpec:
    slug: str
    name: str
    city: str
    country: str
    email: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    children: tuple[CategorySpec, ...] = ()


@dataclass(frozen=True)
class ValueSpec:
    slug: str
    name: str
    name_zh: str
    value: str = ""  # a swatch's hex colour
    boolean: bool | None = None
    numeric: str | None = None


@dataclass(frozen=True)
class AttributeSpec:
    slug: str
    name: str
    name_zh: str
    input_type: str
    values: tuple[ValueSpec, ...] = ()
    unit: str = ""
    filterable: bool = True


@dataclass(frozen=True)
class ProductTypeSpec:
    slug: str
    name: str
    product_attributes: tuple[str, ...]
    # Variant attributes are all variant-selection ones: what a buyer picks.
    variant_attributes: tuple[str, ...] = ()
    has_variants: bool = True
    weight_grams: int = 300


@dataclass(frozen=True)
class FilmLook:
    """How a film's merchandise looks in the generated images."""

    code: str  # SKU prefix
    background: str
    accent: str


@dataclass(frozen=True)
class VariantSpec:
    code: str  # appended to the product's SKU stem; "" for a single variant
    name: str = ""
    name_zh: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    prices: Prices | None = None  # None: the product's prices


@dataclass(frozen=True)
class ProductSpec:
    sku: str  # SKU stem, e.g. "WW2-TEE"
    film: str
    product_type: str
    category: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    # Channel slug -> price in that channel's currency. The channels listed
    # here are the channels the product is listed in.
    prices: Prices
    variants: tuple[VariantSpec, ...] = (VariantSpec(""),)
    material: str = ""
    material_zh: str = ""
    edition: str = "standard"
    scale: str = ""
    bestseller: bool = False
    stock: str = "plenty"  # a key of STOCK_PROFILES in data.py
    images: int = 1
    published: bool = True
    available_in_days: int = 0  # > 0: published now, purchasable later (a drop)
    age_days: int = 60  # how long ago it was added; drives "new arrivals"


@dataclass(frozen=True)
class CollectionSpec:
    slug: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    products: tuple[str, ...]  # SKU stems, in display order
    channels: tuple[str, ...] = ("china", "international")


@dataclass(frozen=True)
class PageSpec:
    slug: str
    title: str
    title_zh: str
    paragraphs: tuple[str, ...]
    paragraphs_zh: tuple[str, ...]


@dataclass(frozen=True)
class MenuItemSpec:
    name: str
    name_zh: str
    category: str = ""
    collection: str = ""
    page: str = ""
    url: str = ""
    children: tuple[MenuItemSpec, ...] = ()


@dataclass(frozen=True)
class MenuSpec:
    slug: str
    name: str
    items: tuple[MenuItemSpec, ...]


COLOUR_CODES = {
    "black": ("BLK", "Black", "黑色"),
    "white": ("WHT", "White", "白色"),
    "olive": ("OLV", "Olive", "橄榄绿"),
    "navy": ("NVY", "Navy", "藏青"),
    "grey": ("GRY", "Grey", "灰色"),
    "red": ("RED", "Red", "红色"),
    "pink": ("PNK", "Pink", "粉色"),
}

EDITION_CODES = {
    "standard": ("STD", "Standard edition", "标准版"),
    "limited": ("LTD", "Limited edition", "限量版"),
    "collector": ("COL", "Collector edition", "典藏版"),
}


def apparel(colours: tuple[str, ...], sizes: tuple[str, ...]) -> tuple[VariantSpec, ...]:
    """One variant per colour and size, e.g. WW2-TEE-BLK-M "Black / M"."""
    variants = []
    for colour in colours:
        code, name, name_zh = COLOUR_CODES[colour]
        for size in sizes:
            variants.append(
                VariantSpec(
                    code=f"{code}-{size}",
                    name=f"{name} / {size}",
                    name_zh=f"{name_zh} / {size}",
                    attributes={"colour": colour, "size": size.lower()},
                )
            )
    return tuple(variants)


def colours(*slugs: str) -> tuple[VariantSpec, ...]:
    """One variant per colour (caps)."""
    variants = []
    for colour in slugs:
        code, name, name_zh = COLOUR_CODES[colour]
        variants.append(
            VariantSpec(code=code, name=name, name_zh=name_zh, attributes={"colour": colour})
        )
    return tuple(variants)


def editions(prices_by_edition: dict[str, Prices]) -> tuple[VariantSpec, ...]:
    """One variant per edition, each with its own price (figurines, prints, props)."""
    variants = []
    for edition, prices in prices_by_edition.items():
        code, name, name_zh = EDITION_CODES[edition]
        variants.append(
            VariantSpec(
                code=code,
                name=name,
                name_zh=name_zh,
                attributes={"edition": edition},
                prices=prices,
            )
        )
    return tuple(variants)


def packs(single: Prices, case: Prices) -> tuple[VariantSpec, ...]:
    """A blind box sold singly or as a sealed case of six (one of each figure)."""
    return (
        VariantSpec(code="1", name="Single box", name_zh="单盒", prices=single),
        VariantSpec(code="6", name="Sealed case of 6", name_zh="整盒 6 个", prices=case),
    )
