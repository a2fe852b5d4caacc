"""Every writer of the catalogue: the next read after its commit reflects it.

Each test reads once (storing the answer), writes through a real write path
(a service, an ORM save, QuerySet.update or plain SQL), and reads again: the
second answer is computed afresh and shows the write.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from marquee.films.models import BoxOfficeFigure, Credit, Person
from marquee.merch import models as m
from tests.members.member_catalogue import Backers

from .conftest import Asker

pytestmark = pytest.mark.django_db

PRODUCT = """
query($slug: String!) {
  product(slug: $slug, channel: "china") {
    name
    translation(languageCode: ZH_HANS) { name }
    pricing { priceRange { start { gross { amount } } } }
    variants { sku name }
    category { name }
  }
}
"""


def start(data):
    return Decimal(str(data["product"]["pricing"]["priceRange"]["start"]["gross"]["amount"]))


def twice(asker, query, variables, write):
    """The answer before and after `write`, checking the first was stored and the second fresh."""
    before = asker.ask(query, variables)
    asker.ask(query, variables)
    assert not asker.computed, "the first answer was not stored"
    write()
    after = asker.ask(query, variables)
    assert asker.computed, "the write did not reach the next read"
    return before, after


def test_product_save(catalogue, anonymous):
    tee = catalogue.product("Tee")

    def write():
        tee.name = "Wolf Tee"
        tee.save()

    before, after = twice(anonymous, PRODUCT, {"slug": "tee"}, write)
    assert (before["product"]["name"], after["product"]["name"]) == ("Tee", "Wolf Tee")


def test_product_saved_in_the_admin(catalogue, anonymous, admin_client):
    """Staff rename a product on its admin page (the form, its inlines and all)."""
    from tests.merch.test_admin import change_url, submitted_form

    tee = catalogue.product("Tee")

    def write():
        url = change_url(tee)
        data = submitted_form(admin_client.get(url), "product_form")
        data["name"] = ["Wolf Tee"]
        response = admin_client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors

    before, after = twice(anonymous, PRODUCT, {"slug": "tee"}, write)
    assert (before["product"]["name"], after["product"]["name"]) == ("Tee", "Wolf Tee")


def test_product_translation(catalogue, anonymous):
    tee = catalogue.product("Tee")

    def write():
        m.Product.objects.filter(pk=tee.pk).update(translations={"zh-hans": {"name": "战狼T恤"}})

    _before, after = twice(anonymous, PRODUCT, {"slug": "tee"}, write)
    assert after["product"]["translation"]["name"] == "战狼T恤"


def test_variant_save(catalogue, anonymous):
    tee = catalogue.product("Tee", variants=1)

    def write():
        variant = tee.variants.get()
        variant.name = "XL"
        variant.save()

    _before, after = twice(anonymous, PRODUCT, {"slug": "tee"}, write)
    assert after["product"]["variants"][0]["name"] == "XL"


def test_price_by_queryset_update(catalogue, anonymous):
    catalogue.product("Tee", variants=1)

    def write():
        m.ProductVariantChannelListing.objects.filter(channel=catalogue.china).update(
            price_amount=Decimal("49.00")
        )

    before, after = twice(anonymous, PRODUCT, {"slug": "tee"}, write)
    assert (start(before), start(after)) == (Decimal("99.00"), Decimal("49.00"))


def test_price_by_plain_sql(catalogue, anonymous):
    catalogue.product("Tee", variants=1)

    def write():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE merch_productvariantchannellisting SET price_amount = 12.5")

    _before, after = twice(anonymous, PRODUCT, {"slug": "tee"}, write)
    assert start(after) == Decimal("12.50")


def test_channel_listing_unpublished(catalogue, anonymous):
    tee = catalogue.product("Tee")

    def write():
        listing = tee.channel_listings.get(channel=catalogue.china)
        listing.is_published = False
        listing.save()

    query = 'query { products(channel: "china", first: 5) { edges { node { name } } } }'
    before, after = twice(anonymous, query, {}, write)
    assert len(before["products"]["edges"]) == 1 and after["products"]["edges"] == []


def test_member_price_rule(catalogue, fast_passwords):
    catalogue.product("Tee", variants=1)
    backers = Backers(catalogue)
    rule = backers.percentage(backers.supporter, 10)
    member = Asker(backers.member("fan@example.com", 1))

    def write():
        rule.percentage = Decimal(50)
        rule.save()

    before, after = twice(member, PRODUCT, {"slug": "tee"}, write)
    assert (start(before), start(after)) == (Decimal("89.10"), Decimal("49.50"))


def test_member_price_rule_added(catalogue, fast_passwords):
    catalogue.product("Tee", variants=1)
    backers = Backers(catalogue)
    member = Asker(backers.member("fan@example.com", 1))
    before, after = twice(
        member, PRODUCT, {"slug": "tee"}, lambda: backers.percentage(backers.supporter, 20)
    )
    assert (start(before), start(after)) == (Decimal("99.00"), Decimal("79.20"))


def test_category(catalogue, anonymous):
    catalogue.product("Tee")

    def write():
        catalogue.tees.name = "Tees"
        catalogue.tees.save()

    _before, after = twice(anonymous, PRODUCT, {"slug": "tee"}, write)
    assert after["product"]["category"]["name"] == "Tees"


COLLECTION = """
query { collection(slug: "summer", channel: "china") { name products(first: 5) {
  edges { node { name } } } } }
