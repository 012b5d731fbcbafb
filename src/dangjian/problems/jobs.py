"""The problem lists' cadence job: overdue problems raised one level up the tree after each grace period, the way
overdue rectification measures are (rectify/jobs.py `escalation`), with the same grace setting
(`DANGJIAN_ESCALATION_GRACE_DAYS`). Listed in `dangjian.flows.schedule.JOBS`.

Raising notifies the level above and records it on the problem; the owner and the level stay, since the owner is
still the one to solve it — "本级无法解决" (services.escalate_problem) is what moves a problem to another level.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from dangjian.cadence.jobs import Context
from dangjian.cadence.notify import notify
from dangjian.cadence.recipients import ancestor, holders
from dangjian.core.audit import record
from dangjian.core.models import AuditAction

from .choices import EventKind
from .models import Problem, ProblemEvent


def grace_days() -> int:
    """The rectification's grace period, one setting for both (at least 1, checked in settings)."""
    return getattr(settings, "DANGJIAN_ESCALATION_GRACE_DAYS", 7)


def problem_url(pk: int) -> str:
    try:
        return reverse("problems:detail", args=[pk])
    except NoReverseMatch:
        return ""


def problem_escalation(ctx: Context) -> None:
    """A problem open past its deadline by more than n grace periods is raised to the n-th organization above its
    responsible organization, one level per day at most, each level once (`Problem.escalation_level`)."""
    today, grace = ctx.today, grace_days()
    overdue = Problem.objects.overdue(today).select_related("org", "responsible_org").order_by("pk")
    for problem in overdue.iterator(chunk_size=500):
        late = (today - problem.deadline).days
        due_level = (late - 1) // grace  # level n once more than n grace periods have passed
        level = problem.escalation_level + 1
        if level > due_level:
            continue
        above = ancestor(problem.responsible_org, level)
        if above is None:  # already at the top of the tree
            continue
        # Claimed by a conditional update: a concurrent run that raised this level first leaves nothing to do.
        if not Problem.objects.filter(pk=problem.pk, escalation_level=level - 1).update(escalation_level=level):
            continue
        people = holders(above)
        note = f"逾期 {late} 天，第 {level} 级上报至{above.name}"
        if not people:
            note += "（该组织无编辑或管理账号，未能通知到人）"
        ProblemEvent.objects.create(problem=problem, kind=EventKind.OVERDUE, note=note)
        record(
            AuditAction.UPDATE,
            obj=problem,
            org=problem.org,
            before={"escalation_level": level - 1},
            after={"escalation_level": level},
            detail=f"问题逾期逐级上报：{above.name}",
        )
        ctx.count("上报")
        ctx.count(
            "通知",
            notify(
                people,
                title=f"问题逾期上报：{problem.org.name}「{problem.title[:40]}」已逾期 {late} 天",
                body=(
                    f"责任单位 {problem.responsible_org.name}，责任人 {problem.owner_name}，"
                    f"办结时限 {problem.deadline:%Y-%m-%d}。这是第 {level} 级上报（宽限期 {grace} 天）。"
                ),
                url=problem_url(problem.pk),
                key=f"problem_escalation:{problem.pk}:{problem.deadline}:{level}",
            ),
        )
