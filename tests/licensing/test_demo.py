"""The demo licences keep the demo shop selling everything it showed, and load once."""

import pytest
from django.contrib.auth import authenticate

from marquee.licensing.demo import LICENSOR_PASSWORD, load_licensing_demo
from marquee.licensing.models import ApprovalEvent, Licence, ProductApproval
from marquee.merch.demo import load_demo
from marquee.merch.models import Channel
from marquee.merch.selectors import visible_products

pytestmark = pytest.mark.django_db


def visible(channel, settings, gate):
    settings.LICENCE_GATE_ENABLED = gate
    return set(visible_products(channel, listed_only=False).values_list("slug", flat=True))


def test_demo_licences(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert load_demo() is True
    for channel in Channel.objects.all():
        assert visible(channel, settings, True) == visible(channel, settings, False)
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
    assert load_licensing_demo() == {}
