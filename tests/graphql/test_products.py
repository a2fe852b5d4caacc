from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from marquee.merch import models as m

from .operations import PRODUCT_GRID, PRODUCT_PAGE

pytestmark = pytest.mark.django_db


def grid(gql, **variables):
    variables = {"channel": "china", "languageCode": "ZH_HANS", "first": 20, **variables}
    return gql.execute(PRODUCT_GRID, variables)["data"]["products"]


def test_product_grid_returns_saleor_shapes(gql, catalogue):
    catalogue.product("Logo Tee", cny=Decimal("99.00"))
    data = grid(gql)
    assert data["totalCount"] == 1
    node = data["edges"][0]["node"]
    assert node["id"] == to_global_id("Product", m.Product.objects.get().pk)
    assert node["translation"] == {"name": "Logo Tee 中文", "slug": "logo-tee-zh"}
    price_range = node["pricing"]["priceRange"]
    assert price_range["start"]["gross"] == {"amount": 99.0, "currency": "CNY"}
    assert price_range["stop"]["gross"] == {"amount": 100.0, "currency": "CNY"}
    assert price_range["start"]["net"]["amount"] == 99.0
    assert node["category"]["translation"] is None
    assert node["thumbnail"]["url"].endswith(
        f"/thumbnail/product-media/{m.ProductMedia.objects.get().pk}/1024/webp/"
    )
    assert node["bestseller"] == {"value": True}
    assert node["film"] == {"slug": "wolf-warrior-2", "title": "战狼2", "titleEn": "Wolf Warrior 2"}
    variants = node["productVariants"]
    assert variants["totalCount"] == 2
    selection = variants["edges"][0]["node"]["selection"]
    assert selection[0]["attribute"]["slug"] == "size"
    assert selection[0]["values"][0]["slug"] == "s"


def test_prices_are_in_the_channel_currency(gql, catalogue):
    catalogue.product("Logo Tee", usd=Decimal("14.985"))
    start = grid(gql, channel="international")["edges"][0]["node"]["pricing"]["priceRange"]["start"]
    # 14.985 rounds half up to the cent.
    assert start["gross"] == {"amount": 14.99, "currency": "USD"}


def test_listing_hides_unpublished_unlisted_and_unpriced_products(gql, catalogue):
    catalogue.product("Shown")
    catalogue.product("Draft", published=False)
    catalogue.product("Unlisted", listed=False)
    catalogue.product("China Only", channels=[catalogue.china])
    china = {e["node"]["name"] for e in grid(gql)["edges"]}
    intl = {e["node"]["name"] for e in grid(gql, channel="international")["edges"]}
    assert china == {"Shown", "China Only"}
    assert intl == {"Shown"}


def test_product_page_by_slug_translated_slug_and_id(gql, catalogue):
    product = catalogue.product("Logo Tee")
    base = {"channel": "china", "languageCode": "EN"}
    by_slug = gql.execute(PRODUCT_PAGE, {**base, "slug": "logo-tee"})["data"]["product"]
    assert by_slug["name"] == "Logo Tee"
    assert by_slug["isAvailable"] is True
    assert [v["sku"] for v in by_slug["variants"]] == ["SKU-00001", "SKU-00002"]
    assert by_slug["variants"][0]["quantityAvailable"] == 10
    assert by_slug["variants"][0]["product"]["slug"] == "logo-tee"
    assert by_slug["film"]["credits"][0]["person"]["nameZh"] == "吴京"
    translated = gql.execute(
        PRODUCT_PAGE, {**base, "slug": "logo-tee-zh", "slugLanguageCode": "ZH_HANS"}
    )["data"]["product"]
    assert translated["id"] == by_slug["id"] == to_global_id("Product", product.pk)


def test_unlisted_product_still_has_a_page(gql, catalogue):
    catalogue.product("Unlisted", listed=False)
    body = gql.execute(PRODUCT_PAGE, {"slug": "unlisted", "channel": "china", "languageCode": "EN"})
    assert body["data"]["product"]["name"] == "Unlisted"


def test_quantity_available_is_capped_and_counts_allocations(gql, catalogue, settings):
    settings.MAX_CHECKOUT_LINE_QUANTITY = 50
    catalogue.product("Plenty", variants=1, stock=500)
    few = catalogue.product("Few", variants=1, stock=5)
    m.Stock.objects.filter(product_variant__product=few).update(quantity_allocated=5)
    quantities = {
        e["node"]["name"]: e["node"]["productVariants"]["totalCount"] for e in grid(gql)["edges"]
    }
    assert quantities == {"Plenty": 1, "Few": 1}
    page = gql.execute(PRODUCT_PAGE, {"slug": "plenty", "channel": "china", "languageCode": "EN"})
    assert page["data"]["product"]["variants"][0]["quantityAvailable"] == 50
    page = gql.execute(PRODUCT_PAGE, {"slug": "few", "channel": "china", "languageCode": "EN"})
    assert page["data"]["product"]["variants"][0]["quantityAvailable"] == 0
    assert page["data"]["product"]["isAvailable"] is False


VARIANT = """
query Variant($id: ID, $sku: String, $channel: String!) {
  productVariant(id: $id, sku: $sku, channel: $channel) {
    id sku name quantityAvailable
    pricing { price { gross { amount currency } } }
    product { slug }
  }
}
"""


