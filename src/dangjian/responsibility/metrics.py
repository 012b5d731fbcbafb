"""`duty_completion`, the share of an organization's duty tasks done (assess/metrics.py registers it by name):
the tasks of the posts of the participant's own organization (its committee, its 党组 and 纪委 seats, its
members as a whole) due in the assessment year by the cut-off, and of those the ones done by the cut-off. An
organization with nothing due has nothing missing (1)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q

from .choices import TaskStatus
from .models import DutyTask

NAMED = 8  # undone duties named in one explanation; the rest are counted
KEY = "duty_completion"
LABEL = "责任清单履职完成率"
EXPLAIN = "“三层九岗”责任清单中本组织各岗位本年度截至考核截止日到期的任务里，截至该日已完成的比例（无到期任务的记为 1）"


def counts(org_ids, year: int, cutoff: datetime.date) -> dict[int, tuple[int, int]]:
    """(due, done) per organization id, as of the cut-off."""
    rows = (
        DutyTask.objects.filter(org_id__in=org_ids, year=year, due_on__lte=cutoff)
        .order_by()
        .values("org_id")
        .annotate(due=Count("id"), done=Count("id", filter=Q(status=TaskStatus.DONE, done_on__lte=cutoff)))
    )
    return {r["org_id"]: (r["due"], r["done"]) for r in rows}


def duty_completion(participants, cutoff: datetime.date, year: int, org_ids=None) -> dict[int, Decimal]:
    ids = org_ids if org_ids is not None else [p.org_id for p in participants if p.org_id]
    found = counts(ids, year, cutoff)
    out = {}
    for p in participants:
        due, done = found.get(p.org_id, (0, 0))
        out[p.id] = Decimal(done) / Decimal(due) if due else Decimal(1)
    return out


def duty_detail(participant, cutoff: datetime.date, year: int) -> list[str]:
    due, done = counts([participant.org_id], year, cutoff).get(participant.org_id, (0, 0))
    if not due:
        return ["本组织截至考核截止日没有到期的责任任务。"]
    undone = list(
        DutyTask.objects.filter(org_id=participant.org_id, year=year, due_on__lte=cutoff)
        .exclude(status=TaskStatus.DONE, done_on__lte=cutoff)
        .select_related("item")
        .order_by("due_on", "id")[: NAMED + 1]
    )
    lines = [f"到期任务 {due} 项，已完成 {done} 项"]
    if undone:
        named = "；".join(f"{t.item.holder_name}：{t.item.title}（{t.label}）" for t in undone[:NAMED])
        lines.append("未完成：" + named + ("等" if due - done > NAMED else ""))
    return lines
