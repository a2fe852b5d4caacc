"""Staff see what checkouts hold, and set how long a channel's checkouts hold stock."""

import pytest
from django.urls import reverse

from marquee.merch import models as m

from .conftest import counters, later


@pytest.mark.django_db
def test_the_stock_page_shows_reserved_units_read_only(shop, admin_client):
    from marquee.merch.reservations import services

    (tee,) = shop.variants("Tee", stock=5)
    line = shop.checkout([(tee, 2)]).lines.get()
    services.reserve(line.pk, tee.pk, 2, channel_id=shop.china.pk, until=later())
    stock = m.Stock.objects.get(product_variant=tee)
    page = admin_client.get(reverse("admin:merch_stock_change", args=[stock.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "quantity_reserved" not in form.fields  # shown, not editable
    assert "quantity_reserved" in page.context["adminform"].readonly_fields
    listing = admin_client.get(reverse("admin:merch_stock_changelist"))
    assert listing.status_code == 200
    assert counters(tee) == (5, 0, 2)


@pytest.mark.django_db
def test_staff_set_a_channels_reservation_minutes(shop, admin_client):
    url = reverse("admin:merch_channel_change", args=[shop.china.pk])
    form = admin_client.get(url).context["adminform"].form
    assert {"reservation_minutes_anonymous", "reservation_minutes_authenticated"} <= set(
        form.fields
    )
