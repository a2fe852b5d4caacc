import io
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from PIL import Image

from marquee.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from marquee.demo import loader as demo_loader
from marquee.demo.loader import demo_is_loaded, load_demo
from marquee.demo.management.commands import rundemo
from marquee.films.models import Film
from marquee.merch import models as m
from marquee.merch.search import build_search_document, refresh_search_documents
from tests.merch.conftest import FAST_HASHERS

LANGUAGES = ("en", "zh-hans")


def assert_editorjs(document):
    assert set(document) == {"time", "blocks", "version"}
    assert document["blocks"], document
    for block in document["blocks"]:
        assert block["type"] == "paragraph"
        assert block["data"]["text"].strip()


# This test needs an empty database, so it comes before any test that asks
# for the module-wide `demo` fixture (pytest runs a module's tests in order).
@pytest.mark.django_db
def test_a_failed_load_writes_nothing(monkeypatch, settings):
    assert not demo_is_loaded(), "run before the demo fixture is set up"
    settings.PASSWORD_HASHERS = FAST_HASHERS

    def fail(*args, **kwargs):
        raise RuntimeError("menus could not be written")

    monkeypatch.setattr(demo_loader, "write_content", fail)
    with pytest.raises(RuntimeError):
        load_demo()
    assert not m.Channel.objects.exists()
    assert not m.Product.objects.exists()
    assert not Film.objects.exists()
    assert not get_user_model().objects.filter(email=DEMO_STAFF_EMAIL).exists()


@pytest.mark.django_db
def test_channels_and_warehouses(demo):
    channels = {channel.slug: channel for channel in m.Channel.objects.all()}
    assert set(channels) == {"china", "international"}
    assert channels["china"].name == "中国 China"
    assert (channels["china"].currency_code, channels["china"].default_country.code) == (
        "CNY",
        "CN",
    )
    assert (
        channels["international"].currency_code,
        channels["international"].default_country.code,
    ) == (
        "USD",
        "US",
    )
    assert all(channel.is_active for channel in channels.values())

    served = {
        warehouse.slug: {channel.slug for channel in warehouse.channels.all()}
        for warehouse in m.Warehouse.objects.prefetch_related("channels")
    }
    assert served == {"shanghai": {"china", "international"}, "los-angeles": {"international"}}


@pytest.mark.django_db
def test_category_tree_is_translated(demo):
    roots = {
        category.slug: sorted(child.slug for child in category.get_children())
        for category in m.Category.objects.root_nodes()
    }
    assert roots == {
        "figures-collectibles": ["blind-boxes", "figurines"],
        "apparel": ["caps", "hoodies", "t-shirts"],
        "posters-art-prints": [],
        "prop-replicas": [],
        "home-stationery": [],
    }
    for category in m.Category.objects.all():
        assert_editorjs(category.description)
        for language in LANGUAGES:
            translation = category.translation_for(language)
            assert translation["name"] and translation["slug"], (category.slug, language)
    assert m.Category.objects.get(slug="t-shirts").translation_for("zh-hans")["name"] == "T恤"


@pytest.mark.django_db
def test_products_span_films_with_translations(demo):
    # Products in the catalogue (designs still in licensor approval have no listing).
    products = list(
        m.Product.objects.filter(channel_listings__isnull=False)
        .distinct()
        .select_related("film", "category", "product_type")
    )
    assert len(products) >= 44
    assert len({product.film.slug for product in products}) >= 8
    assert len({product.product_type.slug for product in products}) >= 8
    for product in products:
        assert product.category is not None
        assert_editorjs(product.description)
        for language in LANGUAGES:
            translation = product.translation_for(language)
            assert translation["name"] and translation["slug"], product.slug
            assert_editorjs(translation["description"])
    tee = m.Product.objects.get(variants__sku="WW2-TEE-BLK-M")
    assert tee.film.slug == "wolf-warrior-2"
    assert tee.translation_for("zh-hans")["name"] == "战狼2 徽章T恤"


@pytest.mark.django_db
def test_every_variant_has_a_unique_sku_and_a_price_in_each_listed_channel(demo):
    variants = list(m.ProductVariant.objects.all())
    skus = [variant.sku for variant in variants]
    assert all(skus)
    assert len(skus) == len(set(skus))
    assert Counter(variant.product_id for variant in variants).most_common(1)[0][1] <= 6

    listed = defaultdict(set)
    for product_id, channel_id in m.ProductChannelListing.objects.values_list(
        "product_id", "channel_id"
    ):
        listed[product_id].add(channel_id)
    currencies = dict(m.Channel.objects.values_list("id", "currency_code"))
    priced = defaultdict(dict)
    for listing in m.ProductVariantChannelListing.objects.all():
        assert listing.currency == currencies[listing.channel_id]
        assert listing.price_amount > 0
        priced[listing.variant_id][listing.channel_id] = listing.price_amount
    for variant in variants:
        assert set(priced[variant.pk]) == listed[variant.product_id], variant.sku

    figure = m.ProductVariant.objects.get(sku="WW2-FIG-COL")
    prices = {
        listing.channel.slug: str(listing.price_amount)
        for listing in figure.channel_listings.select_related("channel")
    }
    assert prices == {"china": "1299.0000", "international": "189.0000"}


