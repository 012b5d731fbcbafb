"""The assessment run: from a scheme and the entered values to totals, ranks, grades and the weak list.

Pure computation, no database: the same scheme and entries always give the same results and the same digest, so a
published result can be checked by running it again. All points are integer hundredths (see scheme.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, repeat
from operator import attrgetter
from typing import NamedTuple

from .fast import score_column
from .scheme import GRADES, PROBLEMS, Group, Indicator, Method, Scheme, cents_to_decimal, quota
from .scoring import score_line

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


class OrgEntry(NamedTuple):
    """An organization as the engine takes it (a named tuple: a province makes 300,000 of them)."""

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


@dataclass(slots=True)
class OrgResult:
    org: OrgEntry
    group: str
    base_cents: int = 0
    bonus_cents: int = 0
    penalty_cents: int = 0
    total_cents: int = 0
    lines: list[Line] = field(default_factory=list)  # in words; filled only when the run is asked for them
    cents: tuple[int, ...] = ()  # points per indicator, in the order of the group's indicators
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


def run(
    scheme: Scheme,
    orgs: Iterable[OrgEntry],
    values: Mapping[tuple[str, str], object],
    surveys: Mapping[str, Survey] | None = None,
    overrides: Mapping[tuple[str, str], tuple[int, str]] | None = None,
    *,
    with_lines: bool = True,
) -> RunResult:
    """Assess every organization. `values[(org_code, indicator_code)]` holds what was entered for that indicator:
    a list of raters' centipoints (given), a count of occurrences (deduction, penalty), a share 0..1 or a bool
    (derived), a bool (yes/no, veto) or centipoints (bonus). `overrides[(org_code, indicator_code)]` =
    (centipoints, reason) replaces an indicator's points after review (复核调整). Raises EntryError listing every
    bad value. Each result carries its points per indicator (`cents`) and, `with_lines`, its lines in words."""

    orgs = list(orgs)
    rows = {}
    for org in orgs:
        group = scheme.group_for(org.domain, org.level)
        if group is not None:
            rows[org.code] = [values.get((org.code, ind.code)) for ind in group.indicators]
    return _run(scheme, orgs, rows, surveys or {}, overrides or {}, with_lines)


def run_rows(
    scheme: Scheme,
    orgs: Iterable[OrgEntry],
    rows: Mapping[str, list],
    surveys: Mapping[str, Survey] | None = None,
    overrides: Mapping[tuple[str, str], tuple[int, str]] | None = None,
    *,
    with_lines: bool = False,
) -> RunResult:
    """`run` with the values already laid out per organization: `rows[org_code]` lists what was entered in the
    order of its group's indicators (None where nothing was), as a province-sized run reads them."""
    return _run(scheme, orgs, rows, surveys or {}, overrides or {}, with_lines)


def _run(scheme, orgs, rows, surveys, overrides, with_lines) -> RunResult:
    problems: list[tuple[int, int, str]] = []  # (organization's place, indicator's place, text): reported in order
    members: dict[str, Members] = {}
    group_of: dict[tuple[str, str], Group | None] = {}
    seen: set[str] = set()
    for place, org in enumerate(orgs):
        code = org.code
        if code in seen:
            problems.append((place, -1, f"组织编码 {code} 重复"))
            continue
        seen.add(code)
        key = (org.domain, org.level)
        group = group_of[key] if key in group_of else group_of.setdefault(key, scheme.group_for(*key))
        if group is None:
            label = DOMAIN_LABELS.get(org.domain, org.domain)
            problems.append((place, -1, f"{code} {org.name}：方案中没有“{label}”的指标"))
            continue
        them = members.get(group.key)
        if them is None:
            them = members[group.key] = Members(group)
        them.places.append(place)
        them.orgs.append(org)
        them.rows.append(rows.get(code))
    results: list[OrgResult] = []
    for them in members.values():
        results += _assess_group(scheme, them, surveys, overrides, with_lines, problems)
    if problems:
        raise EntryError([text for _, _, text in sorted(problems, key=lambda p: (p[0], p[1]))])
    groups = {key: them.group for key, them in members.items()}
    quotas = _choose_weak(scheme, results)
    for result in results:
        if result.weak and result.org.weak_last_year:
            _consequences(result)
    results.sort(key=attrgetter("org.code"))  # the digest's order, and ties in rank by code below (a stable sort)
    digest = _digest(scheme, groups, results)
    results.sort(key=attrgetter("group", "rank"))
    return RunResult(results=results, quotas=quotas, digest=digest)


