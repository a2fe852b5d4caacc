"""SQL statements of the storefront's navigation and listing pages, small and large.

`menu` is the navbar (1 item against 10 items of three levels linking
categories, collections and pages); `category` and `collection` by slug
are the listing pages with their products connection (1 product against
10, two variants each).
"""

from decimal import Decimal

import pytest

from marquee.merch import models as m

from .counting import measure, pin
from .storefront import CATEGORY, COLLECTION, MENU

pytestmark = pytest.mark.django_db

VARIABLES = {"channel": "china", "languageCode": "ZH_HANS"}

# channel; menu; all its items, every level in one statement; linked
# categories; linked collections, then those published in the channel;
# linked pages.
MENU_QUERIES = 7

# category; channel; the page of visible products (priced by a subquery on
# variant listings); totalCount; variant listings (price ranges); the
# products' categories; media (thumbnails); product attribute values
# (bestseller); variants; product-type attributes; variant attribute values.
CATEGORY_QUERIES = 11

# channel; the collection published in it; then as for a category: page,
# totalCount, variant listings, categories, media, product attribute
# values, variants, product-type attributes, variant attribute values.
COLLECTION_QUERIES = 11


def navbar(catalogue, items):
    """`items` top-level items, each with a child and a grandchild, linking every kind."""
    page_type = m.PageType.objects.create(name="Content", slug="content")
    menu = m.Menu.objects.create(name="Navbar", slug="navbar")
    for index in range(items):
        page = m.Page.objects.create(
            page_type=page_type, title=f"Page {index}", slug=f"page-{index}", is_published=True
        )
        collection = m.Collection.objects.create(name=f"Edit {index}", slug=f"edit-{index}")
        m.CollectionChannelListing.objects.create(
            collection=collection, channel=catalogue.china, is_published=True
        )
        top = m.MenuItem.objects.create(
            menu=menu, name=f"Item {index}", category=catalogue.apparel, sort_order=index
        )
        child = m.MenuItem.objects.create(
            menu=menu, parent=top, name=f"Child {index}", collection=collection
        )
        m.MenuItem.objects.create(menu=menu, parent=child, name=f"Leaf {index}", page=page)


def products(catalogue, count):
    return [
        catalogue.product(f"Listed {index:02d}", variants=2, cny=Decimal(10 + index))
        for index in range(count)
    ]


def collection_of(catalogue, items):
    collection = m.Collection.objects.create(name="Featured", slug="featured-products")
    for index, product in enumerate(items):
        m.CollectionProduct.objects.create(collection=collection, product=product, sort_order=index)
    m.CollectionChannelListing.objects.create(
        collection=collection, channel=catalogue.china, is_published=True
    )


@pytest.mark.parametrize("items", [1, 10])
def test_navbar_menu(gql, catalogue, items):
    navbar(catalogue, items)
    measured = measure(gql, MENU, {**VARIABLES, "slug": "navbar"})
    tree = measured.data["menu"]["items"]
    assert len(tree) == items
    assert all(item["children"][0]["children"][0]["page"] for item in tree)
    pin(measured, MENU_QUERIES)


@pytest.mark.parametrize("count", [1, 10])
def test_category_with_its_products(gql, catalogue, count):
    products(catalogue, count)
    measured = measure(gql, CATEGORY, {**VARIABLES, "slug": "t-shirts", "first": 20})
    assert measured.data["category"]["products"]["totalCount"] == count
    pin(measured, CATEGORY_QUERIES)


@pytest.mark.parametrize("count", [1, 10])
def test_collection_with_its_products(gql, catalogue, count):
    collection_of(catalogue, products(catalogue, count))
    measured = measure(gql, COLLECTION, {**VARIABLES, "slug": "featured-products", "first": 20})
    assert measured.data["collection"]["products"]["totalCount"] == count
    pin(measured, COLLECTION_QUERIES)
