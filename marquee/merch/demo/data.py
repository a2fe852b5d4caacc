"""The demo shop's structure: channels, warehouses, categories, attributes,
product types, collections, pages and menus. The products are in
`products.py`.
"""

from __future__ import annotations

from .specs import (
    AttributeSpec,
    CategorySpec,
    ChannelSpec,
    CollectionSpec,
    FilmLook,
    MenuItemSpec,
    MenuSpec,
    PageSpec,
    ProductTypeSpec,
    ValueSpec,
    WarehouseSpec,
)

CHANNELS = (
    ChannelSpec("china", "中国 China", "CNY", "CN"),
    ChannelSpec("international", "International", "USD", "US"),
)

WAREHOUSES = (
    # Shanghai also ships abroad, so products sold only internationally can
    # still be stocked there.
    WarehouseSpec(
        "shanghai",
        "Shanghai fulfilment centre",
        "Shanghai",
        "CN",
        "shanghai@marquee.example",
        ("china", "international"),
    ),
    WarehouseSpec(
        "los-angeles",
        "Los Angeles fulfilment centre",
        "Los Angeles",
        "US",
        "la@marquee.example",
        ("international",),
    ),
)

# Units on the shelf per warehouse, as (low, high) bounds a variant's stock
# is drawn from (seeded by its SKU, so every load gives the same numbers).
STOCK_PROFILES = {
    "plenty": {"shanghai": (120, 480), "los-angeles": (40, 200)},
    "low": {"shanghai": (1, 6), "los-angeles": (0, 3)},
    "sold-out": {"shanghai": (0, 0), "los-angeles": (0, 0)},
    "china-heavy": {"shanghai": (200, 900), "los-angeles": (0, 4)},
}

CATEGORIES = (
    CategorySpec(
        "figures-collectibles",
        "Figures & Collectibles",
        "手办与收藏",
        "Figures, statues and blind boxes sculpted from the films and approved by their studios.",
        "根据电影角色雕塑、经片方审核的手办、雕像与盲盒。",
        children=(
            CategorySpec(
                "figurines",
                "Figurines",
                "手办",
                "Scale figures and statues of the characters, hand-painted.",
                "手工涂装的角色比例手办与雕像。",
            ),
            CategorySpec(
                "blind-boxes",
                "Blind boxes",
                "盲盒",
                "Six figures per series; every box is a surprise.",
                "每个系列六款，每一盒都是惊喜。",
            ),
        ),
    ),
    CategorySpec(
        "apparel",
        "Apparel",
        "服饰",
        "Clothing printed and embroidered with official film artwork.",
        "印有或绣有官方电影图案的服饰。",
        children=(
            CategorySpec(
                "t-shirts",
                "T-shirts",
                "T恤",
                "Cotton T-shirts with licensed film artwork.",
                "印有正版电影图案的纯棉T恤。",
            ),
            CategorySpec(
                "hoodies",
                "Hoodies",
                "连帽卫衣",
                "Heavyweight hoodies for premieres and cold cinemas.",
                "适合首映礼和冷气影厅的厚实连帽卫衣。",
            ),
            CategorySpec(
                "caps",
                "Caps",
                "帽子",
                "Embroidered caps, one size, adjustable.",
                "刺绣棒球帽，均码可调节。",
            ),
        ),
    ),
    CategorySpec(
        "posters-art-prints",
        "Posters & Art prints",
        "海报与艺术版画",
        "Theatrical posters and numbered art prints.",
        "院线海报与限量编号艺术版画。",
    ),
    CategorySpec(
        "prop-replicas",
        "Prop replicas",
        "道具复刻",
        "Replicas of props seen on screen, made from the production's reference.",
        "依据剧组资料复刻的银幕道具。",
    ),
    CategorySpec(
        "home-stationery",
        "Home & Stationery",
        "家居与文具",
        "Mugs, notebooks and other everyday things for fans.",
        "马克杯、笔记本等影迷日常好物。",
    ),
)

