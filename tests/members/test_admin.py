"""The members admin: staff set up programmes, prices and perks; counters stay read-only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from marquee.members.models import (
    BackerProgramme,
    BackerSubscription,
    LotteryDraw,
    LotteryEntry,
    MemberPriceKind,
    MemberPriceRule,
    Membership,
    MemberVariantPrice,
    Perk,
    PerkKind,
    PerkRedemption,
)
from marquee.members.services.imports import import_backers
from marquee.merch import models as m
from tests.graphql.conftest import CatalogueBuilder
from tests.members.test_import import Backing, csv_file

CHANGELIST_MAX_QUERIES = 15
CHANGE_PAGE_MAX_QUERIES = 25

MODELS = (
    "backerprogramme",
    "membership",
    "backersubscription",
    "memberpricerule",
    "perk",
    "perkredemption",
    "lotteryentry",
    "lotterydraw",
)


class AdminBacking(Backing):
    """A catalogue with the film's products, a programme, members, a price rule and perks."""

    def __init__(self):
        self.shop = CatalogueBuilder()
        super().__init__(channel=self.shop.china, film=self.shop.film)
        self.tee = self.shop.product("Member Tee").variants.first()
        self.tiers = {tier.slug: tier for tier in self.programme.tiers.all()}
        import_backers(
            csv_file(
                "email,film,units",
                *[f"fan{i}@example.com,wolf-warrior-2,{i + 1}" for i in range(12)],
            ),
            "seed",
        )
        self.rule = MemberPriceRule.objects.create(
            programme=self.programme,
            tier=self.tiers["producer"],
            name="Producer prices",
            kind=MemberPriceKind.FIXED_PRICE,
        )
        MemberVariantPrice.objects.create(
            rule=self.rule, variant=self.tee, channel=self.china, price=Decimal("50")
        )
        voucher = m.Voucher.objects.create(code="BACKER", name="Backer discount")
        self.perk = Perk.objects.create(
            programme=self.programme,
            tier=self.tiers["supporter"],
            kind=PerkKind.DISCOUNT_CODE,
            slug="backer-code",
            name="Backer discount",
            total_quantity=100,
            expires_at=self.now + timedelta(days=30),
            voucher=voucher,
        )
        self.lottery = Perk.objects.create(
            programme=self.programme,
            tier=self.tiers["producer"],
            kind=PerkKind.MEET_AND_GREET,
            slug="meet-wu-jing",
            name="Meet Wu Jing",
            total_quantity=2,
            expires_at=self.now + timedelta(days=30),
            entries_close_at=self.now + timedelta(days=7),
        )
        memberships = list(Membership.objects.order_by("pk"))
        self.redemption = PerkRedemption.objects.create(
            perk=self.perk, membership=memberships[0], idempotency_key="k1", nonce="secret-nonce-1"
        )
        for i, membership in enumerate(memberships[9:]):
            LotteryEntry.objects.create(perk=self.lottery, membership=membership, ticket=f"T-{i}")
        LotteryDraw.objects.create(
            perk=self.lottery,
            seed="seed",
            entries_digest="0" * 64,
            entries=["T-0", "T-1", "T-2"],
            winners=["T-1", "T-2"],
            algorithm="sha256-rank",
        )


@pytest.fixture
def backing(db):
    return AdminBacking()


def url(model, action="changelist", *args):
    return reverse(f"admin:members_{model}_{action}", args=args)


def objects(backing):
    return {
        "backerprogramme": backing.programme,
        "membership": Membership.objects.order_by("-units_held").first(),
        "backersubscription": BackerSubscription.objects.first(),
        "memberpricerule": backing.rule,
        "perk": backing.perk,
        "perkredemption": backing.redemption,
        "lotteryentry": LotteryEntry.objects.first(),
        "lotterydraw": LotteryDraw.objects.get(),
    }


