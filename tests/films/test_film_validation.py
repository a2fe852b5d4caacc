"""Field checks: what a file may and may not contain."""

from datetime import date
from decimal import Decimal

import pytest

from marquee.films import validation as check


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5694000000", Decimal("5694000000")),
        (" 1234.5 ", Decimal("1234.5")),
        ("0", Decimal("0")),
        (42, Decimal("42")),
        (Decimal("0.0001"), Decimal("0.0001")),
        ("1_000", Decimal("1000")),
    ],
)
def test_gross_accepts_exact_non_negative_amounts(raw, expected):
    assert check.gross(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (1.5, "not a float"),
        ("-0.01", "is negative"),
        ("1.23456", "more than 4 decimal places"),
        ("NaN", "not a finite amount"),
        ("1e20", "too large"),
        ("five", "not a decimal number"),
        ("", "is required"),
        (True, "not an amount"),
    ],
)
def test_gross_rejects(raw, message):
    with pytest.raises(check.Invalid, match=message):
        check.gross(raw)


def test_currency_and_market_codes():
    assert check.currency("cny") == "CNY"
    assert check.market("ww") == "WW"
    assert check.market("JP") == "JP"
    for bad in ("RMB", "yuan", "US$"):
        with pytest.raises(check.Invalid):
            check.currency(bad)
    for bad in ("XX", "CHN", "EU", ""):
        with pytest.raises(check.Invalid):
            check.market(bad)


def test_dates_runtime_roles_slugs_and_languages():
    assert check.iso_date("2019-02-05") == date(2019, 2, 5)
    assert check.optional_iso_date("") is None
    for bad in ("20190205", "2019-2-5", "2019-02-30"):
        with pytest.raises(check.Invalid):
            check.iso_date(bad)
    assert check.optional_runtime("125") == 125
    assert check.optional_runtime(None) is None
    for bad in (0, -3, "2h", 12.5, True, 40000):
        with pytest.raises(check.Invalid):
            check.optional_runtime(bad)
    assert check.role("Director") == "director"
    with pytest.raises(check.Invalid, match="not a known role"):
        check.role("actor")
    assert check.slug("wolf-warrior-2") == "wolf-warrior-2"
    for bad in ("Wolf", "wolf--warrior", "-wolf", "战狼", "a" * 129):
        with pytest.raises(check.Invalid):
            check.slug(bad)
    assert check.language("zh-Hans") == "zh-Hans"
    with pytest.raises(check.Invalid):
        check.language("Chinese")