ATTRIBUTES = (
    AttributeSpec(
        "size",
        "Size",
        "尺码",
        "dropdown",
        values=(
            ValueSpec("s", "S", "S 小号"),
            ValueSpec("m", "M", "M 中号"),
            ValueSpec("l", "L", "L 大号"),
            ValueSpec("xl", "XL", "XL 加大号"),
        ),
    ),
    AttributeSpec(
        "colour",
        "Colour",
        "颜色",
        "swatch",
        values=(
            ValueSpec("black", "Black", "黑色", value="#111111"),
            ValueSpec("white", "White", "白色", value="#FFFFFF"),
            ValueSpec("olive", "Olive", "橄榄绿", value="#556B2F"),
            ValueSpec("navy", "Navy", "藏青", value="#1F2A44"),
            ValueSpec("grey", "Grey", "灰色", value="#8A8D8F"),
            ValueSpec("red", "Red", "红色", value="#C8102E"),
            ValueSpec("pink", "Pink", "粉色", value="#F4A7B9"),
        ),
    ),
    AttributeSpec(
        "edition",
        "Edition",
        "版本",
        "dropdown",
        values=(
            ValueSpec("standard", "Standard", "标准版"),
            ValueSpec("limited", "Limited", "限量版"),
            ValueSpec("collector", "Collector", "典藏版"),
        ),
    ),
    # Plain-text values are per product; they come from ProductSpec.material.
    AttributeSpec("material", "Material", "材质", "plain-text", filterable=False),
    AttributeSpec(
        "bestseller",
        "Bestseller",
        "畅销",
        "boolean",
        values=(
            ValueSpec("true", "Yes", "是", boolean=True),
            ValueSpec("false", "No", "否", boolean=False),
        ),
    ),
    AttributeSpec(
        "scale",
        "Scale",
        "比例",
        "numeric",
        # The numeric value is the scale's denominator: 1:6 is 6.
        values=(
            ValueSpec("1-4", "1:4", "1:4", numeric="4"),
            ValueSpec("1-6", "1:6", "1:6", numeric="6"),
            ValueSpec("1-12", "1:12", "1:12", numeric="12"),
            ValueSpec("1-24", "1:24", "1:24", numeric="24"),
            ValueSpec("1-1", "1:1", "1:1", numeric="1"),
        ),
    ),
)

PRODUCT_TYPES = (
    ProductTypeSpec(
        "figurine",
        "Figurine",
        ("bestseller", "material", "scale"),
        ("edition",),
        weight_grams=1200,
    ),
    ProductTypeSpec(
        "t-shirt",
        "T-shirt",
        ("bestseller", "edition", "material"),
        ("colour", "size"),
        weight_grams=220,
    ),
    ProductTypeSpec(
        "hoodie",
        "Hoodie",
        ("bestseller", "edition", "material"),
        ("colour", "size"),
        weight_grams=650,
    ),
    ProductTypeSpec("cap", "Cap", ("bestseller", "material"), ("colour",), weight_grams=150),
    ProductTypeSpec("poster", "Poster", ("bestseller", "material"), ("edition",), weight_grams=400),
    ProductTypeSpec(
        "prop-replica",
        "Prop replica",
        ("bestseller", "material", "scale"),
        ("edition",),
        weight_grams=900,
    ),
    ProductTypeSpec("blind-box", "Blind box", ("bestseller", "edition"), weight_grams=180),
    ProductTypeSpec("mug", "Mug", ("bestseller", "material"), has_variants=False, weight_grams=400),
    ProductTypeSpec(
        "notebook", "Notebook", ("bestseller", "material"), has_variants=False, weight_grams=350
    ),
)

# Keyed by the film's slug in marquee/films/data/films.json.
FILM_LOOKS = {
    "wolf-warrior-2": FilmLook("WW2", "#3B4A2A", "#E0B341"),
    "the-wandering-earth": FilmLook("TWE", "#0F2741", "#F07F2D"),
    "ne-zha": FilmLook("NZ", "#8E1B1B", "#F2C14E"),
    "the-wandering-earth-ii": FilmLook("TWE2", "#1D2B3A", "#E23B3B"),
    "tiny-times-3": FilmLook("TT3", "#E9B8C9", "#3A2E5C"),
    "wolf-totem": FilmLook("WT", "#6B4F2E", "#EADBC8"),
    "hi-mom": FilmLook("HM", "#F2C14E", "#B5332E"),
    "the-battle-at-lake-changjin": FilmLook("BLC", "#4F6272", "#F5F1E6"),
}