@pytest.mark.django_db
def test_variants_carry_their_selection_attributes(demo):
    selection = defaultdict(set)
    for link in m.ProductTypeAttribute.objects.filter(variant_selection=True).select_related(
        "attribute"
    ):
        selection[link.product_type_id].add(link.attribute.slug)
    assigned = defaultdict(set)
    for variant_id, attribute_slug in m.AssignedVariantAttributeValue.objects.values_list(
        "variant_id", "value__attribute__slug"
    ):
        assigned[variant_id].add(attribute_slug)
    for variant in m.ProductVariant.objects.select_related("product"):
        assert assigned[variant.pk] == selection[variant.product.product_type_id], variant.sku
    assert selection[m.ProductType.objects.get(slug="t-shirt").pk] == {"colour", "size"}


@pytest.mark.django_db
def test_attributes_and_their_translations(demo):
    attributes = {attribute.slug: attribute for attribute in m.Attribute.objects.all()}
    assert {slug: attribute.input_type for slug, attribute in attributes.items()} == {
        "size": "dropdown",
        "colour": "swatch",
        "edition": "dropdown",
        "material": "plain-text",
        "bestseller": "boolean",
        "scale": "numeric",
    }
    for attribute in attributes.values():
        assert attribute.translation_for("zh-hans")["name"]
    for value in m.AttributeValue.objects.filter(attribute__slug="colour"):
        assert value.value.startswith("#") and len(value.value) == 7
        assert value.translation_for("zh-hans")["name"]
    bestsellers = m.AssignedProductAttributeValue.objects.filter(
        value__attribute__slug="bestseller", value__boolean=True
    )
    assert bestsellers.count() >= 5
    assert (
        m.AssignedProductAttributeValue.objects.filter(value__attribute__slug="scale").count() >= 5
    )


@pytest.mark.django_db
def test_listings_cover_the_storefront_edge_cases(demo):
    now = timezone.now()
    listings = list(m.ProductChannelListing.objects.select_related("channel"))
    channels_of = defaultdict(set)
    for listing in listings:
        channels_of[listing.product_id].add(listing.channel.slug)
    assert len({pid for pid, slugs in channels_of.items() if slugs == {"china"}}) >= 2
    assert len({pid for pid, slugs in channels_of.items() if slugs == {"international"}}) >= 1
    both = {pid for pid, slugs in channels_of.items() if slugs == {"china", "international"}}
    assert len(both) > len(channels_of) / 2

    unpublished = {listing.product_id for listing in listings if not listing.is_published}
    assert len(unpublished) == 1
    upcoming = {
        listing.product_id
        for listing in listings
        if listing.is_published
        and listing.available_for_purchase_at
        and listing.available_for_purchase_at > now
    }
    assert len(upcoming) == 1
    china_prices = m.ProductVariantChannelListing.objects.filter(channel__slug="china")
    assert china_prices.filter(price_amount=99).exists()
    assert china_prices.filter(price_amount=1299).exists()


@pytest.mark.django_db
def test_stock_is_varied_and_only_where_it_can_be_sold(demo):
    quantities = list(m.Stock.objects.values_list("quantity", flat=True))
    assert 0 in quantities
    assert any(1 <= quantity <= 9 for quantity in quantities)
    assert any(quantity >= 100 for quantity in quantities)
    # Los Angeles serves only the international channel.
    china_only = m.Product.objects.annotate(listings=Count("channel_listings")).filter(
        listings=1, channel_listings__channel__slug="china"
    )
    assert china_only.exists()
    assert not m.Stock.objects.filter(
        warehouse__slug="los-angeles", product_variant__product__in=china_only
    ).exists()


@pytest.mark.django_db
def test_every_product_has_generated_images(demo):
    media_root = Path(demo)
    counts = Counter(m.ProductMedia.objects.values_list("product_id", flat=True))
    listed = m.Product.objects.filter(channel_listings__isnull=False).values_list("pk", flat=True)
    assert set(counts) == set(listed)
    assert set(counts.values()) <= {1, 2}
    for media in m.ProductMedia.objects.all()[:5]:
        path = media_root / media.image.name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(path) as image:
            assert image.size == (800, 1000)


@pytest.mark.django_db
def test_collections(demo):
    collections = {c.slug: c for c in m.Collection.objects.prefetch_related("channel_listings")}
    assert set(collections) == {"featured-products", "new-arrivals", "limited-editions"}
    for collection in collections.values():
        assert collection.translation_for("zh-hans")["name"]
        assert {listing.channel_id for listing in collection.channel_listings.all()} == set(
            m.Channel.objects.values_list("pk", flat=True)
        )
        assert all(listing.is_published for listing in collection.channel_listings.all())

    featured = collections["featured-products"].products.all()
    assert featured.count() >= 8
    # Featured products must show in both channels.
    for product in featured.prefetch_related("channel_listings"):
        assert len([lst for lst in product.channel_listings.all() if lst.is_published]) == 2


