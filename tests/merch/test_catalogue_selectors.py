"""Catalogue visibility, channels and search as domain reads, without the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.merch import models as m
from marquee.merch import search, selectors
from tests.graphql.conftest import CatalogueBuilder

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db, settings):
    settings.LICENCE_GATE_ENABLED = False
    return CatalogueBuilder()


def code_of(slug):
    with pytest.raises(DomainError) as raised:
        selectors.storefront_channel(slug)
    return raised.value.details[0].code


def test_storefront_channel_names_why_it_cannot_be_used(catalogue):
    assert selectors.storefront_channel("china") == catalogue.china
    assert code_of(None) == "REQUIRED"  # two active channels: the buyer must choose
    assert code_of("nowhere") == "NOT_FOUND"
    assert code_of("x" * 300) == "NOT_FOUND"
    catalogue.intl.is_active = False
    catalogue.intl.save()
    assert code_of("international") == "CHANNEL_INACTIVE"
    assert selectors.storefront_channel(None) == catalogue.china  # the sole active one


def test_an_inactive_channel_is_as_good_as_absent(catalogue):
    catalogue.intl.is_active = False
    catalogue.intl.save()
    assert selectors.active_channel(catalogue.china.pk) == catalogue.china
    assert selectors.active_channel(catalogue.intl.pk) is None


def test_visible_variants_belong_to_visible_products_priced_in_the_channel(catalogue):
    shown = catalogue.product("Shown Tee", variants=2)
    catalogue.product("Hidden Tee", variants=1, published=False)
    unlisted = catalogue.product("Unlisted Tee", variants=1, listed=False)
    export = catalogue.product("Export Mug", variants=1, channels=(catalogue.intl,))
    in_china = set(selectors.visible_variants(catalogue.china))
    assert in_china == set(shown.variants.all()) | set(unlisted.variants.all())
    assert set(export.variants.all()) <= set(selectors.visible_variants(catalogue.intl))


def test_visible_pages_are_published_and_due(catalogue):
    kind = m.PageType.objects.create(name="Info", slug="info")
    now = timezone.now()
    m.Page.objects.create(page_type=kind, title="About", slug="about", is_published=True)
    m.Page.objects.create(page_type=kind, title="Draft", slug="draft", is_published=False)
    m.Page.objects.create(
        page_type=kind,
        title="Soon",
        slug="soon",
        is_published=True,
        published_at=now + timedelta(days=1),
    )
    assert [p.slug for p in selectors.visible_pages()] == ["about"]
    assert [p.slug for p in selectors.visible_pages(now=now + timedelta(days=2))] == [
        "about",
        "soon",
    ]


def test_search_matches_the_document_and_ranks_the_name(catalogue):
    for name in ("Wolf", "Wolf Tee", "Lone Wolf Cap", "Poster"):
        catalogue.product(name, variants=1)
    m.Product.objects.filter(name="Poster").update(search_document="poster\nwolf warrior 2")
    found = search.ranked(search.matching(m.Product.objects.all(), "  WOLF "), "wolf")
    ordered = found.order_by(f"-{search.RANK_FIELD}", "name")
    assert [(p.name, getattr(p, search.RANK_FIELD)) for p in ordered] == [
        ("Wolf", 3),
        ("Wolf Tee", 2),
        ("Lone Wolf Cap", 1),
        ("Poster", 0),
    ]
