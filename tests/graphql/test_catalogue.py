"""Categories, collections, navigation, pages, channels, shop and films."""

from decimal import Decimal

import pytest

from marquee.merch import models as m

from .operations import NAVIGATION

pytestmark = pytest.mark.django_db


def test_categories_and_category_products_include_subcategories(gql, catalogue):
    catalogue.product("Logo Tee")
    body = gql.execute(
        """
        query($slugs: [String!]!) {
          categories(filter: {slugs: $slugs}, first: 10) {
            totalCount edges { node { slug level } }
          }
          category(slug: "fu-shi", slugLanguageCode: ZH_HANS) {
            name
            children(first: 5) { edges { node { slug parent { slug } } } }
            translation(languageCode: ZH_HANS) { name slug }
            products(channel: "china", first: 10) { totalCount edges { node { name } } }
          }
        }
        """,
        {"slugs": ["apparel", "t-shirts"]},
    )["data"]
    assert {e["node"]["slug"]: e["node"]["level"] for e in body["categories"]["edges"]} == {
        "apparel": 0,
        "t-shirts": 1,
    }
    category = body["category"]
    assert category["name"] == "Apparel"
    assert category["translation"] == {"name": "服饰", "slug": "fu-shi"}
    assert category["children"]["edges"][0]["node"] == {
        "slug": "t-shirts",
        "parent": {"slug": "apparel"},
    }
    assert category["products"]["edges"][0]["node"]["name"] == "Logo Tee"


def make_collection(catalogue, products, channels):
    collection = m.Collection.objects.create(name="Featured", slug="featured-products")
    for index, product in enumerate(products):
        m.CollectionProduct.objects.create(
            collection=collection, product=product, sort_order=len(products) - index
        )
    for channel in channels:
        m.CollectionChannelListing.objects.create(
            collection=collection, channel=channel, is_published=True
        )
    return collection


def test_collection_is_published_per_channel_and_keeps_its_order(gql, catalogue):
    first = catalogue.product("Alpha", cny=Decimal("5"))
    second = catalogue.product("Beta", cny=Decimal("6"))
    make_collection(catalogue, [first, second], [catalogue.china])
    query = """
    query($channel: String!) {
      collections(channel: $channel, first: 10) { edges { node { slug } } }
      collection(slug: "featured-products", channel: $channel) {
        name channel products(first: 10) { edges { node { name } } }
      }
    }
    """
    china = gql.execute(query, {"channel": "china"})["data"]
    assert china["collections"]["edges"] == [{"node": {"slug": "featured-products"}}]
    # Default order inside a collection is the collection's own sort order.
    names = [e["node"]["name"] for e in china["collection"]["products"]["edges"]]
    assert names == ["Beta", "Alpha"]
    international = gql.execute(query, {"channel": "international"}, expect_errors=True)
    assert international["data"]["collection"] is None
    assert international["errors"][0]["extensions"]["exception"]["code"] == "NOT_FOUND"


def test_navigation_menu_tree(gql, catalogue):
    page_type = m.PageType.objects.create(name="Content", slug="content")
    about = m.Page.objects.create(
        page_type=page_type, title="About", slug="about", is_published=True
    )
    draft = m.Page.objects.create(page_type=page_type, title="Draft", slug="draft")
    menu = m.Menu.objects.create(name="Navbar", slug="navbar")
    shop = m.MenuItem.objects.create(
        menu=menu, name="Shop", translations={"zh-hans": {"name": "商店"}}
    )
    m.MenuItem.objects.create(menu=menu, parent=shop, name="Apparel", category=catalogue.apparel)
    m.MenuItem.objects.create(menu=menu, name="About", page=about, sort_order=1)
    m.MenuItem.objects.create(menu=menu, name="Hidden", page=draft, sort_order=2)
    items = gql.execute(
        NAVIGATION, {"slug": "navbar", "channel": "china", "languageCode": "ZH_HANS"}
    )["data"]["menu"]["items"]
    assert [i["name"] for i in items] == ["Shop", "About", "Hidden"]
    assert items[0]["translation"] == {"name": "商店"}
    child = items[0]["children"][0]
    assert child["level"] == 1
    assert child["category"]["translation"]["slug"] == "fu-shi"
    assert items[1]["page"]["slug"] == "about"
    assert items[2]["page"] is None  # unpublished pages are not linked


def test_pages(gql, catalogue):
    page_type = m.PageType.objects.create(name="Content", slug="content")
    m.Page.objects.create(
        page_type=page_type,
        title="Licensing",
        slug="licensing",
        is_published=True,
        content={"blocks": [{"type": "paragraph", "data": {"text": "Licensed."}}]},
        translations={"zh-hans": {"title": "授权", "slug": "shou-quan"}},
    )
    body = gql.execute(
        """
        {
          page(slug: "shou-quan", slugLanguageCode: ZH_HANS) {
            title content pageType { slug } translation(languageCode: ZH_HANS) { title }
          }
          pages(first: 5, where: {slug: {oneOf: ["licensing", "missing"]}}) {
            edges { node { slug isPublished } }
          }
        }
        """
    )["data"]
    assert body["page"]["title"] == "Licensing"
    assert body["page"]["translation"] == {"title": "授权"}
    assert body["pages"]["edges"] == [{"node": {"slug": "licensing", "isPublished": True}}]


def test_channels_and_shop(gql, catalogue):
    body = gql.execute(
        """
        {
          channels { slug currencyCode isActive defaultCountry { code } }
          channel(slug: "international") { name currencyCode }
          shop { name channelCurrencies defaultCountry { code } languages { code } }
        }
        """
    )["data"]
    assert [(c["slug"], c["currencyCode"]) for c in body["channels"]] == [
        ("china", "CNY"),
        ("international", "USD"),
    ]
    assert body["channel"] == {"name": "International", "currencyCode": "USD"}
    assert body["shop"]["channelCurrencies"] == ["CNY", "USD"]
    assert {lang["code"] for lang in body["shop"]["languages"]} == {"EN", "ZH_HANS"}


def test_films_and_film_products(gql, catalogue):
    catalogue.product("Logo Tee")
    body = gql.execute(
        """
        {
          films(first: 10, filter: {search: "战狼"}) { totalCount edges { node { slug } } }
          film(slug: "wolf-warrior-2") {
            title titleEn genres { slug }
            credits(role: DIRECTOR) { role person { name nameZh } }
            boxOffice { market asOf gross { amount currency fractionDigits } }
            products(channel: "international", first: 5) {
              edges { node { name pricing { priceRange { start { gross { currency } } } } } }
            }
          }
        }
        """
    )["data"]
    assert body["films"]["edges"] == [{"node": {"slug": "wolf-warrior-2"}}]
    film = body["film"]
    assert film["credits"] == [
        {"role": "DIRECTOR", "person": {"name": "Wu Jing", "nameZh": "吴京"}}
    ]
    assert film["boxOffice"] == [
        {
            "market": "CN",
            "asOf": "2017-12-31",
            "gross": {"amount": 5694000000.0, "currency": "CNY", "fractionDigits": 2},
        }
    ]
    product = film["products"]["edges"][0]["node"]
    assert product["pricing"]["priceRange"]["start"]["gross"]["currency"] == "USD"
    missing = gql.execute('{ film(slug: "nope") { title } }', expect_errors=True)
    assert missing["errors"][0]["extensions"]["exception"]["code"] == "NOT_FOUND"