@dataclass
class Members:
    """The organizations of one group, in input order: their places in the input, themselves, their values."""

    group: Group
    places: list[int] = field(default_factory=list)
    orgs: list[OrgEntry] = field(default_factory=list)
    rows: list[list | None] = field(default_factory=list)


def _assess_group(scheme, them: Members, surveys, overrides, with_lines, problems) -> list[OrgResult]:
    """Every organization of one group, indicator by indicator: points as columns, then totals per organization.
    Only the organizations that need more (a veto, a survey, a problem area, the lines) are visited one by one."""
    group, orgs, rows = them.group, them.orgs, them.rows
    indicators = group.indicators
    count, width = len(orgs), len(indicators)
    empty = (None,) * width
    values = list(zip(*(row or empty for row in rows), strict=True)) if count else [()] * width
    columns = [score_column(scheme, ind, j, values[j], them, surveys, problems) for j, ind in enumerate(indicators)]
    adjusted: dict[int, dict[int, tuple[int, str]]] = defaultdict(dict)  # row → indicator → (points before, reason)
    place_of = {org.code: k for k, org in enumerate(orgs)} if overrides or surveys else {}
    if overrides:
        position = {ind.code: j for j, ind in enumerate(indicators)}
        for (code, ind_code), (cents, reason) in overrides.items():
            k, j = place_of.get(code), position.get(ind_code)
            if k is None or j is None:
                continue
            ind = indicators[j]
            if not 0 <= cents <= max(ind.max_cents, ind.per_occurrence_cents * 100):
                problems.append(
                    (them.places[k], j, f"{orgs[k].code} {orgs[k].name}「{ind.name}」：复核调整分值超出范围")
                )
            adjusted[k][j] = (columns[j][k], reason)
            columns[j][k] = cents
    zeros = [0] * count

    def sums(kept: list[int]) -> list[int]:
        return list(map(sum, zip(*(columns[j] for j in kept), strict=True))) if kept else zeros

    base = sums([j for j, ind in enumerate(indicators) if ind.counts_in_base])
    bonus = sums([j for j, ind in enumerate(indicators) if ind.method is Method.BONUS])
    penalty = sums([j for j, ind in enumerate(indicators) if ind.method is Method.PENALTY])
    if scheme.bonus_cap_cents:
        bonus = [min(b, scheme.bonus_cap_cents) for b in bonus]
    if scheme.penalty_cap_cents:
        penalty = [min(p, scheme.penalty_cap_cents) for p in penalty]
    if bonus is zeros and penalty is zeros:
        totals = base  # base points are never negative
    else:
        totals = [max(t + b - p, 0) for t, b, p in zip(base, bonus, penalty, strict=True)]
    a, b, c = group.lines_cents
    grades = ["A" if t >= a else "B" if t >= b else "C" if t >= c else "D" for t in totals]
    points = list(zip(*columns, strict=True)) if columns else [()] * count
    key = group.key
    results = [
        OrgResult(org, key, b, bo, pe, t, [], pts, grade=g)
        for org, b, bo, pe, t, pts, g in zip(orgs, base, bonus, penalty, totals, points, grades, strict=True)
    ]
    _rank_group(results, totals)
    for j, ind in enumerate(indicators):
        if ind.method is Method.VETO:
            for k in (k for k, v in enumerate(values[j]) if v is True):
                results[k].grade_reasons.append(f"一票否决：{ind.name}")
                results[k].grade = "D"
    if scheme.survey_fail_share is not None:
        share = (scheme.survey_fail_share * 100).normalize()
        for code, survey in surveys.items():
            k = place_of.get(code)
            if (
                k is not None
                and survey.answers
                and Decimal(survey.dissatisfied) / survey.answers > scheme.survey_fail_share
            ):
                results[k].grade_reasons.append(f"群众不满意超过 {share:f}%（{survey.dissatisfied}/{survey.answers}）")
                results[k].grade = "D"
    _problem_areas(scheme, indicators, results, sums)
    if with_lines:
        for k, (result, row) in enumerate(zip(results, rows, strict=True)):
            survey = surveys.get(result.org.code)
            result.lines = _lines(scheme, group, result.org, row, survey, points[k], adjusted.get(k, {}))
    return results


