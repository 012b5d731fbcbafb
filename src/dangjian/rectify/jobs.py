"""The rectification's cadence [004]: 每周一提示 (weekly reminder), 每季一通报 (quarterly bulletin), and the
escalation of overdue measures one level up the tree after each grace period. 每月一抽查 (the monthly spot-check) is a
provable random draw of the inspections app (inspections/jobs.py).
They run through `dangjian.cadence.jobs`, handed them by `dangjian.flows.schedule.JOBS` (names, periods, titles).

Each job acts as of its period's first day (`Context.today`), so a caught-up period does what it would have done
on time; notification keys name the job, the period and the object, so a re-run never repeats a message.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from dangjian.cadence.jobs import Context
from dangjian.cadence.notify import notify
from dangjian.cadence.recipients import ancestor, holders, managers
from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.orgs.models import Organization

from . import bulletin
from .models import CaseEventKind, Measure
from .services import due_measures, overdue_measures, record_event


def case_url(case_id: int) -> str:
    try:
        return reverse("rectify:detail", args=[case_id])
    except NoReverseMatch:  # the rectification pages are not mounted (a trimmed installation)
        return ""


def _days(n: int) -> str:
    return f"{n} 天"


# ---------------------------------------------------------------------------------------------------- 每周一提示


def weekly_reminder(ctx: Context) -> None:
    """Each open measure due within seven days or already overdue, to its responsible user and the editors of the
    case's organization: one notification per measure and person, once a week."""
    today = ctx.today
    editors: dict[int, list] = {}
    measures = [*overdue_measures(today, 0), *due_measures(today, 7)]
    for measure in measures:
        org = measure.case.org
        if org.pk not in editors:
            editors[org.pk] = holders(org)
        late = (today - measure.deadline).days
        state = f"已逾期 {_days(late)}" if late > 0 else f"将于 {measure.deadline:%m月%d日} 到期"
        ctx.count("逾期措施" if late > 0 else "即将到期措施")
        ctx.count(
            "通知",
            notify(
                [measure.responsible_user, *editors[org.pk]],
                title=f"每周一提示：{org.name}「{measure.action[:40]}」{state}",
                body=(
                    f"问题：{measure.problem}\n整改措施：{measure.action}\n责任人：{measure.responsible}\n"
                    f"完成时限：{measure.deadline:%Y-%m-%d}"
                ),
                url=case_url(measure.case_id),
                key=f"weekly_reminder:{ctx.period.key}:{measure.pk}",
            ),
        )


# ---------------------------------------------------------------------------------------------------- 逾期逐级上报


def grace_days() -> int:
    return getattr(settings, "DANGJIAN_ESCALATION_GRACE_DAYS", 7)


def escalation(ctx: Context) -> None:
    """A measure overdue past the grace period is raised to the level above its organization; after each further
    grace period, one level higher. One level per day at most, each level once (`Measure.escalation_level`)."""
    today, grace = ctx.today, grace_days()
    for measure in overdue_measures(today, grace):
        late = (today - measure.deadline).days
        due_level = (late - 1) // grace  # level n once more than n grace periods have passed
        level = measure.escalation_level + 1
        if level > due_level:
            continue
        org = measure.case.org
        above = ancestor(org, level)
        if above is None:  # already raised to the top of the tree
            continue
        # Claimed by a conditional update: a concurrent run that raised this level first leaves nothing to do.
        if not Measure.objects.filter(pk=measure.pk, escalation_level=level - 1).update(escalation_level=level):
            continue
        people = holders(above)
        note = f"措施「{measure.action[:60]}」逾期 {_days(late)}，第 {level} 级上报至{above.name}"
        if not people:
            note += "（该组织无编辑或管理账号，未能通知到人）"
        record_event(measure.case, CaseEventKind.ESCALATED, note, None)
        record(
            AuditAction.UPDATE,
            obj=measure,
            org=org,
            before={"escalation_level": level - 1},
            after={"escalation_level": level},
            detail=f"逾期逐级上报：{above.name}",
        )
        ctx.count("上报")
        ctx.count(
            "通知",
            notify(
                people,
                title=f"逾期上报：{org.name}「{measure.action[:40]}」已逾期 {_days(late)}",
                body=(
                    f"完成时限 {measure.deadline:%Y-%m-%d}，责任人 {measure.responsible}。"
                    f"这是第 {level} 级上报（宽限期 {grace} 天）。"
                ),
                url=case_url(measure.case_id),
                key=f"escalation:{measure.pk}:{measure.deadline}:{level}",
            ),
        )


# ---------------------------------------------------------------------------------------------------- 每季一通报


def bulletin_url(org: Organization, year: int, quarter: int) -> str:
    """The bulletin's page for that organization and quarter (its .docx and .xlsx are downloaded from there)."""
    try:
        return bulletin.page_url(org, year, quarter)
    except NoReverseMatch:  # the bulletin pages are not mounted (a trimmed installation)
        return ""


def quarterly_bulletin(ctx: Context) -> None:
    """At the start of a quarter, the bulletin of the quarter just ended, and a word to each county's managers."""
    last = ctx.period.previous()
    year, quarter = last.start.year, (last.start.month - 1) // 3 + 1
    paths = bulletin.write_quarterly(year, quarter)
    ctx.count("通报文件", len(paths))
    codes = sorted({path.stem.split("通报_", 1)[-1] for path in paths})
    for org in Organization.objects.filter(code__in=codes).order_by("path"):
        ctx.count(
            "通知",
            notify(
                managers(org),
                title=f"每季一通报：{year}年第{quarter}季度整顿工作通报已生成",
                body=f"{org.name}{year}年第{quarter}季度软弱涣散基层党组织整顿工作进展通报（.docx 与 .xlsx）可以下载。",
                url=bulletin_url(org, year, quarter),
                key=f"quarterly_bulletin:{year}-Q{quarter}:{org.pk}",
            ),
        )
