"""Values the annual assessment derives from party records instead of asking a rater (assess/metrics.py registers
them by name): meetings held against required, by kind, and development activity. Each `compute` takes the whole
participant list (with `id` and its snapshot `path`), the cut-off and the year, and answers a share 0..1 per
participant in a few queries whatever their number; each `detail` lists, for one participant's explanation, the
records behind the share: which meetings were held, which months or quarters are missing.

A participant answers for the branches at and below it (a 党委 or 党总支 for its branches), as of the cut-off: a
meeting dated after it counts for nothing, and a period the cut-off falls in counts only the meetings held in it.
The count is as of the cut-off whatever the day of the run, so the same records give the same points: a run before
the cut-off (a provisional one in December) already counts December as due.

Which meetings are due is the rulebook's (`meeting.*`) as it stands for each branch; the rules are read once per
computation (`rulebook.book.current_book`, held by the assessment's `one_book()`), and each explanation line cites
the rule in force, naming the region whose override it is.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count as Rows
from django.db.models import Q

from dangjian.rulebook.book import current_book

from .choices import THREE_ONE, MeetingKind
from .completion import common_prefix, counts_for, slots_of, under
from .frequency import RULES, Count, RulesAt
from .models import Applicant, Meeting

NAMED_UNITS = 8  # branches named in one explanation line; the rest are counted
ACTIVISTS_WANTED = 2  # a branch trains two activists a year and develops one member (RULES-SOURCES §8, local)
ACTIVIST_WEIGHT, MEMBER_WEIGHT = Decimal("0.4"), Decimal("0.6")  # "none developed −3, none trained −2" of 5


@dataclass(frozen=True)
class RecordMetric:
    key: str
    label: str
    explain: str
    compute: Callable[[list, datetime.date, int], dict[int, Decimal]]
    detail: Callable[[object, datetime.date, int], list[str]]


def share(count: Count) -> Decimal:
    """Held ÷ required; a participant with nothing required yet has nothing missing."""
    return Decimal(1) if not count.need else Decimal(count.held) / Decimal(count.need)


def _meeting_compute(kinds):
    def compute(participants, cutoff, year):
        counts, _, _ = counts_for({p.id: p.path for p in participants}, kinds, year, cutoff, RulesAt(current_book()))
        return {pid: share(count) for pid, count in counts.items()}

    return compute


def _meeting_detail(kinds):
    def detail(participant, cutoff, year) -> list[str]:
        rules = RulesAt(current_book())
        _, units, held = counts_for({0: participant.path}, kinds, year, cutoff, rules)
        if not units:
            return ["本组织及下级没有党支部，无应开会议。"]
        single = len(units) == 1
        dates: dict[str, list[datetime.date]] = {}
        if single:
            rows = Meeting.objects.filter(
                org_id=units[0].org_id, kind__in=kinds, date__year=year, date__lte=cutoff
            ).order_by("date")
            for kind, day in rows.values_list("kind", "date"):
                dates.setdefault(kind, []).append(day)
        lines = [] if single else [f"下属党支部 {len(units)} 个，合计："]
        for kind, _, _ in RULES:
            if kind not in kinds:
                continue
            # Branches under different overrides are counted by different rules: one line per rule in force.
            by_rule: dict = {}
            for unit in units:
                rule = rules.at(unit).get(kind)
                if rule is not None:
                    by_rule.setdefault(rule, []).append(unit)
            for rule, ruled in by_rule.items():
                count, short = Count(), []
                for unit in ruled:
                    slots = slots_of(unit, rule, held, year, cutoff)
                    count.add(slots)
                    missing = [s.label for s in slots if s.missing]
                    if missing:
                        short.append("、".join(missing) if single else f"{unit.name}（{'、'.join(missing)}）")
                if not count.need and not count.held:
                    continue
                line = f"{rule.label}（{rule.text}）：应开 {count.need} 次，已开 {count.held} 次"
                if single and dates.get(kind):
                    line += "；召开日期 " + "、".join(f"{d:%m-%d}" for d in dates[kind])
                if short:
                    more = f"等 {len(short)} 个党支部" if len(short) > NAMED_UNITS else ""
                    line += "；缺 " + "；".join(short[:NAMED_UNITS]) + more
                lines.append(rule.cite(line))
        return lines

    return detail


def _development_rows(participants, cutoff, year):
    """Per organization path: people in cultivation during the year (activists and candidates, those admitted in
    the year included) and people admitted as probationary members in the year, both up to the cut-off."""
    start, last = datetime.date(year, 1, 1), min(cutoff, datetime.date(year, 12, 31))
    in_training = Q(activist_on__lte=last) & (Q(admitted_on__isnull=True) | Q(admitted_on__gte=start))
    admitted = Q(admitted_on__gte=start, admitted_on__lte=last)
    prefix = common_prefix(p.path for p in participants)
    return (
        under(Applicant.objects, prefix)
        .filter(in_training | admitted)
        .order_by()
        .values("org__path")
        .annotate(trained=Rows("id", filter=in_training), admitted=Rows("id", filter=admitted))
        .values_list("org__path", "trained", "admitted")
    )


def development_share(trained: int, admitted: int) -> Decimal:
    return ACTIVIST_WEIGHT * Decimal(min(trained, ACTIVISTS_WANTED)) / ACTIVISTS_WANTED + MEMBER_WEIGHT * min(
        admitted, 1
    )


def development_activity(participants, cutoff, year):
    if not participants:
        return {}
    by_path: dict[str, list[int]] = {}
    for p in participants:
        by_path.setdefault(p.path, []).append(p.id)
    totals = {p.id: [0, 0] for p in participants}
    for path, trained, admitted in _development_rows(participants, cutoff, year).iterator(chunk_size=10000):
        for k in range(9, len(path) + 1, 9):
            for pid in by_path.get(path[:k], ()):
                totals[pid][0] += trained
                totals[pid][1] += admitted
    return {pid: development_share(t, a) for pid, (t, a) in totals.items()}


def development_detail(participant, cutoff, year) -> list[str]:
    start, last = datetime.date(year, 1, 1), min(cutoff, datetime.date(year, 12, 31))
    people = list(
        Applicant.objects.in_subtree(participant.path)
        .filter(activist_on__lte=last)
        .filter(Q(admitted_on__isnull=True) | Q(admitted_on__gte=start))
        .order_by("activist_on", "id")
        .values_list("name", "activist_on", "admitted_on")
    )
    trained = [name for name, _, _ in people]
    admitted = [(name, day) for name, _, day in people if day is not None and start <= day <= last]
    lines = [
        f"本年度培养入党积极分子、发展对象 {len(trained)} 人"
        + (f"（{'、'.join(trained[:NAMED_UNITS])}{'等' if len(trained) > NAMED_UNITS else ''}）" if trained else ""),
        f"本年度接收预备党员 {len(admitted)} 人"
        + ("（" + "、".join(f"{n} {d:%m-%d}" for n, d in admitted[:NAMED_UNITS]) + "）" if admitted else ""),
        f"计分：培养 {min(len(trained), ACTIVISTS_WANTED)}/{ACTIVISTS_WANTED} 人占 40%，"
        f"发展 {min(len(admitted), 1)}/1 人占 60%（地方做法：每年培养 2 名积极分子、发展 1 名党员）",
    ]
    return lines


def _meeting_metric(key: str, kinds, label: str) -> RecordMetric:
    words = "、".join(MeetingKind(k).label for k in kinds)
    explain = f"{words}：截至考核截止日已开次数 ÷ 应开次数（按组织生活记录，频次按规则库中本地区适用的组织生活规则）"
    return RecordMetric(key, label, explain, _meeting_compute(kinds), _meeting_detail(kinds))


METRICS: tuple[RecordMetric, ...] = (
    _meeting_metric("meetings_three_one", THREE_ONE, "“三会一课”落实"),
    _meeting_metric("assembly_held", (MeetingKind.ASSEMBLY,), "支部党员大会按期召开"),
    _meeting_metric("committee_meeting_held", (MeetingKind.COMMITTEE,), "支委会按期召开"),
    _meeting_metric("group_meeting_held", (MeetingKind.GROUP,), "党小组会按期召开"),
    _meeting_metric("lecture_held", (MeetingKind.LECTURE,), "党课按期开展"),
    _meeting_metric("theme_day_held", (MeetingKind.THEME_DAY,), "主题党日按月开展"),
    _meeting_metric("life_meeting_held", (MeetingKind.LIFE,), "组织生活会按年召开"),
    _meeting_metric("review_held", (MeetingKind.REVIEW,), "民主评议党员按年开展"),
    _meeting_metric("life_review_held", (MeetingKind.LIFE, MeetingKind.REVIEW), "组织生活会和民主评议党员"),
    RecordMetric(
        "development_activity",
        "发展党员工作",
        "本年度培养入党积极分子、发展对象（2 人为满，占 40%）和接收预备党员（1 人为满，占 60%），按发展党员记录",
        development_activity,
        development_detail,
    ),
)