def _problem_areas(scheme, indicators, results: list[OrgResult], sums) -> None:
    """The problem areas of each organization: those its records show, and those scoring below their share."""
    lows = []
    for area in PROBLEMS:
        kept = [j for j, ind in enumerate(indicators) if ind.counts_in_base and ind.problem == area]
        top = sum(indicators[j].max_cents for j in kept)
        if top:
            line = math.ceil(scheme.problem_share * top)  # whole centipoints: below the share ⟺ below its ceiling
            lows.append([(area,) if got < line else () for got in sums(kept)])
    low_areas = list(map(sum, zip(*lows, strict=True), repeat(()))) if lows else repeat(())
    texts: dict[frozenset, list[str]] = {}
    for result, low in zip(results, low_areas, strict=False):
        if not (low or result.org.flags):
            continue
        flagged = result.org.flags.union(low)
        shown = texts.get(flagged)
        if shown is None:
            shown = texts[flagged] = [PROBLEMS[key] for key in PROBLEMS if key in flagged]
        result.problems = list(shown)


def _lines(scheme, group: Group, org: OrgEntry, row, survey, points, adjusted) -> list[Line]:
    """The lines of one organization in words: where each indicator's points came from."""
    lines = []
    for j, ind in enumerate(group.indicators):
        value = row[j] if row is not None else None
        cents, source = score_line(ind, value, survey if ind.method is Method.SURVEY else None, scheme, "", [])
        if j in adjusted:
            before, reason = adjusted[j]
            source = f"复核调整：{cents_to_decimal(before)} → {cents_to_decimal(points[j])} 分（{reason}）"
        lines.append(Line(ind, points[j], source))
    return lines


def _rank_group(results: list[OrgResult], totals: list[int]) -> None:
    """Competition ranks (1, 2, 2, 4) both ways: one more than the organizations with a higher (lower) total."""
    above: dict[int, int] = {}
    seen = 0
    counts = Counter(totals)
    for total in sorted(counts, reverse=True):
        above[total] = seen
        seen += counts[total]
    count = len(totals)
    for result, total in zip(results, totals, strict=True):
        result.rank = above[total] + 1
        result.reverse_rank = count - above[total] - counts[total] + 1


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
            rest = [r for r in members if not r.weak]
            # The total at the cut, found on the totals alone; only the organizations at or below it are sorted.
            cut = sorted(r.total_cents for r in rest)[min(missing, len(rest)) - 1] if rest else None
            below = sorted((r for r in rest if r.total_cents <= cut), key=attrgetter("total_cents", "org.code"))
            chosen = below if scheme.tie_rule == "include" else below[:missing]
            tied = len(chosen) > missing
            for result in chosen:
                result.weak = True
                tie = "（与比例线并列）" if tied and result.total_cents == cut else ""
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


def _digest(scheme: Scheme, groups: dict[str, Group], results: list[OrgResult]) -> str:
    """A fingerprint of the inputs that mattered and of the outcome: same inputs, same digest.

    `results` come sorted by organization code. Each field goes in as one piece for all organizations (JSON for
    text, fixed-width integers for numbers), so a province is hashed by C loops, not one serialization per row;
    each group's indicator codes come once, and each organization's points follow in that order."""
    dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    h = hashlib.sha256()
    h.update(f"{scheme.year}|{scheme.name}|{scheme.tie_rule}|{sorted(scheme.weak_floors.items())}".encode())
    h.update(dumps({key: [ind.code for ind in group.indicators] for key, group in sorted(groups.items())}).encode())
    for field_name in ("org.code", "group", "grade", "weak", "weak_reasons"):
        h.update(dumps(list(map(attrgetter(field_name), results))).encode())
    for field_name in ("bonus_cents", "penalty_cents", "total_cents", "rank", "reverse_rank"):
        h.update(array("q", map(attrgetter(field_name), results)).tobytes())
    h.update(array("q", chain.from_iterable(map(attrgetter("cents"), results))).tobytes())
    return h.hexdigest()


__all__ = ["EntryError", "GRADES", "OrgEntry", "OrgResult", "QuotaLine", "RunResult", "Survey", "run", "run_rows"]
