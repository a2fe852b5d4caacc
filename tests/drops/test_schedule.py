"""Scheduling a drop: what is refused, and what it sets (stock, the listing's start)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marquee.core.exceptions import DomainError
from marquee.merch import models as m
from marquee.merch.drops import services
from marquee.merch.drops.services import DropInput, schedule_drop

from .conftest import counters

pytestmark = pytest.mark.django_db


def data(shop, product, **changes):
    now = timezone.now()
    fields = {
        "slug": "figure-drop",
        "name": "Figure drop",
        "channel_id": shop.china.pk,
        "product_id": product.pk,
        "variants": [(v.pk, 5) for v in product.variants.all()],
        "starts_at": now + timedelta(hours=1),
    }
    fields.update(changes)
    return DropInput(**fields)


def codes(shop, product, **changes):
    with pytest.raises(DomainError) as caught:
        schedule_drop(data(shop, product, **changes))
    return {(d.code, d.field) for d in caught.value.details}


def test_scheduling_sets_the_stock_and_the_listing_start(shop):
    product = shop.product("Figure", variants=2, stock=3)
    drop = schedule_drop(data(shop, product, early_access_starts_at=None, per_customer_limit=2))
    for variant in product.variants.all():
        assert counters(variant) == (5, 0, 0)
    listing = m.ProductChannelListing.objects.get(product=product, channel=shop.china)
    assert listing.available_for_purchase_at == drop.starts_at
    assert m.Channel.objects.get(pk=shop.china.pk).has_drops


def test_an_early_window_opens_the_listing_at_its_start(shop):
    product = shop.product("Figure", variants=1)
    starts = timezone.now() + timedelta(hours=1)
    drop = schedule_drop(
        data(shop, product, starts_at=starts, early_access_starts_at=starts - timedelta(hours=1))
    )
    listing = m.ProductChannelListing.objects.get(product=product, channel=shop.china)
    assert listing.available_for_purchase_at == drop.early_access_starts_at


def test_times_limits_and_quantities_are_checked(shop):
    product = shop.product("Figure", variants=1)
    variant = product.variants.get()
    now = timezone.now()
    assert ("INVALID", "ends_at") in codes(shop, product, ends_at=now)
    assert ("INVALID", "early_access_starts_at") in codes(
        shop, product, early_access_starts_at=now + timedelta(hours=2)
    )
    assert ("INVALID", "per_customer_limit") in codes(shop, product, per_customer_limit=0)
    assert ("INVALID_QUANTITY", "variants") in codes(shop, product, variants=[(variant.pk, 0)])
    assert ("INVALID_QUANTITY", "variants") in codes(shop, product, variants=[(variant.pk, -2)])
    assert ("INVALID_QUANTITY", "variants") in codes(shop, product, variants=[(variant.pk, 10**12)])
    assert ("REQUIRED", "variants") in codes(shop, product, variants=[])
    assert ("INVALID", "admission_rate") in codes(shop, product, admission_rate=0)
    assert not m.Drop.objects.exists()


def test_variants_must_be_the_products_and_the_product_listed_in_the_channel(shop):
    product = shop.product("Figure", variants=1)
    other = shop.product("Other", variants=1)
    assert ("INVALID", "variants") in codes(shop, product, variants=[(other.variants.get().pk, 1)])
    unlisted = shop.product("Export", variants=1, channels=(shop.intl,))
    assert ("INVALID", "channel") in codes(shop, unlisted)
    assert ("NOT_FOUND", "product") in codes(shop, product, product_id=10**9)


def test_stock_cannot_go_below_what_is_held(shop):
    product = shop.product("Figure", variants=1, stock=5)
    variant = product.variants.get()
    m.Stock.objects.filter(product_variant=variant).update(quantity_allocated=4)
    assert ("INSUFFICIENT_STOCK", "variants") in codes(shop, product, variants=[(variant.pk, 3)])
    assert counters(variant) == (5, 4, 0)


def test_an_unlicensed_product_is_never_scheduled(shop, settings):
    settings.LICENCE_GATE_ENABLED = True
    product = shop.product("Figure", variants=1)
    assert ("LICENCE_NOT_VALID", "product") in codes(shop, product)


def test_the_admin_schedules_through_the_service(shop, admin_client):
    product = shop.product("Figure", variants=1, stock=0)
    variant = product.variants.get()
    starts = timezone.now() + timedelta(days=1)
    response = admin_client.post(
        "/admin/merch/drop/add/",
        {
            "slug": "admin-drop",
            "name": "Admin drop",
            "channel": shop.china.pk,
            "product": product.pk,
            "starts_at_0": starts.strftime("%Y-%m-%d"),
            "starts_at_1": starts.strftime("%H:%M:%S"),
            "reservation_minutes": 10,
            "admission_burst": 50,
            "drop_variants-TOTAL_FORMS": 1,
            "drop_variants-INITIAL_FORMS": 0,
            "drop_variants-0-variant": variant.pk,
            "drop_variants-0-quantity": 7,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert counters(variant) == (7, 0, 0)
    assert m.Drop.objects.get().drop_variants.get().quantity == 7


def _moved(drop, starts_at):
    """The drop's own input, with another start."""
    return DropInput(
        slug=drop.slug,
        name=drop.name,
        channel_id=drop.channel_id,
        product_id=drop.product_id,
        variants=list(drop.drop_variants.values_list("variant_id", "quantity")),
        starts_at=starts_at,
        reservation_minutes=drop.reservation_minutes,
        admission_rate=drop.admission_rate,
        admission_burst=drop.admission_burst,
    )


def test_a_drop_brought_forward_admits_from_its_new_opening(
    shop, django_capture_on_commit_callbacks
):
    """Buyers queued for an opening an hour away; staff open it now: the first are let in."""
    drop = shop.drop(quantity=5, rate=0.001, burst=2, starts_in=timedelta(hours=1))
    first, second, third = (services.join(drop.pk) for _ in range(3))
    assert first.state == "WAITING"
    with django_capture_on_commit_callbacks(execute=True):
        schedule_drop(_moved(drop, timezone.now() - timedelta(seconds=1)), drop=drop)
    states = [services.ticket_status(drop.pk, t.token).state for t in (first, second, third)]
    assert states == ["ADMITTED", "ADMITTED", "WAITING"]  # the burst, in arrival order
    assert services.join(drop.pk).position == 2  # a later arrival queues behind the third


def test_a_drop_put_back_waits_for_its_new_opening(shop, django_capture_on_commit_callbacks):
    """Opened, then postponed an hour: the room admits nobody until the new opening."""
    drop = shop.drop(quantity=5, rate=0.001, burst=1)
    admitted = services.join(drop.pk)
    assert admitted.state == "ADMITTED"
    with django_capture_on_commit_callbacks(execute=True):
        schedule_drop(_moved(drop, timezone.now() + timedelta(hours=1)), drop=drop)
    status = services.ticket_status(drop.pk, admitted.token)
    assert status.state == "WAITING" and status.position == 1