@pytest.mark.parametrize("model", MODELS)
def test_changelists_and_change_pages(backing, admin_client, django_assert_max_num_queries, model):
    admin_client.get(reverse("admin:index"))
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES):
        response = admin_client.get(url(model))
    assert response.status_code == 200
    obj = objects(backing)[model]
    with django_assert_max_num_queries(CHANGE_PAGE_MAX_QUERIES):
        response = admin_client.get(url(model, "change", obj.pk))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "model", ["membership", "backersubscription", "perkredemption", "lotteryentry", "lotterydraw"]
)
def test_records_of_what_members_did_are_read_only(backing, admin_client, model):
    assert admin_client.get(url(model, "add")).status_code == 403
    obj = objects(backing)[model]
    assert admin_client.post(url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_redemption_page_never_shows_the_code_nonce(backing, admin_client):
    response = admin_client.get(url("perkredemption", "change", backing.redemption.pk))
    assert b"secret-nonce-1" not in response.content


def split(moment):
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def programme_data(backing, tiers=(("Supporter", "supporter", 1), ("Producer", "producer", 10))):
    opens, closes = backing.now, backing.now + timedelta(days=10)
    data = {
        "film": backing.film.pk,
        "channel": backing.china.pk,
        "slug": "ww2-round-9",
        "name": "Round 9",
        "unit_price": "100",
        "currency": "cny",
        "total_units": "1000",
        "per_member_cap": "10",
        "opens_at_0": split(opens)[0],
        "opens_at_1": split(opens)[1],
        "closes_at_0": split(closes)[0],
        "closes_at_1": split(closes)[1],
        "payment_minutes": "15",
        "status": "published",
        "units_committed": "999",
        "units_paid": "999",
        "tiers-TOTAL_FORMS": str(len(tiers)),
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "1",
        "tiers-MAX_NUM_FORMS": "1000",
    }
    for i, (name, slug, floor) in enumerate(tiers):
        data.update(
            {f"tiers-{i}-name": name, f"tiers-{i}-slug": slug, f"tiers-{i}-min_units": str(floor)}
        )
    return data


def errors_of(response):
    """Every error message on an admin change form page (form and inlines)."""
    assert response.status_code == 200, "expected the form again, with errors"
    messages = []
    adminform = response.context["adminform"]
    for field_errors in adminform.form.errors.values():
        messages.extend(field_errors)
    for formset in response.context["inline_admin_formsets"]:
        messages.extend(formset.formset.non_form_errors())
        for form_errors in formset.formset.errors:
            for field_errors in form_errors.values():
                messages.extend(field_errors)
    return messages


def test_a_programme_is_created_with_its_tiers_and_zero_counters(backing, admin_client):
    response = admin_client.post(url("backerprogramme", "add"), programme_data(backing))
    assert response.status_code == 302, errors_of(response)
    programme = BackerProgramme.objects.get(slug="ww2-round-9")
    assert programme.currency == "CNY"
    assert (programme.units_committed, programme.units_paid) == (0, 0)
    assert [(t.slug, t.min_units) for t in programme.tiers.all()] == [
        ("supporter", 1),
        ("producer", 10),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"closes_at_0": "2000-01-01"}, "The sale must close after it opens."),
        ({"per_member_cap": "1001"}, "cannot exceed the total"),
        ({"unit_price": "0"}, "The unit price must be above zero."),
        ({"unit_price": "-5"}, "The unit price must be above zero."),
        ({"currency": "USD"}, "sells in CNY, not USD"),
        ({"tiers-1-min_units": "1"}, "Two tiers cannot start at the same number of units (1)."),
        ({"tiers-0-min_units": "0"}, "A tier starts at 1 unit or more."),
        ({"tiers-1-slug": "supporter"}, "Each tier needs its own slug."),
    ],
)
def test_programme_form_refuses_bad_values(backing, admin_client, change, message):
    data = programme_data(backing)
    data.update(change)
    response = admin_client.post(url("backerprogramme", "add"), data)
    assert any(message in str(error) for error in errors_of(response)), errors_of(response)
    assert not BackerProgramme.objects.filter(slug="ww2-round-9").exists()


