"""The dues rules of 中组发〔2008〕3号《关于中国共产党党费收缴、使用和管理的规定》 as data, with their source, and the
one function that turns a monthly base into the amount due (`monthly_due`). Pages, the import, the API, the
metric and the demo all ask it; nothing else computes a rate.

Money is in fen (分) as integers throughout, never floats. A rate is held in basis points (1 bp = 0.01%), so the
due is an integer product rounded once: `(base_fen × bp + 5000) // 10000`, i.e. to the fen, half up (四舍五入到分).

Rounding: the 2008 text gives rates and no rounding rule; its tables state amounts in 元 to two decimals, and the
practice copied in the local guides (计算至“分”，“分”以下四舍五入) is what is applied here. Confidence **M** (one
secondary copy, not the official text); an installation that rounds to the 角 can change `ROUND_TO_FEN` below.

Brackets follow the text's "以上/以下（含）" wording exactly: the lower bound is exclusive, the upper inclusive — a
base of 3000.00 元 pays 0.5%, 3000.01 元 pays 1% (RULES-SOURCES §3 "Gaps and warnings").

This module is kept apart so that the general rulebook app can later read `RULES` as its 党费 table.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass

from .choices import DuesCategory

SOURCE = "中组发〔2008〕3号《关于中国共产党党费收缴、使用和管理的规定》"
CONFIDENCE = "H"  # RULES-SOURCES §3: several copies agree word for word
ROUNDING_TEXT = "按基数乘比例计算至分，分以下四舍五入（地方通行做法，可信度 M）"
ROUND_TO_FEN = 1  # the unit the due is rounded to, in fen (10 would round to the 角)

YUAN = 100  # fen in one 元
FARMER_MIN_FEN, FARMER_MAX_FEN = 20, 100  # 农民党员每月 0.2 元至 1 元
FIXED_FEN = 20  # 学生、下岗失业、低保等每月 0.2 元
ARREARS_MONTHS = 6  # 连续 6 个月不交纳党费 (党章第九条, RULES-SOURCES §3, confidence M)


@dataclass(frozen=True)
class Bracket:
    """Bases above `above` fen up to and including `upto` fen (None: no upper bound) pay `bp` basis points."""

    above: int
    upto: int | None
    bp: int

    @property
    def text(self) -> str:
        low = f"{self.above // YUAN} 元以上" if self.above else ""
        high = f"{self.upto // YUAN} 元（含）以下" if self.upto is not None else ""
        span = "至".join(w for w in (low, high) if w) or "全部"
        return f"{span}：{self.bp / 100:g}%"

    def holds(self, base_fen: int) -> bool:
        return base_fen > self.above and (self.upto is None or base_fen <= self.upto)


@dataclass(frozen=True)
class Rule:
    """One category's table: percentage brackets of the base, or a fixed monthly amount (a range for farmers)."""

    category: str
    article: str
    brackets: tuple[Bracket, ...] = ()
    fixed_min: int | None = None
    fixed_max: int | None = None
    note: str = ""

    @property
    def label(self) -> str:
        return DuesCategory(self.category).label

    @property
    def uses_base(self) -> bool:
        return bool(self.brackets)

    @property
    def text(self) -> str:
        if self.brackets:
            return "；".join(b.text for b in self.brackets)
        if self.fixed_min == self.fixed_max:
            return f"每月 {self.fixed_min / YUAN:.2f} 元"
        return f"每月 {self.fixed_min / YUAN:.2f} 元至 {self.fixed_max / YUAN:.2f} 元"

    @property
    def citation(self) -> str:
        return f"{SOURCE}{self.article}（可信度 {CONFIDENCE}）"


def _b(above_yuan: int, upto_yuan: int | None, bp: int) -> Bracket:
    return Bracket(above_yuan * YUAN, None if upto_yuan is None else upto_yuan * YUAN, bp)


