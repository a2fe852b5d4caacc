"""A product the licence gate hides keeps its pictures hidden too.

The probe: `product(id:)` answered NOT_FOUND for a product outside every
licence, yet `/thumbnail/product-media/<pk>/...` and `/media/products/...`
still served its images.
"""

import pytest
from django.test import Client
from graphql_relay import to_global_id

from marquee.licensing import services

from .conftest import RoleClient

pytestmark = pytest.mark.django_db

PRODUCT = """query ($id: ID!) { product(id: $id, channel: "china") { name } }"""


def urls(product):
    media = product.media.get()
    return [
        f"/thumbnail/product-media/{media.pk}/256/webp/",
        f"/thumbnail/product-media/{media.pk}/4096/original/",
        f"/media/{media.image.name}",
    ]


def test_gate_hidden_product_images_are_not_found(register, shop):
    tee = register.approve(shop.product("Tee"))
    client = Client()
    assert [client.get(url).status_code for url in urls(tee)] == [200, 200, 200]
    services.update_licence(register.licence_a, {"territories": ["JP"]})
    body = RoleClient().run(PRODUCT, {"id": to_global_id("Product", tee.pk)})
    assert body["data"]["product"] is None
    assert [client.get(url).status_code for url in urls(tee)] == [404, 404, 404]


def test_undeclared_product_images_are_not_found_but_staff_see_them(register, shop):
    tee = shop.product("Undeclared Tee")
    assert [Client().get(url).status_code for url in urls(tee)] == [404, 404, 404]
    staff = Client()
    staff.force_login(register.staff)
    assert [staff.get(url).status_code for url in urls(tee)] == [200, 200, 200]
    licensor = Client()
    licensor.force_login(register.user_a)
    assert [licensor.get(url).status_code for url in urls(tee)] == [404, 404, 404]