def test_counters_cannot_be_edited_and_the_total_not_lowered_below_them(backing, admin_client):
    programme = backing.programme
    programme.refresh_from_db()
    sold = programme.units_committed
    assert sold == sum(range(1, 13))
    data = programme_data(backing, tiers=())
    data.update(slug=programme.slug, name="Renamed")
    tiers = list(programme.tiers.all())
    data.update({"tiers-TOTAL_FORMS": str(len(tiers)), "tiers-INITIAL_FORMS": str(len(tiers))})
    for i, tier in enumerate(tiers):
        data.update(
            {
                f"tiers-{i}-id": str(tier.pk),
                f"tiers-{i}-programme": str(programme.pk),
                f"tiers-{i}-name": tier.name,
                f"tiers-{i}-slug": tier.slug,
                f"tiers-{i}-min_units": str(tier.min_units),
            }
        )
    change = url("backerprogramme", "change", programme.pk)
    response = admin_client.post(change, {**data, "total_units": str(sold - 1)})
    assert any("already committed" in str(e) for e in errors_of(response))
    response = admin_client.post(change, data)
    assert response.status_code == 302, errors_of(response)
    programme.refresh_from_db()
    assert programme.name == "Renamed"
    assert (programme.units_committed, programme.units_paid) == (sold, sold)


def rule_data(backing, **values):
    data = {
        "programme": backing.programme.pk,
        "tier": backing.tiers["supporter"].pk,
        "name": "Supporter prices",
        "kind": "percentage",
        "percentage": "20",
        "is_active": "on",
        "variant_prices-TOTAL_FORMS": "0",
        "variant_prices-INITIAL_FORMS": "0",
        "variant_prices-MIN_NUM_FORMS": "0",
        "variant_prices-MAX_NUM_FORMS": "1000",
    }
    prices = values.pop("prices", [])
    data.update(values)
    data["variant_prices-TOTAL_FORMS"] = str(len(prices))
    for i, (variant, price) in enumerate(prices):
        data.update(
            {
                f"variant_prices-{i}-variant": str(variant.pk),
                f"variant_prices-{i}-channel": str(backing.china.pk),
                f"variant_prices-{i}-price": price,
            }
        )
    return data


def test_member_price_rules(backing, admin_client):
    add = url("memberpricerule", "add")
    assert admin_client.post(add, rule_data(backing, percentage="100")).status_code == 302
    for bad in ("0", "-1", "100.5", ""):
        errors = errors_of(admin_client.post(add, rule_data(backing, percentage=bad)))
        assert any("above 0 and at most 100" in str(e) for e in errors), (bad, errors)
    fixed = {"kind": "fixed_price", "percentage": ""}
    errors = errors_of(
        admin_client.post(add, rule_data(backing, **fixed, prices=[(backing.tee, "-1")]))
    )
    assert any("cannot be below zero" in str(e) for e in errors), errors
    errors = errors_of(admin_client.post(add, rule_data(backing, prices=[(backing.tee, "10")])))
    assert any("belong to a fixed-price rule" in str(e) for e in errors), errors
    other = Backing.make_programme(backing, backing.other_film, "ne-zha-round")
    errors = errors_of(admin_client.post(add, rule_data(backing, programme=other.pk, **fixed)))
    assert any("belongs to another programme" in str(e) for e in errors), errors
    response = admin_client.post(
        add, rule_data(backing, name="Free tee", **fixed, prices=[(backing.tee, "0")])
    )
    assert response.status_code == 302, errors_of(response)
    rule = MemberPriceRule.objects.get(name="Free tee")
    assert [p.price for p in rule.variant_prices.all()] == [Decimal("0")]


def perk_data(backing, **values):
    expires = backing.now + timedelta(days=5)
    data = {
        "programme": backing.programme.pk,
        "tier": backing.tiers["supporter"].pk,
        "kind": "screening_pass",
        "slug": "premiere",
        "name": "Premiere",
        "total_quantity": "50",
        "per_member_quota": "1",
        "expires_at_0": split(expires)[0],
        "expires_at_1": split(expires)[1],
        "venue": "Beijing",
    }
    data.update(values)
    return data