def test_product_variant_by_sku_and_id(gql, catalogue):
    catalogue.product("Logo Tee")
    variant = m.ProductVariant.objects.get(sku="SKU-00002")
    by_sku = gql.execute(VARIANT, {"sku": "SKU-00002", "channel": "international"})
    by_sku = by_sku["data"]["productVariant"]
    assert by_sku["pricing"]["price"]["gross"] == {"amount": 15.99, "currency": "USD"}
    by_id = gql.execute(
        VARIANT, {"id": to_global_id("ProductVariant", variant.pk), "channel": "international"}
    )["data"]["productVariant"]
    assert by_id == by_sku


@pytest.mark.parametrize(
    ("field", "direction", "expected"),
    [
        ("PRICE", "ASC", ["Cheap", "Middle", "Dear"]),
        ("PRICE", "DESC", ["Dear", "Middle", "Cheap"]),
        ("NAME", "ASC", ["Cheap", "Dear", "Middle"]),
        ("CREATED_AT", "DESC", ["Dear", "Middle", "Cheap"]),
    ],
)
def test_sorting(gql, catalogue, field, direction, expected):
    catalogue.product("Cheap", cny=Decimal("10"))
    catalogue.product("Middle", cny=Decimal("50"))
    catalogue.product("Dear", cny=Decimal("90"))
    data = grid(gql, sortBy={"field": field, "direction": direction})
    assert [e["node"]["name"] for e in data["edges"]] == expected


def test_keyset_pagination_forward_and_back(gql, catalogue):
    for index in range(7):
        catalogue.product(f"Item {index}", variants=1, image=False)
    names, after = [], None
    while True:
        data = grid(gql, first=3, after=after, sortBy={"field": "NAME", "direction": "ASC"})
        names += [e["node"]["name"] for e in data["edges"]]
        assert data["totalCount"] == 7
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert names == [f"Item {i}" for i in range(7)]
    back = grid(gql, first=None, last=2, before=after, sortBy={"field": "NAME", "direction": "ASC"})
    # `after` is the end cursor of the second page ("Item 5").
    assert [e["node"]["name"] for e in back["edges"]] == ["Item 3", "Item 4"]
    assert back["pageInfo"]["hasPreviousPage"] is True


def test_filters(gql, catalogue):
    catalogue.product("Logo Tee", cny=Decimal("99"))
    catalogue.product("Figure", category=catalogue.figures, cny=Decimal("599"), stock=0)
    apparel_id = to_global_id("Category", catalogue.apparel.pk)

    def names(**variables):
        return sorted(e["node"]["name"] for e in grid(gql, **variables)["edges"])

    # A parent category includes its children's products.
    assert names(filter={"categories": [apparel_id]}) == ["Logo Tee"]
    assert names(filter={"search": "FIG"}) == ["Figure"]
    assert names(filter={"price": {"gte": 500}}) == ["Figure"]
    assert names(filter={"minimalPrice": {"lte": 100}}) == ["Logo Tee"]
    assert names(filter={"stockAvailability": "OUT_OF_STOCK"}) == ["Figure"]
    assert names(filter={"attributes": [{"slug": "size", "values": ["l"]}]}) == []
    assert names(filter={"attributes": [{"slug": "size", "values": ["m"]}]}) == [
        "Figure",
        "Logo Tee",
    ]
    assert names(filter={"films": [to_global_id("Film", catalogue.film.pk)]}) == [
        "Figure",
        "Logo Tee",
    ]
    assert names(
        where={"OR": [{"name": {"eq": "Figure"}}, {"price": {"range": {"lte": 100}}}]}
    ) == ["Figure", "Logo Tee"]
    assert (
        names(where={"AND": [{"category": {"eq": apparel_id}}, {"slug": {"eq": "figure"}}]}) == []
    )


def test_search_matches_chinese_text(gql, catalogue):
    product = catalogue.product("Logo Tee")
    product.search_document = "logo tee 战狼2 t恤"
    product.save(update_fields=["search_document"])
    assert [e["node"]["name"] for e in grid(gql, filter={"search": "战狼"})["edges"]] == [
        "Logo Tee"
    ]


def test_thumbnail_is_rendered_and_served(gql, catalogue, client):
    catalogue.product("Logo Tee")
    url = grid(gql)["edges"][0]["node"]["thumbnail"]["url"]
    response = client.get(url.replace("http://testserver", ""))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    again = client.get(url.replace("http://testserver", ""))
    assert b"".join(again.streaming_content) == b"".join(response.streaming_content)
    assert client.get("/thumbnail/product-media/999999/256/webp/").status_code == 404
    assert client.get("/thumbnail/nonsense/1/256/webp/").status_code == 404


def test_variant_without_a_name_has_an_empty_name(gql, catalogue):
    product = catalogue.product("Logo Tee", variants=1)
    product.variants.update(name="")
    query = """
    { product(slug: "logo-tee", channel: "china") {
        seoTitle productVariants(first: 5) { edges { node { name sku } } } } }
    """
    data = gql.execute(query)["data"]["product"]
    assert data["seoTitle"] is None
    assert data["productVariants"]["edges"][0]["node"] == {"name": "", "sku": "SKU-00001"}