"""


def test_collection_and_its_products(catalogue, anonymous):
    tee = catalogue.product("Tee")
    summer = m.Collection.objects.create(name="Summer", slug="summer")
    m.CollectionChannelListing.objects.create(
        collection=summer, channel=catalogue.china, is_published=True
    )
    before, after = twice(anonymous, COLLECTION, {}, lambda: summer.products.add(tee))
    assert before["collection"]["products"]["edges"] == []
    assert after["collection"]["products"]["edges"] == [{"node": {"name": "Tee"}}]

    def rename():
        summer.name = "Summer 2026"
        summer.save()

    _before, after = twice(anonymous, COLLECTION, {}, rename)
    assert after["collection"]["name"] == "Summer 2026"


MENU = 'query { menu(slug: "navbar", channel: "china") { name items { name } } }'


def test_menu(catalogue, anonymous):
    navbar = m.Menu.objects.create(name="Navbar", slug="navbar")
    m.MenuItem.objects.create(menu=navbar, name="Films", sort_order=1)
    before, after = twice(
        anonymous,
        MENU,
        {},
        lambda: m.MenuItem.objects.create(menu=navbar, name="Drops", sort_order=2),
    )
    assert [i["name"] for i in before["menu"]["items"]] == ["Films"]
    assert [i["name"] for i in after["menu"]["items"]] == ["Films", "Drops"]


PAGE = 'query { page(slug: "about") { title } }'


def test_page(catalogue, anonymous):
    kind = m.PageType.objects.create(name="Info", slug="info")
    about = m.Page.objects.create(page_type=kind, title="About", slug="about", is_published=True)

    def write():
        about.title = "About us"
        about.save()

    _before, after = twice(anonymous, PAGE, {}, write)
    assert after["page"]["title"] == "About us"


FILM = """
query { film(slug: "wolf-warrior-2") {
  title releaseDate
  boxOffice { market gross { amount } }
  credits { person { name } role }
} }
"""


def test_film_data(catalogue, anonymous):
    film = catalogue.film
    slug = {"slug": film.slug}
    query = FILM.replace('"wolf-warrior-2"', "$slug").replace("query {", "query($slug: String!) {")

    def title():
        film.title = "战狼Ⅱ"
        film.save()

    _b, after = twice(anonymous, query, slug, title)
    assert after["film"]["title"] == "战狼Ⅱ"

    def release():
        type(film).objects.filter(pk=film.pk).update(release_date="2017-07-28")

    _b, after = twice(anonymous, query, slug, release)
    assert after["film"]["releaseDate"] == "2017-07-28"

    def box_office():
        BoxOfficeFigure.objects.filter(film=film).update(gross_amount=Decimal("1"))

    before, after = twice(anonymous, query, slug, box_office)
    assert before["film"]["boxOffice"] != after["film"]["boxOffice"]

    def cast():
        person = Person.objects.create(slug="a-new-face", name="A New Face")
        Credit.objects.create(film=film, person=person, role="director")

    before, after = twice(anonymous, query, slug, cast)
    assert len(after["film"]["credits"]) == len(before["film"]["credits"]) + 1


DROP = """
query($slug: String!) { drop(slug: $slug) { startsAt state } }
"""


def test_drop_schedule(settings):
    from tests.drops.conftest import DropShop

    settings.LICENCE_GATE_ENABLED = False
    shop = DropShop()
    drop = shop.drop(starts_in=timedelta(hours=2))
    anonymous = Asker()
    new_start = timezone.now() + timedelta(hours=5)

    def write():
        drop.starts_at = new_start
        drop.save()

    before, after = twice(anonymous, DROP, {"slug": drop.slug}, write)
    assert before["drop"]["startsAt"] != after["drop"]["startsAt"]
    assert after["drop"]["state"] == "SCHEDULED"


class TestLicenceGate:
    """Licence and approval changes the gate sees (the gate on)."""

    NAMES = 'query { products(channel: "china", first: 10) { edges { node { name } } } }'

    @pytest.fixture
    def register(self, settings, fast_passwords):
        from tests.licensing.conftest import Register
        from tests.orders.conftest import ShopBuilder

        settings.LICENCE_GATE_ENABLED = True
        return Register(ShopBuilder())

    def names(self, data):
        return [edge["node"]["name"] for edge in data["products"]["edges"]]

    def test_an_approval(self, register, anonymous):
        tee = register.shop.product("Tee")
        before, after = twice(anonymous, self.NAMES, {}, lambda: register.approve(tee))
        assert (self.names(before), self.names(after)) == ([], ["Tee"])

    def test_an_approval_withdrawn(self, register, anonymous):
        from marquee.licensing.models import ApprovalStage, ProductApproval

        register.approve(register.shop.product("Tee"))

        def write():
            ProductApproval.objects.update(stage=ApprovalStage.REJECTED)

        before, after = twice(anonymous, self.NAMES, {}, write)
        assert (self.names(before), self.names(after)) == (["Tee"], [])

    def test_a_licence_terminated(self, register, anonymous):
        from marquee.licensing.models import LicenceStatus

        register.approve(register.shop.product("Tee"))

        def write():
            licence = register.licence_a
            licence.status = LicenceStatus.TERMINATED
            licence.save()

        before, after = twice(anonymous, self.NAMES, {}, write)
        assert (self.names(before), self.names(after)) == (["Tee"], [])

    def test_a_licence_channel_removed(self, register, anonymous):
        register.approve(register.shop.product("Tee"))

        def write():
            register.licence_a.channels.remove(register.shop.china)

        before, after = twice(anonymous, self.NAMES, {}, write)
        assert (self.names(before), self.names(after)) == (["Tee"], [])