@pytest.mark.django_db
def test_pages(demo):
    pages = {page.slug: page for page in m.Page.objects.all()}
    assert set(pages) == {"about", "licensing", "shipping"}
    for page in pages.values():
        assert page.is_visible()
        assert_editorjs(page.content)
        assert page.translation_for("zh-hans")["title"]
        assert_editorjs(page.translation_for("zh-hans")["content"])
    licensing_text = " ".join(b["data"]["text"] for b in pages["licensing"].content["blocks"])
    assert "licence from the rights holder" in licensing_text


@pytest.mark.django_db
def test_navbar_and_footer_menus(demo):
    navbar = m.Menu.objects.get(slug="navbar")
    top = list(navbar.items.filter(parent=None).prefetch_related("children"))
    assert any(item.category_id for item in top)
    assert any(item.collection_id for item in top)
    assert any(item.children.all() for item in top)
    for item in navbar.items.all():
        assert item.category_id or item.collection_id
        assert item.translation_for("zh-hans")["name"]
        assert item.parent is None or item.parent.parent is None

    footer = m.Menu.objects.get(slug="footer")
    linked_pages = set(footer.items.exclude(page=None).values_list("page__slug", flat=True))
    assert linked_pages == {"about", "licensing", "shipping"}
    assert all(item.translation_for("zh-hans") for item in footer.items.all())


@pytest.mark.django_db
def test_search_documents_are_filled(demo):
    assert not m.Product.objects.filter(search_document="").exists()
    tee = m.Product.objects.get(variants__sku="WW2-TEE-BLK-M")
    for term in ("wolf warrior 2 emblem t-shirt", "ww2-tee-blk-m", "战狼2", "t恤"):
        assert term in tee.search_document
    assert m.Product.objects.filter(search_document__icontains="流浪地球").count() >= 12
    assert m.Product.objects.filter(search_document__icontains="Tiny Times").count() >= 6


@pytest.mark.django_db
def test_refresh_search_documents_in_constant_queries(demo, django_assert_num_queries):
    variant = m.ProductVariant.objects.get(sku="HM-MUG")
    variant.sku = "HM-MUG-1981"
    variant.save()
    ids = list(m.Product.objects.values_list("pk", flat=True))
    # Products, their variants, one UPDATE.
    with django_assert_num_queries(3):
        assert refresh_search_documents(ids) == 1
    product = m.Product.objects.get(pk=variant.product_id)
    assert "hm-mug-1981" in product.search_document
    assert product.search_document == build_search_document(product)


@pytest.mark.django_db
def test_demo_staff_login(demo):
    user = get_user_model().objects.get(email=DEMO_STAFF_EMAIL)
    assert user.is_staff and user.is_superuser
    assert user.email == DEMO_STAFF_EMAIL
    assert user.check_password(DEMO_STAFF_PASSWORD)


@pytest.mark.django_db
def test_a_second_load_returns_false_without_writing(demo, django_assert_max_num_queries):
    before = (m.Product.objects.count(), m.ProductVariant.objects.count(), Film.objects.count())
    with django_assert_max_num_queries(1):
        assert load_demo() is False
    after = (m.Product.objects.count(), m.ProductVariant.objects.count(), Film.objects.count())
    assert after == before

    out = io.StringIO()
    call_command("loaddemo", stdout=out)
    assert "already loaded" in out.getvalue()


def test_rundemo_migrates_loads_and_serves(monkeypatch):
    calls = []
    monkeypatch.delenv("RUN_MAIN", raising=False)
    monkeypatch.setattr(
        rundemo, "call_command", lambda name, *args, **kwargs: calls.append((name, args))
    )
    out = io.StringIO()
    call_command("rundemo", "--addrport", "0.0.0.0:8123", stdout=out)
    assert [name for name, _ in calls] == ["migrate", "loaddemo", "runserver"]
    assert calls[-1][1] == ("0.0.0.0:8123",)
    banner = out.getvalue()
    assert "http://localhost:8123/graphql/" in banner
    assert "http://localhost:8123/admin/" in banner
    assert f"{DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}" in banner


def test_rundemo_reloader_child_only_serves(monkeypatch):
    calls = []
    monkeypatch.setenv("RUN_MAIN", "true")
    monkeypatch.setattr(rundemo, "call_command", lambda name, *args, **kwargs: calls.append(name))
    call_command("rundemo", stdout=io.StringIO())
    assert calls == ["runserver"]


@pytest.mark.parametrize(
    ("addrport", "shown"),
    [
        ("127.0.0.1:8000", "127.0.0.1:8000"),
        ("8001", "127.0.0.1:8001"),
        ("0.0.0.0:80", "localhost:80"),
    ],
)
def test_display_address(addrport, shown):
    assert rundemo.display_address(addrport) == shown
