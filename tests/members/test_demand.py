"""Demand signals for licensors: counts and sums by price band and city tier, small cells hidden."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from marquee.accounts.models import Address
from marquee.members.demand import city_key, config, film_demand
from marquee.members.services.imports import import_backers
from marquee.merch import models as m
from tests.graphql.conftest import CatalogueBuilder
from tests.members.test_import import Backing, csv_file


class Demand(Backing):
    """Ne Zha-like film with a programme, backers and their orders of the film's merchandise."""

    def __init__(self):
        self.shop = CatalogueBuilder()
        super().__init__(channel=self.shop.china, film=self.shop.film)
        self.tee = self.shop.product("Film Tee", variants=1).variants.get()
        self.other_film_product = m.Product.objects.create(
            product_type=self.shop.tee_type, name="Other", slug="other", film=self.other_film
        )
        self.users = get_user_model().objects

    def back(self, rows, list_name="list"):
        report = import_backers(csv_file("email,film,units", *rows), list_name)
        assert not report.errors, report.errors

    def order(self, email, price, quantity=1, city="Shanghai", country="CN", **extra):
        user = self.users.get(email=email) if self.users.filter(email=email).exists() else None
        address = Address.objects.create(
            first_name="A",
            last_name="B",
            street_address_1="1 Road",
            city=city,
            country=country,
            country_area=extra.pop("country_area", ""),
            postal_code="100000",
        )
        order = m.Order.objects.create(
            user=user,
            user_email=email,
            channel=self.china,
            currency="CNY",
            shipping_address=address,
            status=extra.pop("status", m.OrderStatus.UNFULFILLED),
        )
        price = Decimal(price)
        product = extra.pop("product", self.tee.product)
        m.OrderLine.objects.create(
            order=order,
            variant=self.tee,
            product_name=product.name,
            product_id=product.pk,
            quantity=quantity,
            quantity_refunded=extra.pop("refunded", 0),
            currency="CNY",
            undiscounted_unit_price_net_amount=price,
            undiscounted_unit_price_gross_amount=price,
            unit_price_net_amount=price,
            unit_price_gross_amount=price,
            total_price_net_amount=price * quantity,
            total_price_gross_amount=price * quantity,
            undiscounted_total_price_net_amount=price * quantity,
            undiscounted_total_price_gross_amount=price * quantity,
        )
        return order


@pytest.fixture
def demand(db):
    return Demand()


def cells(section):
    return {cell.key: cell for cell in section}


def test_city_names_match_in_chinese_and_pinyin_whatever_the_spelling():
    tiers = {slug: keys for slug, _name, keys in config().tiers}
    for name in ("Beijing", "北京市", "BEIJING", " bei jing ", "Beijing City", "北京"):
        assert city_key(name) in tiers["tier-1"], name
    for name in ("Xi'an", "XIAN", "西安市", "Xi’an"):
        assert city_key(name) in tiers["new-tier-1"], name
    assert city_key("Lhasa") not in set().union(*tiers.values())


def test_backers_by_price_band(demand):
    cheap = demand.make_programme(demand.other_film, "other-round", unit_price=Decimal("30"))
    assert cheap.unit_price == Decimal("30")
    demand.back([f"fan{i}@example.com,wolf-warrior-2,{i + 1}" for i in range(4)])
    demand.back(["fan0@example.com,ne-zha,5"], "other")
    signals = film_demand(demand.film)
    bands = cells(signals.backers_by_price_band)
    assert [c.label for c in signals.backers_by_price_band] == [
        "CNY 0–30",
        "CNY 30–50",
        "CNY 50–100",
        "CNY 100–200",
        "CNY 200–500",
        "CNY 500–1000",
        "CNY 1000+",
    ]
    hundred = bands["100"]
    assert (hundred.people, hundred.units, hundred.amount) == (4, 10, Decimal("1000.00"))
    assert not hundred.suppressed
    assert (bands["30"].people, bands["30"].units) == (0, 0)
    # The other film's backing is the other film's.
    assert cells(film_demand(demand.other_film).backers_by_price_band)["30"].suppressed


