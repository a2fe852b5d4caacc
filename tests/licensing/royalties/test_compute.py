"""The royalty arithmetic, one worked example per term type (the README's examples)."""

from datetime import date
from decimal import Decimal as D

from marquee.licensing.royalties import compute
from marquee.licensing.royalties.compute import EarlierSale, Terms, Tier

TIERS = (Tier(D(0), D(100), D(8)), Tier(D(100), None, D(12)))


def royalty(terms, base, units, before=D(0), share=D(100), base_rate=None):
    return compute.royalty(
        terms,
        base=D(base),
        units=units,
        share=share,
        base_rate=terms.rate if base_rate is None else base_rate,
        volume_before=D(before),
        currency="CNY",
    )


def test_percentage_of_the_base():
    # 3 figures, net 265.49: 10 % = 26.549 -> 26.55 (ROUND_HALF_UP)
    assert royalty(Terms(rate=D(10)), "265.49", 3).amount == D("26.55")


def test_per_unit_amount_adds_to_the_percentage():
    # 8 % of 200.00 = 16.00, plus 2 units x 1.50 = 3.00 -> 19.00
    terms = Terms(rate=D(8), per_unit_amount=D("1.50"))
    assert royalty(terms, "200.00", 2).amount == D("19.00")


def test_per_unit_minimum_is_a_floor():
    # 8 % of 2 x 20.00 = 3.20 is below the minimum 2 x 2.50 = 5.00 -> 5.00
    terms = Terms(rate=D(8), per_unit_minimum=D("2.50"))
    assert royalty(terms, "40.00", 2).amount == D("5.00")
    # above the floor the percentage stands: 8 % of 2 x 50.00 = 8.00
    assert royalty(terms, "100.00", 2).amount == D("8.00")


def test_category_rate_replaces_the_terms_rate():
    assert royalty(Terms(rate=D(10)), "100.00", 1, base_rate=D(6)).amount == D("6.00")


def test_marginal_unit_tiers_split_the_line():
    # 95 units sold before; 10 more at 10.00 each: 5 at 8 %, 5 at 12 % -> 4.00 + 6.00
    terms = Terms(rate=D(10), tier_basis="units", tiers=TIERS)
    result = royalty(terms, "100.00", 10, before=95)
    assert result.amount == D("10.00")
    assert [rate for _, rate in result.parts] == [D(8), D(12)]
    assert result.rate == D("10.0000") and result.tier.lower == D(100)


def test_marginal_revenue_tiers_split_by_amount():
    terms = Terms(rate=D(10), tier_basis="revenue", tiers=TIERS)
    # 60.00 accrued before; 80.00 more: 40.00 at 8 % + 40.00 at 12 % = 3.20 + 4.80
    assert royalty(terms, "80.00", 1, before=60).amount == D("8.00")


def test_retroactive_tier_lifts_the_whole_line_and_the_year():
    terms = Terms(rate=D(10), tier_basis="units", tier_mode="retroactive", tiers=TIERS)
    result = royalty(terms, "100.00", 10, before=95)
    assert result.amount == D("12.00") and result.tier.lower == D(100)
    earlier = [EarlierSale(D("950.00"), 95, D(100), D(8), terms)]
    # 950.00 at 12 % = 114.00 instead of 76.00
    assert compute.retroactive_step(earlier, D(12), "CNY") == (D("38.00"), D("950.00"))


def test_volume_below_the_first_tier_earns_the_base_rate():
    terms = Terms(rate=D(10), tier_basis="units", tiers=(Tier(D(50), None, D(12)),))
    assert royalty(terms, "100.00", 10, before=45).amount == D("11.00")


def test_list_and_net_base_are_split_by_share_with_the_remainder_to_the_largest():
    thirds = [(7, D("33.3333")), (3, D("33.3333")), (9, D("33.3334"))]
    parts = compute.split(D("100.00"), thirds, "CNY")
    assert parts == {7: D("33.33"), 3: D("33.33"), 9: D("33.34")}
    # the remainder may be negative: 3 x 33.34 = 100.02
    assert compute.split(D("100.01"), thirds, "CNY") == {
        7: D("33.34"),
        3: D("33.34"),
        9: D("33.33"),
    }
    equal = compute.split(D("0.01"), [(5, D(50)), (2, D(50))], "CNY")
    assert equal == {5: D("0.01"), 2: D("0.00")}  # 0.005 -> 0.01 twice; -0.01 to id 2


def test_reversals_of_a_line_add_up_to_its_accrual():
    accrued = D("10.00")
    parts = [compute.reversal(accrued, 3, before, 1, "CNY") for before in range(3)]
    assert parts == [D("3.33"), D("3.34"), D("3.33")] and sum(parts) == accrued


def test_contract_years_count_from_the_term_start():
    assert compute.contract_year(date(2025, 3, 15), date(2026, 3, 14)) == (
        date(2025, 3, 15),
        date(2026, 3, 15),
    )
    assert compute.contract_year(date(2025, 3, 15), date(2026, 3, 15))[0] == date(2026, 3, 15)
    assert compute.contract_year(date(2024, 2, 29), date(2025, 3, 1)) == (
        date(2025, 2, 28),
        date(2026, 2, 28),
    )


def test_list_base_charges_the_member_discount_to_the_shop():
    # list 100.00, member price 80.00: net base 8.00, list base 10.00 (posting picks the base)
    terms = Terms(rate=D(10))
    assert royalty(terms, "80.00", 1).amount == D("8.00")
    assert royalty(terms, "100.00", 1).amount == D("10.00")
