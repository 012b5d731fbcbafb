"""The dues table of 中组发〔2008〕3号 at and around every boundary, for each category, computed by hand: the lower
bound of a bracket is exclusive, the upper inclusive; the due is rounded to the fen, half up, in integers."""

import pytest

from dangjian.dues.choices import DuesCategory as C
from dangjian.dues.rules import RULES, AmountError, monthly_due, parse_yuan, round_fen, yuan
from dangjian.dues.services import check_base

# (category, base in 元 as typed, expected rate in %, expected due in 元)
BRACKETS = [
    # 在职: ≤3000 0.5%, >3000–5000 1%, >5000–10000 1.5%, >10000 2%
    (C.EMPLOYED, "0.01", "0.5", "0.00"),  # 0.00005 元
    (C.EMPLOYED, "1000", "0.5", "5.00"),
    (C.EMPLOYED, "2999.99", "0.5", "15.00"),  # 14.99995 → 15.00
    (C.EMPLOYED, "3000", "0.5", "15.00"),  # upper bound inclusive
    (C.EMPLOYED, "3000.01", "1", "30.00"),  # lower bound exclusive: 30.0001 → 30.00
    (C.EMPLOYED, "4999.99", "1", "50.00"),  # 49.9999
    (C.EMPLOYED, "5000", "1", "50.00"),
    (C.EMPLOYED, "5000.01", "1.5", "75.00"),  # 75.00015
    (C.EMPLOYED, "9999.99", "1.5", "150.00"),  # 149.99985
    (C.EMPLOYED, "10000", "1.5", "150.00"),
    (C.EMPLOYED, "10000.01", "2", "200.00"),  # 200.0002
    (C.EMPLOYED, "25000", "2", "500.00"),
    # 离退休: ≤5000 0.5%, >5000 1%
    (C.RETIRED, "3000.01", "0.5", "15.00"),  # not the 在职 bracket: 15.00005
    (C.RETIRED, "4999.99", "0.5", "25.00"),  # 24.99995
    (C.RETIRED, "5000", "0.5", "25.00"),
    (C.RETIRED, "5000.01", "1", "50.00"),  # 50.0001
    (C.RETIRED, "12000", "1", "120.00"),
]


@pytest.mark.parametrize("category, base, rate, due", BRACKETS)
def test_every_bracket_at_and_around_its_bounds(category, base, rate, due):
    result = monthly_due(category, parse_yuan(base))
    assert (result.rate_text, yuan(result.fen)) == (f"{rate}%", due)


@pytest.mark.parametrize("category", [C.STUDENT, C.UNEMPLOYED, C.RELIEF])
@pytest.mark.parametrize("base", [None, 0, 300000, 2000000])
def test_students_the_unemployed_and_those_on_relief_pay_twenty_fen_whatever_the_base(category, base):
    result = monthly_due(category, base)
    assert (result.fen, result.bp, result.rate_text) == (20, None, "每月 0.20 元")


@pytest.mark.parametrize("fixed, due", [(None, 20), (20, 20), (50, 50), (100, 100)])
def test_farmers_pay_the_amount_the_branch_set_or_twenty_fen(fixed, due):
    assert monthly_due(C.FARMER, 0, fixed).fen == due


@pytest.mark.parametrize("fixed, ok", [(19, False), (20, True), (100, True), (101, False)])
def test_a_farmers_amount_outside_twenty_fen_to_one_yuan_is_refused(fixed, ok):
    errors = check_base(C.FARMER, None, fixed)
    assert (not errors) is ok
    if not ok:
        assert errors["fixed"] == f"农民党员每月缴纳 0.20 元至 1.00 元，不能为 {yuan(fixed)} 元。"


@pytest.mark.parametrize(
    "base, due",
    [
        ("2998", "14.99"),  # 14.99 exactly
        ("2999", "15.00"),  # 14.995: half up
        ("2999.8", "15.00"),  # 14.999
        ("4321.23", "43.21"),  # 43.2123: down
        ("4321.50", "43.22"),  # 43.215: half up
        ("6666.67", "100.00"),  # 100.00005
        ("6666.33", "99.99"),  # 99.99495: down
    ],
)
def test_the_due_is_rounded_to_the_fen_half_up(base, due):
    assert yuan(monthly_due(C.EMPLOYED, parse_yuan(base)).fen) == due


def test_rounding_is_integer_half_up():
    assert [round_fen(n, 10) for n in (14, 15, 16, 24, 25)] == [1, 2, 2, 2, 3]


@pytest.mark.parametrize(
    "typed, fen",
    [("4200", 420000), ("4,200.50", 420050), ("￥4200元", 420000), (4200, 420000), (4200.1, 420010), ("", None)],
)
def test_amounts_are_read_as_fen_without_floats(typed, fen):
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize(
    "typed, message",
    [
        ("-100", "党费基数不能为负数（现为 -100）"),
        ("四千", "党费基数“四千”不是数字"),
        ("12.345", "党费基数“12.345”最多保留两位小数（到分）"),
        ("NaN", "党费基数“NaN”不是数字"),
    ],
)
def test_a_bad_base_is_refused_in_chinese(typed, message):
    with pytest.raises(AmountError, match=message):
        parse_yuan(typed, "党费基数")


def test_every_rule_cites_the_2008_notice():
    assert {r.category for r in RULES.values()} == set(C.values)
    assert all("中组发〔2008〕3号" in r.citation for r in RULES.values())
    words = ["3000 元（含）以下：0.5%", "3000 元以上至5000 元（含）以下：1%"]
    words += ["5000 元以上至10000 元（含）以下：1.5%", "10000 元以上：2%"]
    assert RULES[C.EMPLOYED].text == "；".join(words)
