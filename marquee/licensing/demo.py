"""Demo licences for the demo shop: every product it shows stays licensed and approved.

What it shows:
- licensors for the demo films — real production companies where the
  credit is certain, otherwise names marked "(fictional)";
- one exclusive licence (China Film, The Wandering Earth films);
- one licence expiring in 20 days, after which its 180-day sell-off runs (Ne Zha);
- one expired licence whose products are now in their sell-off period
  (The Battle at Lake Changjin), still sold until the sell-off ends;
- a draft licence, royalty terms (flat, tiered, with advances and minimum
  guarantees, in CNY and USD) and an exchange-rate table;
- approvals: every listed product approved (its history walks through the
  stages), the unpublished Wolf Totem T-shirt at production sample after a
  rejected first print, and three designs still in development (not for
  sale, no channel listing) at concept, at pre-production and rejected, so
  a licensor's queue shows every stage;
- licensor logins licensor-a@marquee.example (China Film) and
  licensor-b@marquee.example (Enlight Pictures), password marquee-licensor.

Idempotent: the China Film licensor marks a loaded demo, and a second call
returns at once. Everything goes through the services, so the licence
history of the demo is written like any other.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from marquee.films.models import Film
from marquee.merch.models import Category, Channel, Product, ProductType
from marquee.merch.search import refresh_search_documents

from . import services
from .models import ApprovalStage, LicenceStatus, Licensor
from .validation import TierSpec

LICENSOR_PASSWORD = "marquee-licensor"  # noqa: S105 - a published demo login
LICENSOR_LOGINS = {
    "china-film": "licensor-a@marquee.example",
    "enlight-pictures": "licensor-b@marquee.example",
}
TERRITORIES = ["CN", "HK", "MO", "SG", "JP", "KR", "US", "CA", "GB", "DE", "FR", "AU"]
ROOT_CATEGORIES = [
    "figures-collectibles",
    "apparel",
    "posters-art-prints",
    "prop-replicas",
    "home-stationery",
]
LICENSORS = (
    # slug, name, legal name, country, statement currency, withholding %, films
    (
        "china-film",
        "China Film Co., Ltd.",
        "中国电影股份有限公司",
        "CN",
        "CNY",
        "0",
        ["the-wandering-earth", "the-wandering-earth-ii"],
    ),
    (
        "enlight-pictures",
        "Enlight Pictures",
        "北京光线传媒股份有限公司",
        "CN",
        "CNY",
        "0",
        ["ne-zha"],
    ),
    (
        "bona-film",
        "Bona Film Group",
        "博纳影业集团股份有限公司",
        "CN",
        "CNY",
        "0",
        ["the-battle-at-lake-changjin"],
    ),
    (
        "dengfeng-international",
        "Dengfeng International",
        "北京登峰国际文化传播有限公司",
        "CN",
        "CNY",
        "0",
        ["wolf-warrior-2"],
    ),
    (
        "silver-lantern",
        "Silver Lantern Pictures (fictional)",
        "",
        "HK",
        "HKD",
        "10",
        ["tiny-times-3"],
    ),
    ("maple-street", "Maple Street Studio (fictional)", "", "US", "USD", "10", ["hi-mom"]),
    ("grassland-pictures", "Grassland Pictures (fictional)", "", "FR", "EUR", "10", ["wolf-totem"]),
)


def demo_is_loaded() -> bool:
    return Licensor.objects.filter(slug="china-film").exists()


@transaction.atomic
def load_licensing_demo(today: date | None = None) -> dict[str, int]:
    """Write the demo licensing data once; return counts of what was made (empty if loaded)."""
    if demo_is_loaded():
        return {}
    today = today or timezone.localdate()
    channels = list(Channel.objects.all())
    categories = list(Category.objects.filter(slug__in=ROOT_CATEGORIES))
    films = Film.objects.in_bulk(
        [slug for *_, slugs in LICENSORS for slug in slugs] + ["ne-zha-2"], field_name="slug"
    )
    licensors, properties = {}, {}
    for slug, name, legal, country, currency, withholding, film_slugs in LICENSORS:
        licensor = services.create_licensor(
            slug=slug,
            name=name,
            legal_name=legal,
            country=country,
            statement_currency=currency,
            withholding_tax_rate=Decimal(withholding),
            contact_email=f"licensing@{slug}.example",
            payee_name=legal or name,
        )
        licensors[slug] = licensor
        present = [films[s] for s in film_slugs if s in films]
        if slug == "enlight-pictures" and "ne-zha-2" in films:
            present.append(films["ne-zha-2"])
        properties[slug] = services.create_property(
            licensor=licensor,
            name=f"{present[0].title_en or present[0].title} (film and characters)",
            slug=f"{slug}-{film_slugs[0]}",
            kind="film",
            films=present,
        )
    _licensor_users(licensors)
    rates = _exchange_rates(today)

    def licence(slug, reference, start, end, **extra):
        data = services.LicenceData(
            licensor=licensors[slug],
            reference=reference,
            name=extra.pop("name", ""),
            term_start=start,
            term_end=end,
            territories=extra.pop("territories", TERRITORIES),
            properties=[properties[slug]],
            channels=channels,
            categories=categories,
            **extra,
        )
        return services.create_licence(data)

    years = timedelta(days=365)
    licences = {
        "china-film": licence(
            "china-film",
            "CF-TWE-2023",
            date(2023, 1, 1),
            today + 3 * years,
            name="The Wandering Earth merchandise, exclusive",
            exclusive=True,
            status=LicenceStatus.ACTIVE,
        ),
        "enlight-pictures": licence(
            "enlight-pictures",
            "EN-NZ-2019",
            date(2019, 7, 1),
            today + timedelta(days=20),
            name="Ne Zha merchandise (ends soon; 180-day sell-off follows)",
            status=LicenceStatus.ACTIVE,
        ),
        "bona-film": licence(
            "bona-film",
            "BONA-BLC-2021",
            date(2021, 9, 1),
            today - timedelta(days=45),
            name="The Battle at Lake Changjin merchandise (expired; in sell-off)",
            status=LicenceStatus.EXPIRED,
        ),
        "dengfeng-international": licence(
            "dengfeng-international",
            "DF-WW2-2017",
            date(2017, 7, 1),
            today + 2 * years,
            status=LicenceStatus.ACTIVE,
        ),
        "silver-lantern": licence(
            "silver-lantern", "SL-TT3-2022", date(2022, 1, 1), today + years, status="active"
        ),
        "maple-street": licence(
            "maple-street", "MS-HM-2021", date(2021, 3, 1), today + years, status="active"
        ),
        "grassland-pictures": licence(
            "grassland-pictures", "GP-WT-2020", date(2020, 1, 1), today + years, status="active"
        ),
    }
    # A renewal being negotiated: drafts cover nothing until activated.
    licence(
        "enlight-pictures",
        "EN-NZ-2026-DRAFT",
        today + timedelta(days=21),
        today + 4 * years,
        name="Ne Zha renewal (draft)",
        status=LicenceStatus.DRAFT,
    )
    terms = _royalty_terms(licences, today)
    approvals = _approvals(licences, licensors)
    approvals += _designs_in_development(licences, licensors)
    return {
        "licensors": len(licensors),
        "licences": len(licences) + 1,
        "royalty terms": terms,
        "exchange rates": rates,
        "product approvals": approvals,
    }


def _licensor_users(licensors) -> None:
    users = get_user_model()
    for slug, email in LICENSOR_LOGINS.items():
        user = users.objects.filter(email=email).first()
        if user is None:
            user = users.objects.create_user(email=email, password=LICENSOR_PASSWORD)
        services.add_licensor_user(licensors[slug], user)


def _exchange_rates(today: date) -> int:
    # Illustrative USD/CNY and HKD/CNY rates, not published figures.
    rows = [
        ("USD", "CNY", Decimal("7.1800")),
        ("HKD", "CNY", Decimal("0.9200")),
        ("EUR", "CNY", Decimal("7.8000")),
    ]
    count = 0
    for days_ago in (90, 60, 30, 0):
        for base, quote, rate in rows:
            services.set_exchange_rate(
                source="Marquee demo rate table",
                base=base,
                quote=quote,
                on=today - timedelta(days=days_ago),
                rate=rate,
            )
            count += 1
    return count


def _royalty_terms(licences, today: date) -> int:
    source = "Marquee demo rate table"
    specs = {
        "china-film": {
            "rate_percent": Decimal("10"),
            "currency": "CNY",
            "tier_basis": "units",
            "tiers": [
                TierSpec(Decimal(0), Decimal(10000), Decimal("8")),
                TierSpec(Decimal(10000), None, Decimal("10")),
            ],
            "advance_amount": Decimal("200000"),
            "minimum_guarantee": Decimal("500000"),
            "base": "list",
        },
        "enlight-pictures": {
            "rate_percent": Decimal("12"),
            "currency": "CNY",
            "per_unit_minimum": Decimal("3.5"),
            "minimum_guarantee": Decimal("300000"),
        },
        "bona-film": {"rate_percent": Decimal("9"), "currency": "CNY"},
        "dengfeng-international": {
            "rate_percent": Decimal("10"),
            "currency": "CNY",
            "advance_amount": Decimal("100000"),
        },
        "silver-lantern": {
            "rate_percent": Decimal("8"),
            "currency": "USD",
            "per_unit_amount": Decimal("0.5"),
            "exchange_rate_source": source,
            "exchange_rate_date": "period_end",
        },
        "maple-street": {
            "rate_percent": Decimal("10"),
            "currency": "USD",
            "tier_basis": "revenue",
            "tiers": [
                TierSpec(Decimal(0), Decimal(50000), Decimal("8")),
                TierSpec(Decimal(50000), None, Decimal("11")),
            ],
            "advance_recoupable": False,
            "advance_amount": Decimal("5000"),
        },
        "grassland-pictures": {
            "rate_percent": Decimal("9"),
            "currency": "EUR",
            "exchange_rate_source": source,
        },
    }
    count = 0
    for slug, spec in specs.items():
        licence = licences[slug]
        services.add_royalty_terms(
            licence, services.TermsData(effective_from=licence.term_start, **spec)
        )
        count += 1
    # A second version: China Film's rate rose this year; earlier sales keep the old terms.
    cf = licences["china-film"]
    new_year = date(today.year, 1, 1)
    if new_year > cf.term_start:
        services.add_royalty_terms(
            cf,
            services.TermsData(
                effective_from=new_year,
                rate_percent=Decimal("11"),
                currency="CNY",
                base="list",
                minimum_guarantee=Decimal("600000"),
            ),
        )
        count += 1
    return count


WALK = (ApprovalStage.PRE_PRODUCTION, ApprovalStage.PRODUCTION_SAMPLE, ApprovalStage.APPROVED)


# Designs in development: (licensor, film, product type, category, name, how far it got).
IN_DEVELOPMENT = (
    (
        "china-film",
        "the-wandering-earth-ii",
        "prop-replica",
        "prop-replicas",
        "MOSS Core Replica (design)",
        "concept",
    ),
    (
        "enlight-pictures",
        "ne-zha",
        "figurine",
        "figurines",
        "Ne Zha Lotus Statue (design)",
        "pre_production",
    ),
    (
        "china-film",
        "the-wandering-earth",
        "poster",
        "posters-art-prints",
        "Earth Engine Blueprint Poster (design)",
        "rejected",
    ),
)


def _designs_in_development(licences, licensors) -> int:
    """Products not yet for sale, waiting on the licensor at a stage of their own."""
    count = 0
    for slug, film_slug, type_slug, category_slug, name, stage in IN_DEVELOPMENT:
        film = Film.objects.filter(slug=film_slug).first()
        product_type = ProductType.objects.filter(slug=type_slug).first()
        if film is None or product_type is None or slug not in licences:
            continue
        product = Product.objects.create(
            product_type=product_type,
            category=Category.objects.filter(slug=category_slug).first(),
            film=film,
            name=name,
            slug=slugify(name),
        )
        refresh_search_documents([product.pk])
        licence = licences[slug]
        member = licensors[slug].users.select_related("user").first()
        actor = member.user if member else None
        (approval,) = services.submit_product(
            product, [(licence, Decimal(100))], comment="First concept art."
        )
        if stage == "pre_production":
            services.approve_stage(approval, licence.licensor_id, actor, "Concept approved.")
        elif stage == "rejected":
            services.reject(
                approval, licence.licensor_id, "The engine's proportions are off-model.", actor
            )
        count += 1
    return count


def _approvals(licences, licensors) -> int:
    """Every product under its film's licence, walked through the stages by the licensor."""
    film_to_licensor = {
        film_slug: slug for slug, *_, film_slugs in LICENSORS for film_slug in film_slugs
    }
    users = {slug: licensors[slug].users.select_related("user").first() for slug in licensors}
    count = 0
    for product in Product.objects.select_related("film").order_by("pk"):
        slug = film_to_licensor.get(product.film.slug if product.film_id else "")
        if slug is None:
            continue
        licence = licences[slug]
        member = users[slug]
        actor = member.user if member else None
        (approval,) = services.submit_product(product, [(licence, Decimal(100))])
        published = product.channel_listings.filter(is_published=True).exists()
        if not published:
            # The unpublished design: its first print was rejected, the second is at sample.
            services.approve_stage(approval, licence.licensor_id, actor, "Sculpt approved.")
            services.reject(
                approval, licence.licensor_id, "The moon is off-model; see notes.", actor
            )
            (approval,) = services.submit_product(
                product, [(licence, Decimal(100))], comment="Second print, corrected moon."
            )
            services.approve_stage(approval, licence.licensor_id, actor, "Print approved.")
            services.approve_stage(approval, licence.licensor_id, actor, "Awaiting final sample.")
        else:
            for _stage in WALK:
                services.approve_stage(approval, licence.licensor_id, actor)
        count += 1
    return count