def test_member_purchases_by_price_band_and_city_tier(demand):
    demand.back([f"fan{i}@example.com,wolf-warrior-2,1" for i in range(7)])
    for i, city in enumerate(["Shanghai", "上海市", "Guangzhou"]):
        demand.order(f"fan{i}@example.com", "79.20", quantity=2, city=city)
    for i, city in enumerate(["Chengdu", "Xi'an", "HANGZHOU"], start=3):
        demand.order(f"fan{i}@example.com", "99.00", city=city)
    # A municipality given as its district: matched on the province field.
    demand.order("fan6@example.com", "99.00", city="朝阳区", country_area="北京市")
    # Not counted: a non-member, a cancelled order, a refunded line, another film.
    demand.order("stranger@example.com", "99.00")
    demand.order("fan0@example.com", "99.00", status=m.OrderStatus.CANCELED)
    demand.order("fan1@example.com", "99.00", quantity=1, refunded=1)
    demand.order("fan2@example.com", "99.00", product=demand.other_film_product)

    signals = film_demand(demand.film.slug)
    bands = cells(signals.purchases_by_price_band)
    assert (bands["50"].people, bands["50"].units, bands["50"].amount) == (
        7,
        10,
        Decimal("871.20"),
    )
    tiers = cells(signals.purchases_by_city_tier)
    assert [c.key for c in signals.purchases_by_city_tier] == [
        "tier-1",
        "new-tier-1",
        "tier-2",
        "other",
        "abroad",
    ]
    assert (tiers["tier-1"].people, tiers["tier-1"].units) == (4, 7)
    assert (tiers["new-tier-1"].people, tiers["new-tier-1"].units) == (3, 3)
    assert tiers["new-tier-1"].amount == Decimal("297.00")
    assert (tiers["other"].people, tiers["abroad"].people) == (0, 0)


def test_small_cells_are_suppressed_with_one_more_so_none_can_be_derived(demand):
    demand.back([f"fan{i}@example.com,wolf-warrior-2,1" for i in range(9)])
    for i in range(5):
        demand.order(f"fan{i}@example.com", "99.00", city="Shanghai")
    for i in range(5, 8):
        demand.order(f"fan{i}@example.com", "99.00", city="Chengdu")
    demand.order("fan8@example.com", "99.00", city="Kunming")
    demand.order("fan8@example.com", "99.00", city="Kunming")
    signals = film_demand(demand.film)
    tiers = cells(signals.purchases_by_city_tier)
    # Kunming: one person (two orders) -> hidden; Chengdu, the smallest other, too.
    assert tiers["tier-2"].suppressed and tiers["tier-2"].people is None
    assert tiers["tier-2"].amount is None and tiers["tier-2"].units is None
    assert tiers["new-tier-1"].suppressed
    assert not tiers["tier-1"].suppressed and tiers["tier-1"].people == 5
    assert "fewer than 3 people" in signals.note
    # No email, name or address appears anywhere in the signals.
    text = repr(signals)
    assert "@" not in text and "Shanghai" not in text and "Kunming" not in text


def test_abroad_and_unknown_cities(demand):
    demand.back([f"fan{i}@example.com,wolf-warrior-2,1" for i in range(6)])
    for i in range(3):
        demand.order(f"fan{i}@example.com", "19.00", city="Los Angeles", country="US")
    for i in range(3, 6):
        demand.order(f"fan{i}@example.com", "19.00", city="Lhasa")
    tiers = cells(film_demand(demand.film).purchases_by_city_tier)
    assert (tiers["abroad"].people, tiers["other"].people) == (3, 3)
    assert tiers["other"].label == "Other Chinese cities"


def test_a_film_without_backing(demand):
    signals = film_demand("no-such-film")
    assert signals.backers_by_price_band == ()
    assert signals.purchases_by_city_tier == ()
    assert film_demand(demand.other_film).purchases_by_price_band == ()


def test_the_reads_are_a_fixed_number_of_statements(demand, django_assert_max_num_queries):
    demand.back([f"fan{i}@example.com,wolf-warrior-2,1" for i in range(20)])
    for i in range(20):
        demand.order(f"fan{i}@example.com", "99.00", city=["Shanghai", "Chengdu"][i % 2])
    with django_assert_max_num_queries(3):
        film_demand(demand.film)
