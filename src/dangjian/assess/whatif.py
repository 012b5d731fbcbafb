"""What if: the assessment's own inputs run under a copy of its scheme with other weights, grade lines or weak
floors, beside the scheme as it is, to see the ranks and the weak list move. Nothing is saved: the copy lives in
memory for one page, the assessment, its scheme and its results stay as they are.

A weight is an indicator's points (满分). Changing it scales the whole indicator in proportion: what raters gave
(评分, 加分) and review adjustments, and for a deduction item the points per occurrence and the floor, each
rounded half up to a hundredth; shares (系统数据, 是否项, 群众满意度) fall on the new points by themselves. So "L01
from 10 to 20" means the same performance weighs twice as much, not that every rater's 8 of 10 becomes 8 of 20.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError

from . import engine
from .engine import DOMAIN_LABELS
from .models import Assessment
from .scheme import Method, Scheme, SchemeError, cents_to_decimal, percent_to_fraction, to_cents
from .services import RunInputs, run_inputs

# Indicators whose points may be changed: those with points of their own (a penalty has only points per time, a
# veto none).
WEIGHTED = (Method.GIVEN, Method.DEDUCTION, Method.DERIVED, Method.SURVEY, Method.YESNO, Method.BONUS)
SCALED_ENTRIES = (Method.GIVEN, Method.BONUS)  # entries in points, scaled with the indicator
MAX_POINTS_CENTS = 1000 * 100  # a what-if indicator is worth at most 1000 points (a typo, not a scheme)


@dataclass(frozen=True)
class Changes:
    """What the copy of the scheme changes: indicator code → points (centipoints); group key → the A, B, C lines
    (centipoints); domain → the weak floor (a share 0..1). Anything not named stays as the scheme has it."""

    points: Mapping[str, int] = field(default_factory=dict)
    lines: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    floors: Mapping[str, Decimal] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.points or self.lines or self.floors)


def scale(cents: int, old: int, new: int) -> int:
    """`cents` out of `old` as the same share of `new`, rounded half up to a whole centipoint."""
    return (2 * cents * new + old) // (2 * old)


def _scaled_value(value, old: int, new: int):
    if value.__class__ is int:
        return scale(value, old, new)
    if isinstance(value, list):
        return [scale(v, old, new) if v.__class__ is int else v for v in value]
    return value  # a bad value: the engine reports it, as it would in the real run


def variant(scheme: Scheme, changes: Changes) -> Scheme:
    """A copy of `scheme` with `changes` applied (the base total is no longer checked: weights may move it)."""

    def indicator(ind):
        new = changes.points.get(ind.code)
        if new is None or new == ind.max_cents or ind.method not in WEIGHTED or not ind.max_cents:
            return ind
        old = ind.max_cents
        extra = {}
        if ind.method is Method.DEDUCTION:
            extra = {"per_occurrence_cents": scale(ind.per_occurrence_cents, old, new),
                     "floor_cents": scale(ind.floor_cents, old, new)}  # fmt: skip
        return dataclasses.replace(ind, max_cents=new, **extra)

    groups = tuple(
        dataclasses.replace(
            group,
            indicators=tuple(map(indicator, group.indicators)),
            lines_cents=changes.lines.get(group.key, group.lines_cents),
        )
        for group in scheme.groups
    )
    return dataclasses.replace(scheme, groups=groups, weak_floors={**scheme.weak_floors, **changes.floors})


def rescaled(inputs: RunInputs, scheme: Scheme, changes: Changes) -> tuple[dict, dict]:
    """The rows and review adjustments with the points of re-weighted indicators scaled; copies where they change,
    the inputs themselves untouched."""
    olds = {}
    for group in scheme.groups:
        for ind in group.indicators:
            new = changes.points.get(ind.code)
            if new is not None and ind.max_cents and new != ind.max_cents and ind.method in WEIGHTED:
                olds[ind.code] = (ind.max_cents, new, ind.method)
    if not olds:
        return inputs.rows, inputs.overrides
    positions = {}  # group key → [(position, old, new)] of the entries to scale
    for group in scheme.groups:
        positions[group.key] = [
            (j, olds[ind.code][0], olds[ind.code][1])
            for j, ind in enumerate(group.indicators)
            if ind.code in olds and ind.method in SCALED_ENTRIES
        ]
    rows = dict(inputs.rows)
    for org in inputs.orgs:
        group = scheme.group_for(org.domain, org.level)
        row = rows.get(org.code)
        if group is None or row is None or not positions[group.key]:
            continue
        row = rows[org.code] = list(row)
        for j, old, new in positions[group.key]:
            if row[j] is not None:
                row[j] = _scaled_value(row[j], old, new)
    overrides = {
        key: ((scale(cents, olds[key[1]][0], olds[key[1]][1]), reason) if key[1] in olds else (cents, reason))
        for key, (cents, reason) in inputs.overrides.items()
    }
    return rows, overrides


def average_ranks(values: list[int]) -> list[Fraction]:
    """Ranks from the highest value down (1 = highest), ties sharing the mean of their places (1, 2.5, 2.5, 4)."""
    order = sorted(range(len(values)), key=lambda k: -values[k])
    ranks = [Fraction(0)] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        mean = Fraction(start + end + 2, 2)
        for k in order[start : end + 1]:
            ranks[k] = mean
        start = end + 1
    return ranks


def spearman(before: list[int], after: list[int]) -> float | None:
    """Spearman's rank correlation of two lists of totals: the Pearson correlation of their average ranks (ties
    allowed). None where it is not defined: fewer than two organizations, or all tied on one side."""
    n = len(before)
    if n < 2:
        return None
    x, y = average_ranks(before), average_ranks(after)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if not sxx or not syy:
        return None
    return float(sxy) / math.sqrt(float(sxx * syy))


@dataclass
class Side:
    total: Decimal
    rank: int
    grade: str
    weak: bool


@dataclass
class Row:
    code: str
    name: str
    group: str
    now: Side
    then: Side

    @property
    def group_label(self) -> str:
        return group_label(self.group)

    @property
    def moved(self) -> int:
        """Places gained (positive) or lost (negative) under the changed scheme."""
        return self.now.rank - self.then.rank


@dataclass
class GroupLine:
    key: str
    organizations: int
    correlation: float | None
    moved: int  # organizations whose rank changed

    @property
    def label(self) -> str:
        return group_label(self.key)

    @property
    def correlation_text(self) -> str:
        return "—（不足两个组织或全部同分）" if self.correlation is None else f"{self.correlation:.3f}"


@dataclass
class Comparison:
    rows: list[Row]  # by group, then the changed scheme's rank, then code
    groups: list[GroupLine]
    weak_now: int
    weak_then: int
    joined: list[Row]  # weak under the changed scheme only
    left: list[Row]  # weak under the scheme as it is only
    quotas_now: list[engine.QuotaLine]
    quotas_then: list[engine.QuotaLine]

    @property
    def weak_changed(self) -> int:
        return len(self.joined) + len(self.left)


def _side(result: engine.OrgResult) -> Side:
    return Side(cents_to_decimal(result.total_cents), result.rank, result.grade, result.weak)


def compare_outcomes(now: engine.RunResult, then: engine.RunResult) -> Comparison:
    """The two runs organization by organization, the weak lists' differences and a rank correlation per group."""
    after = then.by_code()
    rows = [Row(r.org.code, r.org.name, r.group, _side(r), _side(after[r.org.code])) for r in now.results]
    rows.sort(key=lambda row: (row.group, row.then.rank, row.code))
    by_group: dict[str, list[Row]] = {}
    for row in rows:
        by_group.setdefault(row.group, []).append(row)
    totals = {r.org.code: (r.total_cents, after[r.org.code].total_cents) for r in now.results}
    groups = []
    for key in sorted(by_group, key=group_order):
        members = by_group[key]
        pairs = [totals[row.code] for row in members]
        groups.append(
            GroupLine(
                key,
                len(members),
                spearman([a for a, _ in pairs], [b for _, b in pairs]),
                sum(1 for row in members if row.moved),
            )
        )
    return Comparison(
        rows=rows,
        groups=groups,
        weak_now=sum(1 for row in rows if row.now.weak),
        weak_then=sum(1 for row in rows if row.then.weak),
        joined=[row for row in rows if row.then.weak and not row.now.weak],
        left=[row for row in rows if row.now.weak and not row.then.weak],
        quotas_now=now.quotas,
        quotas_then=then.quotas,
    )