def test_perks(backing, admin_client):
    add = url("perk", "add")
    # Tiers of every programme share the list, each named with its programme.
    assert "Ww2 Round 1: Producer (10+)" in admin_client.get(add).content.decode()
    errors = errors_of(admin_client.post(add, perk_data(backing, kind="discount_code")))
    assert any("names its voucher" in str(e) for e in errors), errors
    errors = errors_of(admin_client.post(add, perk_data(backing, kind="member_variant")))
    assert any("names its variant" in str(e) for e in errors), errors
    errors = errors_of(admin_client.post(add, perk_data(backing, kind="meet_and_greet")))
    assert any("entries close" in str(e) for e in errors), errors
    errors = errors_of(admin_client.post(add, perk_data(backing, per_member_quota="0")))
    assert errors
    response = admin_client.post(add, perk_data(backing))
    assert response.status_code == 302, errors_of(response)
    perk = Perk.objects.get(slug="premiere")
    assert perk.redeemed == 0
    # The total cannot drop below what members already hold.
    Perk.objects.filter(pk=backing.perk.pk).update(redeemed=5)
    data = perk_data(
        backing, slug=backing.perk.slug, kind="discount_code", voucher=backing.perk.voucher_id
    )
    change = url("perk", "change", backing.perk.pk)
    errors = errors_of(admin_client.post(change, {**data, "total_quantity": "4"}))
    assert any("5 have been redeemed" in str(e) for e in errors), errors


def test_backer_list_upload(backing, admin_client):
    changelist = admin_client.get(url("backersubscription"))
    assert url("backersubscription", "import").encode() in changelist.content
    upload = SimpleUploadedFile(
        "backers.csv",
        b"email,film,units\nnew@example.com,wolf-warrior-2,2\nbad,wolf-warrior-2,1\n",
        content_type="text/csv",
    )
    response = admin_client.post(
        url("backersubscription", "import"), {"list_name": "weibo", "file": upload}
    )
    assert response.status_code == 200
    assert b"weibo: 1 imported, 0 already imported, 1 errors" in response.content
    assert b"INVALID_EMAIL" in response.content
    assert Membership.objects.filter(user__email="new@example.com", units_held=2).exists()
    upload = SimpleUploadedFile("backers.csv", b"email,units\n", content_type="text/csv")
    response = admin_client.post(
        url("backersubscription", "import"), {"list_name": "weibo", "file": upload}
    )
    assert b"lacks the column(s) film" in response.content


def test_only_staff_reach_the_members_admin(backing, client, django_user_model):
    fan = django_user_model.objects.create_user("fan@example.com", "pw")
    client.force_login(fan)
    for model in MODELS:
        response = client.get(url(model))
        assert response.status_code == 302
    assert client.get(url("backersubscription", "import")).status_code == 302


def existing_programme_data(backing, **changes):
    programme = backing.programme
    data = programme_data(backing, tiers=())
    data.update(slug=programme.slug, name=programme.name)
    tiers = list(programme.tiers.all())
    data.update({"tiers-TOTAL_FORMS": str(len(tiers)), "tiers-INITIAL_FORMS": str(len(tiers))})
    for i, tier in enumerate(tiers):
        data.update(
            {
                f"tiers-{i}-id": str(tier.pk),
                f"tiers-{i}-programme": str(programme.pk),
                f"tiers-{i}-name": tier.name,
                f"tiers-{i}-slug": tier.slug,
                f"tiers-{i}-min_units": str(tier.min_units),
            }
        )
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit_price": "50"}, "unit price"),
        ({"currency": "USD", "channel": None}, "currency"),
        ({"film": None}, "film"),
    ],
)
def test_what_backers_bought_cannot_change_after_backing(backing, admin_client, change, field):
    if "channel" in change:
        change["channel"] = str(backing.shop.intl.pk)
    if "film" in change:
        change["film"] = str(backing.other_film.pk)
    change_url = url("backerprogramme", "change", backing.programme.pk)
    response = admin_client.post(change_url, existing_programme_data(backing, **change))
    errors = errors_of(response)
    assert any(f"the {field} can no longer change" in str(e) for e in errors), errors
    backing.programme.refresh_from_db()
    assert backing.programme.unit_price == Decimal("100")


def test_moving_a_threshold_reassigns_the_members_tiers(backing, admin_client):
    producers = Membership.objects.filter(tier__slug="producer").count()
    assert producers == 3  # 10, 11 and 12 units
    data = existing_programme_data(backing)
    producer_row = next(k for k, v in data.items() if v == "producer" and k.endswith("-slug"))
    data[producer_row.replace("-slug", "-min_units")] = "5"
    response = admin_client.post(url("backerprogramme", "change", backing.programme.pk), data)
    assert response.status_code == 302, errors_of(response)
    assert Membership.objects.filter(tier__slug="producer").count() == 8
    assert not Membership.objects.filter(units_held__gt=0, tier__isnull=True).exists()