COLLECTIONS = (
    CollectionSpec(
        "featured-products",
        "Featured products",
        "精选商品",
        "Our pick of the season: the pieces fans ask for most.",
        "本季精选：影迷最想要的好物。",
        (
            "NZ-FIG",
            "TWE2-MOSS",
            "WW2-FIG",
            "HM-MUG",
            "TWE-TRUCK",
            "BLC-FIG",
            "NZ-TEE",
            "TWE-HOOD",
            "WT-FIG",
            "HM-TEE",
        ),
    ),
    CollectionSpec(
        "new-arrivals",
        "New arrivals",
        "新品上架",
        "Just in from the studios' approval rooms.",
        "刚通过片方审核的新品。",
        (
            "TWE2-FIG",
            "TWE2-TEE",
            "TWE2-PRINT",
            "TWE2-BOX",
            "HM-HOOD",
            "HM-BOX",
            "BLC-BADGE",
            "NZ-RING",
        ),
    ),
    CollectionSpec(
        "limited-editions",
        "Limited editions",
        "限量版",
        "Numbered runs and collector editions; when they are gone, they are gone.",
        "限量编号与典藏版本，售完即止。",
        (
            "WW2-FIG",
            "NZ-FIG",
            "TWE2-PRINT",
            "WT-PRINT",
            "TWE2-MOSS",
            "BLC-FIG",
            "WW2-POS",
        ),
    ),
)

PAGE_TYPE = ("content", "Content page")

PAGES = (
    PageSpec(
        "about",
        "About Marquee",
        "关于 Marquee",
        (
            "Marquee sells merchandise from the films fans love: figures, apparel, "
            "posters and prop replicas, made with the studios.",
            "Members who backed a film get member prices, limited editions and screening passes.",
        ),
        (
            "Marquee 出售影迷喜爱的电影周边：手办、服饰、海报和道具复刻，均与片方合作制作。",
            "支持过电影的会员可享会员价、限量版和观影特权。",
        ),
    ),
    PageSpec(
        "licensing",
        "Licensing",
        "授权说明",
        (
            "Every product in this shop is sold under a licence from the rights holder "
            "of its film.",
            "Each design is approved by the licensor before it is made, and a royalty "
            "on every unit sold is paid to them.",
        ),
        (
            "本店每一件商品均获得电影版权方的正式授权销售。",
            "每款设计在生产前均经授权方审核，每售出一件都向其支付版权使用费。",
        ),
    ),
    PageSpec(
        "shipping",
        "Shipping",
        "配送说明",
        (
            "Orders in mainland China ship from Shanghai, usually within 48 hours.",
            "International orders ship from Los Angeles or Shanghai; delivery takes "
            "5 to 12 working days depending on the destination.",
        ),
        (
            "中国大陆订单由上海仓发货，通常在 48 小时内发出。",
            "国际订单由洛杉矶仓或上海仓发货，视目的地需 5 至 12 个工作日送达。",
        ),
    ),
)

MENUS = (
    MenuSpec(
        "navbar",
        "Navbar",
        (
            MenuItemSpec(
                "Figures & Collectibles",
                "手办与收藏",
                category="figures-collectibles",
                children=(
                    MenuItemSpec("Figurines", "手办", category="figurines"),
                    MenuItemSpec("Blind boxes", "盲盒", category="blind-boxes"),
                ),
            ),
            MenuItemSpec(
                "Apparel",
                "服饰",
                category="apparel",
                children=(
                    MenuItemSpec("T-shirts", "T恤", category="t-shirts"),
                    MenuItemSpec("Hoodies", "连帽卫衣", category="hoodies"),
                    MenuItemSpec("Caps", "帽子", category="caps"),
                ),
            ),
            MenuItemSpec("Posters & Art prints", "海报与艺术版画", category="posters-art-prints"),
            MenuItemSpec("Prop replicas", "道具复刻", category="prop-replicas"),
            MenuItemSpec("Home & Stationery", "家居与文具", category="home-stationery"),
            MenuItemSpec(
                "Collections",
                "专题",
                collection="featured-products",
                children=(
                    MenuItemSpec("New arrivals", "新品上架", collection="new-arrivals"),
                    MenuItemSpec("Limited editions", "限量版", collection="limited-editions"),
                ),
            ),
        ),
    ),
    MenuSpec(
        "footer",
        "Footer",
        (
            MenuItemSpec(
                "Marquee",
                "Marquee",
                children=(
                    MenuItemSpec("About", "关于我们", page="about"),
                    MenuItemSpec("Licensing", "授权说明", page="licensing"),
                ),
            ),
            MenuItemSpec(
                "Customer care",
                "客户服务",
                children=(MenuItemSpec("Shipping", "配送说明", page="shipping"),),
            ),
        ),
    ),
)
