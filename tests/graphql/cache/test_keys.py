"""Cache keys: answers that differ never share an entry; viewers who see the same thing do."""

import pytest

from marquee.merch.extensions import PUBLIC_SEGMENT, pricing_segment
from tests.members.member_catalogue import Backers

from .conftest import Asker

pytestmark = pytest.mark.django_db

PRODUCT = """
query Product($slug: String!, $channel: String!, $lang: LanguageCodeEnum!) {
  product(slug: $slug, channel: $channel) {
    name
    translation(languageCode: $lang) { name }
    pricing { priceRange { start { gross { amount currency } } } }
  }
}
"""


def price(data):
    return data["product"]["pricing"]["priceRange"]["start"]["gross"]


@pytest.fixture
def backers(catalogue, fast_passwords):
    return Backers(catalogue)


def test_two_channels_do_not_share_an_entry(catalogue, anonymous):
    catalogue.product("Tee")
    china = anonymous.ask(PRODUCT, {"slug": "tee", "channel": "china", "lang": "EN"})
    intl = anonymous.ask(PRODUCT, {"slug": "tee", "channel": "international", "lang": "EN"})
    assert anonymous.computed
    assert price(china)["currency"] == "CNY"
    assert price(intl)["currency"] == "USD"


def test_two_languages_do_not_share_an_entry(catalogue, anonymous):
    catalogue.product("Tee")
    english = anonymous.ask(PRODUCT, {"slug": "tee", "channel": "china", "lang": "EN"})
    chinese = anonymous.ask(PRODUCT, {"slug": "tee", "channel": "china", "lang": "ZH_HANS"})
    assert anonymous.computed
    assert english["product"]["translation"] is None
    assert chinese["product"]["translation"]["name"] == "Tee 中文"


def test_variables_in_another_order_share_an_entry(catalogue, anonymous):
    catalogue.product("Tee")
    anonymous.ask(PRODUCT, {"slug": "tee", "channel": "china", "lang": "EN"})
    anonymous.ask(PRODUCT, {"lang": "EN", "channel": "china", "slug": "tee"})
    assert not anonymous.computed


def test_a_member_and_the_public_do_not_share_an_entry(catalogue, backers, anonymous):
    catalogue.product("Tee")
    backers.percentage(backers.supporter, 20)
    member = Asker(backers.member("fan@example.com", 1))
    variables = {"slug": "tee", "channel": "china", "lang": "EN"}
    public = anonymous.ask(PRODUCT, variables)
    mine = member.ask(PRODUCT, variables)
    assert member.computed
    assert price(public)["amount"] == 99.0
    assert price(mine)["amount"] == pytest.approx(79.2)
    anonymous.ask(PRODUCT, variables)
    assert not anonymous.computed
    assert price(anonymous.ask(PRODUCT, variables))["amount"] == 99.0


def test_two_tiers_do_not_share_an_entry(catalogue, backers):
    catalogue.product("Tee")
    backers.percentage(backers.supporter, 10)
    backers.percentage(backers.producer, 30)
    variables = {"slug": "tee", "channel": "china", "lang": "EN"}
    supporter = Asker(backers.member("s@example.com", 1))
    producer = Asker(backers.member("p@example.com", 10))
    assert price(supporter.ask(PRODUCT, variables))["amount"] == pytest.approx(89.1)
    assert price(producer.ask(PRODUCT, variables))["amount"] == pytest.approx(69.3)
    assert producer.computed


def test_two_members_of_one_tier_share_an_entry(catalogue, backers):
    catalogue.product("Tee")
    backers.percentage(backers.supporter, 20)
    variables = {"slug": "tee", "channel": "china", "lang": "EN"}
    one = Asker(backers.member("one@example.com", 2))
    two = Asker(backers.member("two@example.com", 3))
    first = one.ask(PRODUCT, variables)
    assert one.computed
    second = two.ask(PRODUCT, variables)
    assert not two.computed
    assert second == first


def test_a_signed_in_non_member_shares_the_public_entry(catalogue, backers, anonymous):
    from django.contrib.auth import get_user_model

    catalogue.product("Tee")
    variables = {"slug": "tee", "channel": "china", "lang": "EN"}
    anonymous.ask(PRODUCT, variables)
    customer = Asker(get_user_model().objects.create_user("c@example.com", "pw"))
    customer.ask(PRODUCT, variables)
    assert not customer.computed
    assert not customer.policy.shared  # a signed-in request is never kept by a CDN


def test_the_segment_names_tiers_never_users(catalogue, backers):
    one = backers.member("one@example.com", 2)
    two = backers.member("two@example.com", 3)
    producer = backers.member("p@example.com", 12)
    assert pricing_segment(None) == PUBLIC_SEGMENT
    assert pricing_segment(one) == pricing_segment(two)
    assert pricing_segment(one) != pricing_segment(producer)
    assert f"{backers.programme.pk}:{backers.supporter.pk}" in pricing_segment(one)


def test_joining_a_tier_changes_the_answer_at_once(catalogue, backers):
    from marquee.members.models import Membership

    catalogue.product("Tee")
    backers.percentage(backers.producer, 30)
    variables = {"slug": "tee", "channel": "china", "lang": "EN"}
    user = backers.member("fan@example.com", 1)
    asker = Asker(user)
    assert price(asker.ask(PRODUCT, variables))["amount"] == 99.0
    Membership.objects.filter(user=user).update(
        units_held=10, units_committed=10, tier=backers.producer
    )
    assert price(asker.ask(PRODUCT, variables))["amount"] == pytest.approx(69.3)


def test_the_host_is_part_of_the_key(catalogue, anonymous, settings):
    settings.ALLOWED_HOSTS = ["testserver", "shop.example"]
    catalogue.product("Tee")
    query = 'query { product(slug: "tee", channel: "china") { thumbnail { url } } }'
    first = anonymous.ask(query)
    anonymous.client.defaults["HTTP_HOST"] = "shop.example"
    second = anonymous.ask(query)
    assert anonymous.computed
    assert first["product"]["thumbnail"]["url"].startswith("http://testserver/")
    assert second["product"]["thumbnail"]["url"].startswith("http://shop.example/")
