"""A small catalogue built row by row, so API tests say exactly what they rely on."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from marquee.films.models import BoxOfficeFigure, Credit, Film, Genre, Person
from marquee.merch import models as m


def png_bytes(colour=(200, 30, 30), size=(400, 500)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


class CatalogueBuilder:
    def __init__(self):
        past = timezone.now() - timedelta(days=30)
        self.past = past
        self.china = m.Channel.objects.create(
            name="China", slug="china", currency_code="CNY", default_country="CN", is_active=True
        )
        self.intl = m.Channel.objects.create(
            name="International",
            slug="international",
            currency_code="USD",
            default_country="US",
            is_active=True,
        )
        self.shanghai = m.Warehouse.objects.create(name="Shanghai", slug="shanghai", country="CN")
        self.shanghai.channels.set([self.china, self.intl])
        self.apparel = m.Category.objects.create(
            name="Apparel",
            slug="apparel",
            translations={"zh-hans": {"name": "服饰", "slug": "fu-shi"}},
        )
        self.tees = m.Category.objects.create(name="T-shirts", slug="t-shirts", parent=self.apparel)
        self.figures = m.Category.objects.create(name="Figures", slug="figures")
        self.size = m.Attribute.objects.create(slug="size", name="Size")
        self.sizes = {
            s: m.AttributeValue.objects.create(
                attribute=self.size, name=s, slug=s.lower(), sort_order=i
            )
            for i, s in enumerate(["S", "M", "L"])
        }
        self.bestseller = m.Attribute.objects.create(
            slug="bestseller", name="Bestseller", input_type=m.AttributeInputType.BOOLEAN
        )
        self.bestseller_yes = m.AttributeValue.objects.create(
            attribute=self.bestseller, name="Yes", slug="bestseller-true", boolean=True
        )
        self.material = m.Attribute.objects.create(
            slug="material", name="Material", input_type=m.AttributeInputType.PLAIN_TEXT
        )
        self.tee_type = m.ProductType.objects.create(name="T-shirt", slug="t-shirt")
        m.ProductTypeAttribute.objects.create(
            product_type=self.tee_type, attribute=self.size, on_variant=True, variant_selection=True
        )
        m.ProductTypeAttribute.objects.create(product_type=self.tee_type, attribute=self.bestseller)
        m.ProductTypeAttribute.objects.create(product_type=self.tee_type, attribute=self.material)
        self.film = Film.objects.create(
            slug="wolf-warrior-2", title="战狼2", title_zh="战狼2", title_en="Wolf Warrior 2"
        )
        action = Genre.objects.create(slug="action", name="Action")
        self.film.genres.add(action)
        director = Person.objects.create(slug="wu-jing", name="Wu Jing", name_zh="吴京")
        Credit.objects.create(film=self.film, person=director, role="director")
        Credit.objects.create(film=self.film, person=director, role="cast", character="Leng Feng")
        BoxOfficeFigure.objects.create(
            film=self.film,
            market="CN",
            gross_amount=Decimal("5694000000"),
            currency="CNY",
            as_of="2017-12-31",
        )
        self.sku_counter = 0

    def product(
        self,
        name,
        *,
        category=None,
        variants=2,
        cny=Decimal("99.00"),
        usd=Decimal("14.99"),
        stock=10,
        published=True,
        listed=True,
        image=True,
        channels=None,
    ):
        slug = name.lower().replace(" ", "-")
        product = m.Product.objects.create(
            product_type=self.tee_type,
            name=name,
            slug=slug,
            category=category or self.tees,
            film=self.film,
            search_document=name.lower(),
            translations={"zh-hans": {"name": f"{name} 中文", "slug": f"{slug}-zh"}},
        )
        m.AssignedProductAttributeValue.objects.create(product=product, value=self.bestseller_yes)
        for channel in channels or (self.china, self.intl):
            m.ProductChannelListing.objects.create(
                product=product,
                channel=channel,
                is_published=published,
                published_at=self.past,
                visible_in_listings=listed,
                available_for_purchase_at=self.past,
            )
        if image:
            media = m.ProductMedia(product=product, alt=name)
            media.image.save(f"{slug}.png", ContentFile(png_bytes()), save=True)
        sizes = list(self.sizes.values())
        for index in range(variants):
            self.sku_counter += 1
            variant = m.ProductVariant.objects.create(
                product=product,
                sku=f"SKU-{self.sku_counter:05d}",
                name=sizes[index % 3].name,
                sort_order=index,
            )
            m.AssignedVariantAttributeValue.objects.create(variant=variant, value=sizes[index % 3])
            for channel in channels or (self.china, self.intl):
                price = cny if channel.currency_code == "CNY" else usd
                m.ProductVariantChannelListing.objects.create(
                    variant=variant,
                    channel=channel,
                    currency=channel.currency_code,
                    price_amount=price + index,
                )
            m.Stock.objects.create(warehouse=self.shanghai, product_variant=variant, quantity=stock)
        return product


@pytest.fixture
def catalogue(db):
    return CatalogueBuilder()


@pytest.fixture(autouse=True)
def _without_licence_gate(settings):
    """These products carry no licences; the gate is tested in tests/licensing."""
    settings.LICENCE_GATE_ENABLED = False
