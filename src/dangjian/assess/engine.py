"""The assessment run: from a scheme and the entered values to totals, ranks, grades and the weak list.

Pure computation, no database: the same scheme and entries always give the same results and the same digest, so a
published result can be checked by running it again. All points are integer hundredths (see scheme.py).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .scheme import GRADES, PROBLEMS, Group, Indicator, Method, Scheme, cents_to_decimal, quota

DOMAIN_LABELS = {
    "village": "农村",
    "community": "社区",
    "agency": "机关",
    "institution": "事业单位",
    "state_enterprise": "国有企业",
    "non_public": "非公企业及社会组织",
}


class EntryError(ValueError):
    """Entered values that cannot be assessed. `problems` lists every one, in Chinese."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems[:20]) + (f"；等共 {len(problems)} 处" if len(problems) > 20 else ""))


@dataclass(frozen=True)
class OrgEntry:
    code: str
    name: str
    domain: str
    level: str = ""
    parent_code: str = ""
    second_tier: bool = False  # a branch under a general branch or committee below the town: its parent answers too
    weak_last_year: bool = False
    flags: frozenset[str] = frozenset()  # problem areas found in the records (committee incomplete, ...)


@dataclass(frozen=True)
class Survey:
    satisfied: int = 0
    fair: int = 0  # 基本满意: counted as satisfied for the points, not as dissatisfied
    dissatisfied: int = 0

    @property
    def answers(self) -> int:
        return self.satisfied + self.fair + self.dissatisfied


@dataclass
class Line:
    indicator: Indicator
    cents: int
    source: str  # how the points came about, in words


@dataclass
class OrgResult:
    org: OrgEntry
    group: str
    base_cents: int = 0
    bonus_cents: int = 0
    penalty_cents: int = 0
    total_cents: int = 0
    lines: list[Line] = field(default_factory=list)
    rank: int = 0  # 1 = highest in its group; ties share a rank
    reverse_rank: int = 0  # 1 = lowest in its group (倒序名次)
    grade: str = ""
    grade_reasons: list[str] = field(default_factory=list)
    weak: bool = False
    weak_reasons: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    consequences: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return cents_to_decimal(self.total_cents)


@dataclass
class QuotaLine:
    domain: str
    organizations: int
    share: Decimal
    floor: int
    grade_d: int
    weak: int

    @property
    def text(self) -> str:
        """The arithmetic as the bulletin shows it: "农村 40 个 × 15% = 6"."""
        label = DOMAIN_LABELS.get(self.domain, self.domain)
        percent = (self.share * 100).normalize()
        return f"{label} {self.organizations} 个 × {percent:f}% = {self.floor}"


@dataclass
class RunResult:
    results: list[OrgResult]
    quotas: list[QuotaLine]
    digest: str

    def by_code(self) -> dict[str, OrgResult]:
        return {r.org.code: r for r in self.results}


def combine_raters(scores: list[int], trim_from: int) -> int:
    """Several raters' points as one: the mean, dropping the highest and lowest from `trim_from` raters up."""
    ordered = sorted(scores)
    if len(ordered) >= trim_from:
        ordered = ordered[1:-1]
    total = sum(ordered)
    # Round half up in hundredths, in integers: (2·sum + n) // (2·n).
    return (2 * total + len(ordered)) // (2 * len(ordered))


def _score_line(
    ind: Indicator, value, survey: Survey | None, scheme: Scheme, where: str, problems: list[str]
) -> tuple[int, str]:
    """Points of one indicator for one organization and the words saying where they came from."""
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


def _grade(group: Group, total: int) -> str:
    a, b, c = group.lines_cents
    return "A" if total >= a else "B" if total >= b else "C" if total >= c else "D"


def _competition_ranks(items: list[OrgResult], key):
    """Yield (result, rank) in `key` order with 1, 2, 2, 4 ranking: equal totals share a rank."""
    previous, rank = None, 0
    for position, result in enumerate(sorted(items, key=key), start=1):
        if result.total_cents != previous:
            rank, previous = position, result.total_cents
        yield result, rank


