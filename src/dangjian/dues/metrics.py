"""Values the annual assessment derives from dues records (assess/metrics.py registers them by name).

`dues_on_time`: of the member-months a participant's members owed in the year up to the cut-off (ended months with
a base on record and an amount due; exempted months and months before joining are not owed), the share paid by the
end of the month owed. A participant answers for the members of its whole subtree; payments dated after the cut-off
count for nothing, so a run read later gives the same value. Nothing owed gives 1 (nothing is missing).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from dangjian.members.models import Member

from . import sums
from .ledger import Totals, year_months
from .rules import yuan
from .sums import PATH_STEP

SOURCE = "党费收缴记录"
NAMED = 8  # members named in one explanation line; the rest are counted


@dataclass(frozen=True)
class RecordMetric:
    key: str
    label: str
    explain: str
    compute: Callable[[list, datetime.date, int], dict[int, Decimal]]
    detail: Callable[[object, datetime.date, int], list[str]]
    source: str = SOURCE


def common_prefix(paths: Iterable[str]) -> str:
    """The longest organization path every one of `paths` lies under ("" for none in common)."""
    paths = list(paths)
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[: n - n % PATH_STEP]


def _members(prefix: str):
    return Member.objects.in_subtree(prefix) if prefix else Member.objects.all()


def share(totals: Totals) -> Decimal:
    return Decimal(1) if not totals.due_months else Decimal(totals.on_time_months) / Decimal(totals.due_months)


def dues_on_time(participants, cutoff: datetime.date, year: int) -> dict[int, Decimal]:
    """Each participant's share, from the year's member-months summed per organization path in the database
    (`sums.totals`) and added up the tree here, a few rows per organization whatever the number of members."""
    if not participants:
        return {}
    by_path: dict[str, list[int]] = {}
    for p in participants:
        by_path.setdefault(p.path, []).append(p.id)
    totals = {p.id: Totals() for p in participants}
    members = _members(common_prefix(p.path for p in participants))
    for (path,), mine in sums.totals(members, year_months(year), cutoff, by=("org",)).items():
        for k in range(PATH_STEP, len(path) + 1, PATH_STEP):
            for pid in by_path.get(path[:k], ()):
                totals[pid].merge(mine)
    return {pid: share(t) for pid, t in totals.items()}


def dues_detail(participant, cutoff: datetime.date, year: int) -> list[str]:
    members = _members(participant.path)
    months = year_months(year)
    total = sums.totals(members, months, cutoff).get((), Totals())
    short = sums.masks(members, months, cutoff, "short")
    names = dict(Member.objects.filter(pk__in=[pk for pk, _, _ in short[:NAMED]]).values_list("pk", "name"))
    lines = [
        f"{year} 年截至 {cutoff:%Y-%m-%d}：应缴 {total.due_months} 人月，当月按时缴纳 {total.on_time_months} 人月，"
        f"补缴 {total.paid_months - total.on_time_months} 人月，未缴 {total.unpaid_months} 人月；"
        f"应缴 {yuan(total.due_fen)} 元，实缴 {yuan(total.paid_fen)} 元",
    ]
    if total.no_base_months:
        lines.append(f"未核定基数 {total.no_base_months} 人月，不计入")
    if short:
        named = [
            f"{names.get(pk, '')}（{'、'.join(f'{i + 1}月' for i in range(12) if mask >> i & 1)}）"
            for pk, _, mask in short[:NAMED]
        ]
        more = f"等 {len(short)} 人" if len(short) > NAMED else ""
        lines.append("未按时缴纳：" + "；".join(named) + more)
    return lines


METRICS: tuple[RecordMetric, ...] = (
    RecordMetric(
        "dues_on_time",
        "按时足额交纳党费",
        "截至考核截止日，应缴党费人月中当月按时缴纳的比例（按党费收缴记录；免缴月份和未核定基数的月份不计）",
        dues_on_time,
        dues_detail,
    ),
)
