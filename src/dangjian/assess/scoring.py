"""How one indicator scores one organization's value: the rule of every indicator kind, value by value.

The engine (`engine.py`) asks it for each organization's lines in words and for every value its fast path does not
take (`fast.score_column`); the tests hold the fast path to it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .scheme import Indicator, Method, Scheme, cents_to_decimal

if TYPE_CHECKING:
    from .engine import Survey


def combine_raters(scores: list[int], trim_from: int) -> int:
    """Several raters' points as one: the mean, dropping the highest and lowest from `trim_from` raters up."""
    ordered = sorted(scores)
    if len(ordered) >= trim_from:
        ordered = ordered[1:-1]
    total = sum(ordered)
    # Round half up in hundredths, in integers: (2·sum + n) // (2·n).
    return (2 * total + len(ordered)) // (2 * len(ordered))


def score_line(
    ind: Indicator, value, survey: Survey | None, scheme: Scheme, where: str, problems: list[str]
) -> tuple[int, str]:
    """Points of one indicator for one organization and the words saying where they came from.

    This is the rule: the specification of every indicator kind, value by value, bad values reported here. The run
    takes whole columns through `fast.score_column`, a fast path for the usual values that hands everything else back
    to this function; `tests/test_assess_engine_paths.py` holds the two to the same points and the same problems."""
    method = ind.method
    if method is Method.SURVEY:
        if survey is None or survey.answers == 0:
            return 0, "无有效问卷"
        good = survey.satisfied + survey.fair
        cents = (2 * ind.max_cents * good + survey.answers) // (2 * survey.answers)
        return cents, f"满意及基本满意 {good}/{survey.answers}"
    if value is None:
        if method is Method.DEDUCTION:
            return ind.max_cents, "无扣分记录"
        if method in (Method.BONUS, Method.PENALTY):
            return 0, "无"
        if method is Method.VETO:
            return 0, "未触发"
        return 0, "未录入"
    if method is Method.GIVEN:
        scores = list(value) if isinstance(value, list | tuple) else [value]
        bad = [s for s in scores if not isinstance(s, int) or s < 0 or s > ind.max_cents]
        if bad or not scores:
            problems.append(f"{where}：评分应在 0 到 {cents_to_decimal(ind.max_cents)} 分之间")
            return 0, ""
        cents = combine_raters(scores, scheme.trim_from)
        if len(scores) == 1:
            return cents, "评分"
        trimmed = "去掉最高分和最低分后" if len(scores) >= scheme.trim_from else ""
        return cents, f"{len(scores)} 位评分人{trimmed}平均"
    if method in (Method.DEDUCTION, Method.PENALTY):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"{where}：次数应为不小于 0 的整数")
            return 0, ""
        taken = value * ind.per_occurrence_cents
        if method is Method.PENALTY:
            return taken, f"{value} 次 × {cents_to_decimal(ind.per_occurrence_cents)} 分"
        return max(
            ind.max_cents - taken, ind.floor_cents
        ), f"{value} 次，每次扣 {cents_to_decimal(ind.per_occurrence_cents)} 分"
    if method is Method.DERIVED:
        share = Decimal(1 if value else 0) if isinstance(value, bool) else Decimal(str(value))
        if not 0 <= share <= 1:
            problems.append(f"{where}：系统数据得分比例应在 0 到 1 之间")
            return 0, ""
        cents = int((share * ind.max_cents).to_integral_value(rounding="ROUND_HALF_UP"))
        return cents, f"系统数据（{ind.metric}）完成 {(share * 100).quantize(Decimal('0.1'))}%"
    if method in (Method.YESNO, Method.VETO):
        if not isinstance(value, bool):
            problems.append(f"{where}：应填“是”或“否”")
            return 0, ""
        if method is Method.VETO:
            return 0, "触发" if value else "未触发"
        return (ind.max_cents, "是") if value else (0, "否")
    if method is Method.BONUS:
        if isinstance(value, list | tuple):  # one figure, not raters' opinions: the latest entry stands
            value = value[-1]
        if not isinstance(value, int) or value < 0 or value > ind.max_cents:
            problems.append(f"{where}：加分应在 0 到 {cents_to_decimal(ind.max_cents)} 分之间")
            return 0, ""
        return value, "加分"
    raise AssertionError(method)
