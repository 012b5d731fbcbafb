"""Assessment schemes (考核方案) as plain data: indicator trees per group, grade lines, weak-organization floors.

A scheme is read from a documented YAML file (see `examples/scheme-county.yaml`) or built in the UI; either way it
ends up as these frozen dataclasses, which the engine runs. Points are kept in hundredths (centipoints) as integers so
that a province-sized run is fast and exactly reproducible; they are shown as decimals with two places.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

CENT = 100  # centipoints per point


class Method(StrEnum):
    GIVEN = "given"  # points given by raters (several raters combined)
    DEDUCTION = "deduction"  # full points minus a deduction per occurrence, not below a floor
    DERIVED = "derived"  # a value computed from records (a metric of the registry), 0..1 of the points
    SURVEY = "survey"  # residents' satisfaction: share of satisfied answers times the points
    YESNO = "yesno"  # full points or none
    BONUS = "bonus"  # extra points, capped per scheme
    PENALTY = "penalty"  # points taken off per occurrence, capped per scheme
    VETO = "veto"  # 一票否决: when it applies, grade D whatever the total


METHOD_LABELS = {
    Method.GIVEN: "评分",
    Method.DEDUCTION: "扣分",
    Method.DERIVED: "系统数据",
    Method.SURVEY: "群众满意度",
    Method.YESNO: "是否项",
    Method.BONUS: "加分",
    Method.PENALTY: "减分",
    Method.VETO: "一票否决",
}

# The six common problem areas checked for every organization [004].
PROBLEMS = {
    "committee": "班子配备不齐全",
    "secretary": "书记业务不达标",
    "venue": "活动场所不规范",
    "rules": "制度执行不经常",
    "service": "服务群众不积极",
    "members": "党员作用不突出",
}

GRADES = ("A", "B", "C", "D")
GRADE_LABELS = {"A": "优秀", "B": "良好", "C": "一般", "D": "较差"}


class SchemeError(ValueError):
    """A scheme that cannot be run; the message is Chinese and names the place."""


def to_cents(value, where: str) -> int:
    """A points value as whole hundredths; more than two decimals is refused, not rounded silently."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise SchemeError(f"{where}：“{value}”不是数字") from None
    if not number.is_finite():
        raise SchemeError(f"{where}：“{value}”不是数字")
    cents = number * CENT
    if cents != cents.to_integral_value():
        raise SchemeError(f"{where}：分值最多保留两位小数（“{value}”）")
    return int(cents)


def cents_to_decimal(cents: int) -> Decimal:
    return (Decimal(cents) / CENT).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def percent_to_fraction(value, where: str) -> Decimal:
    text = str(value).strip()
    try:
        number = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except (InvalidOperation, ValueError):
        raise SchemeError(f"{where}：“{value}”不是比例（如 15% 或 0.15）") from None
    if not 0 <= number <= 1:
        raise SchemeError(f"{where}：比例应在 0 到 100% 之间（“{value}”）")
    return number


def quota(count: int, fraction: Decimal) -> int:
    """Floor of weak organizations for a domain: its organizations times the share, rounded up (exactly)."""
    return math.ceil(Decimal(count) * fraction)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    category: str
    method: Method
    max_cents: int = 0
    per_occurrence_cents: int = 0  # deduction and penalty items
    floor_cents: int = 0  # deduction items: never below this
    metric: str = ""  # derived items: the registry metric that fills it
    problem: str = ""  # one of PROBLEMS: low points here raise that problem flag
    note: str = ""

    @property
    def counts_in_base(self) -> bool:
        """Whether the item is part of the 100 base points (bonus, penalty and veto items are not)."""
        return self.method not in (Method.BONUS, Method.PENALTY, Method.VETO)


@dataclass(frozen=True)
class Group:
    """Organizations assessed on the same indicators and ranked together: a domain, optionally one level of it."""

    domain: str
    level: str = ""
    indicators: tuple[Indicator, ...] = ()
    # Lowest total for A, B and C; below the C line is D.
    lines_cents: tuple[int, int, int] = (90 * CENT, 80 * CENT, 60 * CENT)

    @property
    def key(self) -> str:
        return f"{self.domain}:{self.level}" if self.level else self.domain

    def base_max_cents(self) -> int:
        return sum(i.max_cents for i in self.indicators if i.counts_in_base)


@dataclass(frozen=True)
class Scheme:
    year: int
    name: str
    groups: tuple[Group, ...]
    # Weak-organization floors: share of each domain's organizations, rounded up; a domain not listed has none.
    weak_floors: dict[str, Decimal] = field(default_factory=dict)
    tie_rule: str = "include"  # "include": all organizations tied at the cut are weak; "code": cut exactly, by code
    bonus_cap_cents: int = 0
    penalty_cap_cents: int = 0
    trim_from: int = 5  # from this many raters on, drop the highest and the lowest score before averaging
    survey_fail_share: Decimal | None = None  # more than this share dissatisfied → grade D (None: no such rule)
    problem_share: Decimal = Decimal("0.6")  # an area scoring below this share of its points raises its flag

    def group_for(self, domain: str, level: str) -> Group | None:
        """The group of a level of a domain if the scheme has one, else the domain's general group."""
        general = None
        for group in self.groups:
            if group.domain == domain and group.level == level:
                return group
            if group.domain == domain and not group.level:
                general = group
        return general
