"""addressValidationRules: a country's address form from Google's i18n data."""

import pytest

pytestmark = pytest.mark.django_db

RULES = """
query($countryCode: CountryCode!, $countryArea: String, $city: String) {
  addressValidationRules(countryCode: $countryCode, countryArea: $countryArea, city: $city) {
    countryCode countryName addressFormat addressLatinFormat
    allowedFields requiredFields upperFields
    countryAreaType countryAreaChoices { raw verbose }
    cityType cityChoices { raw verbose }
    cityAreaType cityAreaChoices { raw verbose }
    postalCodeType postalCodeMatchers postalCodeExamples postalCodePrefix
  }
}
"""


def test_rules_for_china(gql):
    rules = gql.execute(RULES, {"countryCode": "CN"})["data"]["addressValidationRules"]
    assert rules["countryCode"] == "CN"
    assert rules["countryName"] == "CHINA"
    assert rules["countryAreaType"] == "province"
    assert set(rules["requiredFields"]) == {
        "city",
        "countryArea",
        "postalCode",
        "streetAddress1",
    }
    assert {"streetAddress1", "streetAddress2", "cityArea"} <= set(rules["allowedFields"])
    assert {"raw": "上海市", "verbose": "Shanghai Shi"} in rules["countryAreaChoices"]
    assert rules["postalCodeMatchers"] and rules["postalCodeExamples"]


def test_rules_narrow_to_an_area(gql):
    rules = gql.execute(RULES, {"countryCode": "CN", "countryArea": "上海市"})["data"][
        "addressValidationRules"
    ]
    assert {"raw": "浦东新区", "verbose": "浦东新区"} in rules["cityChoices"]


def test_rules_for_the_us(gql):
    rules = gql.execute(RULES, {"countryCode": "US"})["data"]["addressValidationRules"]
    assert rules["postalCodeType"] == "zip"
    assert "countryArea" in rules["upperFields"]
    assert {"raw": "CA", "verbose": "California"} in rules["countryAreaChoices"]


def test_unknown_country_is_a_validation_error(gql):
    body = gql.execute(RULES, {"countryCode": "XX"}, expect_errors=True)
    assert body["errors"][0]["extensions"]["exception"]["code"] == "GRAPHQL_VALIDATION_FAILED"