def run(
    scheme: Scheme,
    orgs: Iterable[OrgEntry],
    values: Mapping[tuple[str, str], object],
    surveys: Mapping[str, Survey] | None = None,
    overrides: Mapping[tuple[str, str], tuple[int, str]] | None = None,
) -> RunResult:
    """Assess every organization. `values[(org_code, indicator_code)]` holds what was entered for that indicator:
    a list of raters' centipoints (given), a count of occurrences (deduction, penalty), a share 0..1 or a bool
    (derived), a bool (yes/no, veto) or centipoints (bonus). `overrides[(org_code, indicator_code)]` =
    (centipoints, reason) replaces an indicator's points after review (复核调整). Raises EntryError listing every
    bad value."""
    surveys = surveys or {}
    overrides = overrides or {}
    problems: list[str] = []
    results: list[OrgResult] = []
    seen: set[str] = set()
    for org in orgs:
        if org.code in seen:
            problems.append(f"组织编码 {org.code} 重复")
            continue
        seen.add(org.code)
        group = scheme.group_for(org.domain, org.level)
        if group is None:
            problems.append(f"{org.code} {org.name}：方案中没有“{DOMAIN_LABELS.get(org.domain, org.domain)}”的指标")
            continue
        results.append(_assess_one(scheme, group, org, values, surveys.get(org.code), overrides, problems))
    if problems:
        raise EntryError(problems)
    _rank(results)
    quotas = _choose_weak(scheme, results)
    for result in results:
        _consequences(result)
    results.sort(key=lambda r: (r.group, r.rank, r.org.code))
    return RunResult(results=results, quotas=quotas, digest=_digest(scheme, results))


def _assess_one(scheme, group, org, values, survey, overrides, problems) -> OrgResult:
    result = OrgResult(org=org, group=group.key)
    area_got: dict[str, int] = defaultdict(int)
    area_max: dict[str, int] = defaultdict(int)
    for ind in group.indicators:
        where = f"{org.code} {org.name}「{ind.name}」"
        cents, source = _score_line(ind, values.get((org.code, ind.code)), survey, scheme, where, problems)
        if (org.code, ind.code) in overrides:
            adjusted, reason = overrides[(org.code, ind.code)]
            if not 0 <= adjusted <= max(ind.max_cents, ind.per_occurrence_cents * 100):
                problems.append(f"{where}：复核调整分值超出范围")
            source = f"复核调整：{cents_to_decimal(cents)} → {cents_to_decimal(adjusted)} 分（{reason}）"
            cents = adjusted
        result.lines.append(Line(ind, cents, source))
        if ind.method is Method.BONUS:
            result.bonus_cents += cents
        elif ind.method is Method.PENALTY:
            result.penalty_cents += cents
        elif ind.method is Method.VETO:
            if values.get((org.code, ind.code)) is True:
                result.grade_reasons.append(f"一票否决：{ind.name}")
        else:
            result.base_cents += cents
            if ind.problem:
                area_got[ind.problem] += cents
                area_max[ind.problem] += ind.max_cents
    if scheme.bonus_cap_cents:
        result.bonus_cents = min(result.bonus_cents, scheme.bonus_cap_cents)
    if scheme.penalty_cap_cents:
        result.penalty_cents = min(result.penalty_cents, scheme.penalty_cap_cents)
    result.total_cents = max(result.base_cents + result.bonus_cents - result.penalty_cents, 0)
    result.grade = _grade(group, result.total_cents)
    if scheme.survey_fail_share is not None and survey is not None and survey.answers:
        if Decimal(survey.dissatisfied) / survey.answers > scheme.survey_fail_share:
            share = (scheme.survey_fail_share * 100).normalize()
            result.grade_reasons.append(f"群众不满意超过 {share:f}%（{survey.dissatisfied}/{survey.answers}）")
    if result.grade_reasons:
        result.grade = "D"
    flagged = set(org.flags)
    flagged |= {area for area, top in area_max.items() if top and area_got[area] < scheme.problem_share * top}
    result.problems = [PROBLEMS[key] for key in PROBLEMS if key in flagged]
    return result


