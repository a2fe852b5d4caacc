"""The demo licences keep the demo shop selling everything it showed, and load once."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from marquee.demo import LICENSOR_PASSWORD
from marquee.demo import loader as demo_loader
from marquee.demo.loader import load_demo
from marquee.licensing.models import ApprovalEvent, Licence, ProductApproval
from marquee.licensing.royalties import snapshots
from marquee.merch.models import Channel, Product
from marquee.merch.selectors import visible_products

pytestmark = pytest.mark.django_db


def visible(channel, settings, gate):
    settings.LICENCE_GATE_ENABLED = gate
    return set(visible_products(channel, listed_only=False).values_list("slug", flat=True))


def unsellable(channel):
    """Listed products whose royalty terms would refuse the completion in the channel's currency.

    The checkout is refused at its last step (ROYALTY_TERMS_MISSING, ROYALTY_CURRENCY_MISMATCH),
    after the buyer has filled everything in: the demo must not show such a product.
    """
    products = visible_products(channel, listed_only=False)
    names = dict(products.values_list("pk", "name"))
    today = timezone.localdate()
    return [
        problem.message
        for product_id, rows in snapshots.declarations(list(names), today).items()
        for row in rows
        if (problem := snapshots._problem(row, names[product_id], channel.currency_code, today, {}))
    ]


def test_demo_licences(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert load_demo() is True
    for channel in Channel.objects.all():
        assert visible(channel, settings, True) == visible(channel, settings, False)
        assert unsellable(channel) == []
    statuses = dict(Licence.objects.values_list("reference", "status"))
    assert statuses["BONA-BLC-2021"] == "expired"
    assert statuses["EN-NZ-2026-DRAFT"] == "draft"
    assert Licence.objects.filter(exclusive=True).count() == 1
    assert set(ProductApproval.objects.values_list("stage", flat=True)) == {
        "concept",
        "pre_production",
        "production_sample",
        "approved",
        "rejected",
    }
    assert set(ApprovalEvent.objects.values_list("stage", flat=True)) == {
        "concept",
        "pre_production",
        "production_sample",
        "approved",
        "rejected",
    }
    for email in ("licensor-a@marquee.example", "licensor-b@marquee.example"):
        user = authenticate(username=email, password=LICENSOR_PASSWORD)
        assert user is not None and user.licensor_membership
    assert load_demo() is False


def test_a_shop_loaded_before_the_register_gets_it_on_the_next_load(
    settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    with monkeypatch.context() as patch:
        patch.setattr(demo_loader, "write_licensing", lambda *args: {})
        assert load_demo() is True
    assert not Licence.objects.exists()
    products = Product.objects.count()

    out = io.StringIO()
    call_command("loaddemo", stdout=out)
    assert "licences" in out.getvalue()
    assert Licence.objects.count() == 8
    # The shop is not loaded twice; only the designs in development are added.
    assert Product.objects.count() == products + 3
    assert load_demo() is False