RULES: dict[str, Rule] = {
    rule.category: rule
    for rule in (
        Rule(
            DuesCategory.EMPLOYED,
            "第二条",
            (_b(0, 3000, 50), _b(3000, 5000, 100), _b(5000, 10000, 150), _b(10000, None, 200)),
            note="基数为每月工资收入中相对固定的、经常性的部分，税后计算（第一条）",
        ),
        Rule(
            DuesCategory.RETIRED,
            "第五条",
            (_b(0, 5000, 50), _b(5000, None, 100)),
            note="基数为基本离退休费（基本养老金），不含津补贴（组电明字〔2017〕5号）",
        ),
        Rule(
            DuesCategory.FARMER, "第六条", fixed_min=FARMER_MIN_FEN, fixed_max=FARMER_MAX_FEN, note="具体数额由支部确定"
        ),
        Rule(DuesCategory.STUDENT, "第六条", fixed_min=FIXED_FEN, fixed_max=FIXED_FEN),
        Rule(DuesCategory.UNEMPLOYED, "第六条", fixed_min=FIXED_FEN, fixed_max=FIXED_FEN),
        Rule(DuesCategory.RELIEF, "第六条", fixed_min=FIXED_FEN, fixed_max=FIXED_FEN),
    )
}


@dataclass(frozen=True)
class Due:
    """What one month's base gives: the rate in words, its basis points (None for a fixed amount) and the fen due."""

    bp: int | None
    fen: int
    rate_text: str


def round_fen(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator to the nearest `ROUND_TO_FEN`, half up, in integers only."""
    unit = denominator * ROUND_TO_FEN
    return (2 * numerator + unit) // (2 * unit) * ROUND_TO_FEN


def bracket_for(category: str, base_fen: int) -> Bracket:
    for bracket in RULES[category].brackets:
        if bracket.holds(base_fen):
            return bracket
    return RULES[category].brackets[0]  # a base of 0: the lowest bracket (nothing due)


def monthly_due(category: str, base_fen: int | None, fixed_fen: int | None = None) -> Due:
    """The monthly amount due by the table of `category`: a percentage of the base (fen), or the fixed amount
    (farmers: the amount the branch set, 0.20 to 1.00 元, 0.20 元 when none was set)."""
    rule = RULES[category]
    if rule.uses_base:
        bracket = bracket_for(category, base_fen or 0)
        return Due(bracket.bp, round_fen((base_fen or 0) * bracket.bp, 10000), f"{bracket.bp / 100:g}%")
    fen = rule.fixed_min if fixed_fen is None else fixed_fen
    return Due(None, fen, f"每月 {fen / YUAN:.2f} 元")


def yuan(fen: int | None) -> str:
    """Fen as 元 with two decimals, for pages and sheets ("12.35"); "" for none."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // YUAN}.{fen % YUAN:02d}"


class AmountError(ValueError):
    """A typed amount that is not one: the message is for the user, in Chinese."""


MAX_FEN = 10**9  # 1000 万元: nobody's monthly pay, a typo


def parse_yuan(value, what: str = "金额") -> int | None:
    """A sum typed in 元 (a number cell, "5,000.00", "￥5000元", "5000.5") as fen; None when empty. More than two
    decimals, a negative sum or anything but a number is refused with the user's words, the same for the form and
    the import. Floats from a spreadsheet cell are read through their shortest text, never multiplied as floats."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise AmountError(f"{what}“{value}”不是数字")
    raw = value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    raw = raw.strip().replace(",", "").replace("，", "").replace("￥", "").replace("¥", "").removesuffix("元").strip()
    if raw == "":
        return None
    try:
        number = decimal.Decimal(raw)
    except decimal.InvalidOperation:
        raise AmountError(f"{what}“{value}”不是数字") from None
    if not number.is_finite():
        raise AmountError(f"{what}“{value}”不是数字")
    if number < 0:
        raise AmountError(f"{what}不能为负数（现为 {value}）")
    fen = number * YUAN
    if fen != fen.to_integral_value():
        raise AmountError(f"{what}“{value}”最多保留两位小数（到分）")
    if fen > MAX_FEN:
        raise AmountError(f"{what}“{value}”超出合理范围")
    return int(fen)