def what_if(assessment: Assessment, changes: Changes) -> Comparison:
    """Run the assessment's inputs (as a run reads them: the facts as of the cut-off once taken) under its scheme
    and under the changed copy, and compare. Reads only; raises ValidationError where the inputs cannot be run."""
    scheme = assessment.scheme.parsed()
    inputs = run_inputs(assessment, scheme)
    changed = variant(scheme, changes)
    rows, overrides = rescaled(inputs, scheme, changes)
    try:
        now = engine.run_rows(scheme, *inputs.engine_args)
        then = engine.run_rows(changed, inputs.orgs, rows, inputs.surveys, overrides)
    except engine.EntryError as exc:
        raise ValidationError(exc.problems) from None
    return compare_outcomes(now, then)


def parse_changes(scheme: Scheme, data: Mapping[str, str]) -> tuple[Changes, list[str]]:
    """The what-if form's fields (`w-<indicator code>` points, `a-`/`b-`/`c-<group key>` grade lines,
    `f-<domain>` floor in percent) as `Changes`, and every bad value in Chinese. Blank or unchanged fields change
    nothing."""
    errors: list[str] = []
    points: dict[str, int] = {}
    for ind in weighted_indicators(scheme):
        text = (data.get(f"w-{ind.code}") or "").strip()
        if not text:
            continue
        try:
            cents = to_cents(text, f"「{ind.code} {ind.name}」的分值")
        except SchemeError as exc:
            errors.append(str(exc))
            continue
        if not 0 < cents <= MAX_POINTS_CENTS:
            errors.append(f"「{ind.code} {ind.name}」的分值应大于 0、不超过 {MAX_POINTS_CENTS // 100} 分（“{text}”）")
        elif cents != ind.max_cents:
            points[ind.code] = cents
    lines: dict[str, tuple[int, int, int]] = {}
    for group in scheme.groups:
        label = group_label(group.key)
        got = []
        for letter, current in zip("abc", group.lines_cents, strict=True):
            text = (data.get(f"{letter}-{group.key}") or "").strip()
            if not text:
                got.append(current)
                continue
            try:
                got.append(to_cents(text, f"{label}的 {letter.upper()} 等次线"))
            except SchemeError as exc:
                errors.append(str(exc))
                got.append(current)
        a, b, c = got
        if not a >= b >= c >= 0:
            errors.append(f"{label}的等次线应为 A ≥ B ≥ C ≥ 0（现为 A {_pts(a)}、B {_pts(b)}、C {_pts(c)}）")
        elif (a, b, c) != group.lines_cents:
            lines[group.key] = (a, b, c)
    floors: dict[str, Decimal] = {}
    for domain in floor_domains(scheme):
        text = (data.get(f"f-{domain}") or "").strip().rstrip("%")
        if not text:
            continue
        try:
            share = percent_to_fraction(f"{text}%", f"{DOMAIN_LABELS.get(domain, domain)}的软弱涣散比例")
        except SchemeError as exc:
            errors.append(str(exc))
            continue
        if share != scheme.weak_floors.get(domain, Decimal(0)):
            floors[domain] = share
    return Changes(points, lines, floors), errors


def _pts(cents: int) -> str:
    return f"{cents_to_decimal(cents).normalize():f}"


def weighted_indicators(scheme: Scheme) -> list:
    """Each indicator whose points may be changed, once (a code shared by several groups means the same thing)."""
    seen, out = set(), []
    for group in scheme.groups:
        for ind in group.indicators:
            if ind.code not in seen and ind.method in WEIGHTED and ind.max_cents:
                seen.add(ind.code)
                out.append(ind)
    return out


def floor_domains(scheme: Scheme) -> list[str]:
    """The domains the scheme assesses or sets a floor for, in the usual order."""
    domains = {group.domain for group in scheme.groups} | set(scheme.weak_floors)
    order = list(DOMAIN_LABELS)
    return sorted(domains, key=lambda d: (order.index(d) if d in order else len(order), d))


def group_order(key: str) -> tuple[int, str]:
    """Groups in the usual order of the domains (农村, 社区, 机关, ...), levels after their domain."""
    domain, order = key.partition(":")[0], list(DOMAIN_LABELS)
    return (order.index(domain) if domain in order else len(order), key)


def group_label(key: str) -> str:
    domain, _, level = key.partition(":")
    return DOMAIN_LABELS.get(domain, domain) + (f"（{level}）" if level else "")