def _rank(results: list[OrgResult]) -> None:
    groups: dict[str, list[OrgResult]] = defaultdict(list)
    for result in results:
        groups[result.group].append(result)
    for members in groups.values():
        for result, rank in _competition_ranks(members, key=lambda r: (-r.total_cents, r.org.code)):
            result.rank = rank
        for result, rank in _competition_ranks(members, key=lambda r: (r.total_cents, r.org.code)):
            result.reverse_rank = rank


def _choose_weak(scheme: Scheme, results: list[OrgResult]) -> list[QuotaLine]:
    """Every D is weak; then, per domain, the lowest totals up to the floor, ties at the cut by the tie rule."""
    by_domain: dict[str, list[OrgResult]] = defaultdict(list)
    for result in results:
        by_domain[result.org.domain].append(result)
        if result.grade == "D":
            result.weak = True
            why = "；".join(result.grade_reasons) if result.grade_reasons else "总分低于 C 等次线"
            result.weak_reasons.append(f"等次为 D（{why}）")
    lines = []
    order = list(DOMAIN_LABELS)
    domains = set(by_domain) | set(scheme.weak_floors)
    for domain in sorted(domains, key=lambda d: (order.index(d) if d in order else len(order), d)):
        members = by_domain.get(domain, [])
        share = scheme.weak_floors.get(domain, Decimal(0))
        floor = quota(len(members), share)
        grade_d = sum(1 for r in members if r.grade == "D")
        line = QuotaLine(domain, len(members), share, floor, grade_d, grade_d)
        missing = floor - grade_d
        if missing > 0:
            rest = sorted((r for r in members if not r.weak), key=lambda r: (r.total_cents, r.org.code))
            chosen = rest[:missing]
            if scheme.tie_rule == "include" and chosen:
                cut = chosen[-1].total_cents
                chosen = [r for r in rest if r.total_cents <= cut]
            for result in chosen:
                result.weak = True
                tie = (
                    "（与比例线并列）" if result.total_cents == chosen[-1].total_cents and len(chosen) > missing else ""
                )
                result.weak_reasons.append(f"倒排进入比例线：{line.text}{tie}")
        line.weak = sum(1 for r in members if r.weak)
        if members or share:
            lines.append(line)
    return lines


def _consequences(result: OrgResult) -> None:
    if not (result.weak and result.org.weak_last_year):
        return
    result.consequences.append("连续两年被列为软弱涣散基层党组织：撤换党组织书记")
    if result.org.second_tier and result.org.parent_code:
        result.consequences.append(f"二级党支部连续两年软弱涣散：同时撤换上级党组织（{result.org.parent_code}）书记")


def _digest(scheme: Scheme, results: list[OrgResult]) -> str:
    """A fingerprint of the inputs that mattered and of the outcome: same inputs, same digest."""
    h = hashlib.sha256()
    h.update(f"{scheme.year}|{scheme.name}|{scheme.tie_rule}|{sorted(scheme.weak_floors.items())}".encode())
    for r in sorted(results, key=lambda r: r.org.code):
        row = [r.org.code, r.group, [(ln.indicator.code, ln.cents) for ln in r.lines], r.bonus_cents]
        row += [r.penalty_cents, r.total_cents, r.rank, r.reverse_rank, r.grade, r.weak, r.weak_reasons]
        h.update(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode())
    return h.hexdigest()


__all__ = ["EntryError", "GRADES", "OrgEntry", "OrgResult", "QuotaLine", "RunResult", "Survey", "run"]
