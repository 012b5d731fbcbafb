"""What waits for a person, area by area: the providers of the workbench (`core.workbench`).

Each provider answers for one area and counts within the user's scope (`restrict`, `scope_q`, `path_in_scope`):
what the person may act on, not what anyone could. Who may act is the area's own rule, asked where it has one
(`rectify.services.can_support`/`can_close`, `problems.services.can_verify`, `accountability.services.can_decide`).
The providers are registered by `register_all`, called from `FlowsConfig.ready()`; a new area adds its provider
here (or from its own AppConfig.ready()) with `core.workbench.register`.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from dangjian.accountability.choices import ProposalStatus
from dangjian.accountability.models import Proposal
from dangjian.accountability.services import can_decide
from dangjian.assess.models import AssessmentStatus, SecretaryReview
from dangjian.cadence.models import Notification
from dangjian.core.scope import ALL, Action, acts_anywhere, scope_paths, scope_q
from dangjian.core.workbench import WorkItem, register
from dangjian.inspections.choices import FindingStatus
from dangjian.inspections.models import Finding, fixed_q
from dangjian.orgs.models import Organization
from dangjian.partylife.completion import branch_table
from dangjian.problems.choices import ProblemStatus
from dangjian.problems.models import Problem
from dangjian.problems.services import can_verify, verifiers
from dangjian.rectify.models import Case, CaseStatus, Measure, MeasureStatus
from dangjian.rectify.services import can_close, can_support, closing_paths
from dangjian.weekly.models import VillageReport
from dangjian.weekly.weeks import this_week

DUE_SOON_DAYS = 7  # a measure due within a week is shown before it is late
CANDIDATES = 2000  # rows read to ask an area's per-row rule (who may check, close, verify, decide)


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _one_or_list(pks: list[int], detail: str, listing: str) -> str:
    """The thing itself when there is exactly one, else the list."""
    return reverse(detail, args=[pks[0]]) if len(pks) == 1 else listing


# ---------------------------------------------------------------------------------------------------- rectify


def rectify_items(user):
    if not acts_anywhere(user, Action.CHANGE):
        return []
    cases = Case.objects.restrict(user, Action.CHANGE).select_related("org")
    ready = (
        cases.filter(status=CaseStatus.OPEN, measures__isnull=False)
        .exclude(measures__status=MeasureStatus.OPEN)
        .distinct()
        .order_by("id")[:CANDIDATES]
    )
    to_check = [case.pk for case in ready if can_support(user, case)]
    checked = list(cases.filter(status=CaseStatus.TOWN_CHECKED).order_by("id")[:CANDIDATES])
    closing = closing_paths(checked)
    to_close = [case.pk for case in checked if can_close(user, case, closing[case.pk])]
    today = timezone.localdate()
    measures = list(
        Measure.objects.filter(
            responsible_user=user,
            status=MeasureStatus.OPEN,
            deadline__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
        )
        .exclude(case__status=CaseStatus.CLOSED)
        .values_list("case_id", "deadline")
    )
    overdue = [case for case, deadline in measures if deadline < today]
    soon = [case for case, deadline in measures if deadline >= today]
    listing = reverse("rectify:list")
    return [
        WorkItem(
            "整顿整改",
            "待乡镇初验的整顿案件",
            len(to_check),
            _one_or_list(to_check, "rectify:detail", _url("rectify:list", status=CaseStatus.OPEN)),
            key="rectify.town_check",
        ),
        WorkItem(
            "整顿整改",
            "待验收销号的整顿案件",
            len(to_close),
            _one_or_list(to_close, "rectify:detail", _url("rectify:list", status=CaseStatus.TOWN_CHECKED)),
            key="rectify.close",
        ),
        WorkItem(
            "整顿整改",
            "我负责的整改措施已逾期",
            len(overdue),
            _one_or_list(sorted(set(overdue)), "rectify:detail", _url("rectify:list", overdue="true")),
            urgent=True,
            key="rectify.measures_overdue",
        ),
        WorkItem(
            "整顿整改",
            f"我负责的整改措施 {DUE_SOON_DAYS} 天内到期",
            len(soon),
            _one_or_list(sorted(set(soon)), "rectify:detail", listing),
            key="rectify.measures_due",
        ),
    ]


# ---------------------------------------------------------------------------------------------------- weekly


def weekly_items(user):
    if not acts_anywhere(user, Action.VIEW):
        return []
    now = timezone.now()
    week = this_week(timezone.localdate())
    unsent = VillageReport.objects.restrict(user, Action.VIEW).filter(
        submitted_at__isnull=True, arrangement__week__gte=week - datetime.timedelta(days=7)
    )
    late = unsent.filter(arrangement__report_due__lt=now).count()
    due = unsent.filter(arrangement__report_due__gte=now).count()
    board = reverse("weekly:board")
    return [
        WorkItem("周工作", "村级完成情况表逾期未报", late, board, urgent=True, key="weekly.late"),
        WorkItem("周工作", "村级完成情况表本周待报", due, board, key="weekly.due"),
    ]


# ---------------------------------------------------------------------------------------------------- problems


def problem_items(user):
    today = timezone.localdate()
    mine = list(Problem.objects.filter(owner_user=user, status=ProblemStatus.OPEN).values_list("pk", "deadline"))
    late = [pk for pk, deadline in mine if deadline is not None and deadline < today]
    items = [
        WorkItem(
            "问题清单",
            "指派给我的问题",
            len(mine),
            _one_or_list([pk for pk, _ in mine], "problems:detail", _url("problems:duties", status=ProblemStatus.OPEN)),
            urgent=bool(late),
            key="problems.mine",
        )
    ]
    if not acts_anywhere(user, Action.CHANGE):
        return items
    assigning = list(
        Problem.objects.filter(status=ProblemStatus.ASSIGNING)
        .filter(scope_q(user, "responsible_org__path", Action.CHANGE))
        .values_list("pk", flat=True)[:CANDIDATES]
    )
    submitted = list(
        Problem.objects.restrict(user, Action.VIEW)
        .filter(status=ProblemStatus.SUBMITTED)
        .select_related("org", "responsible_org")
        .order_by("id")[:CANDIDATES]
    )
    found = verifiers(submitted)
    to_verify = [p.pk for p in submitted if can_verify(user, p, found[p.pk])]
    return items + [
        WorkItem(
            "问题清单",
            "待指派责任人的问题",
            len(assigning),
            _one_or_list(assigning, "problems:detail", _url("problems:duties", status=ProblemStatus.ASSIGNING)),
            key="problems.assign",
        ),
        WorkItem(
            "问题清单",
            "待核实销号的问题",
            len(to_verify),
            _one_or_list(to_verify, "problems:detail", _url("problems:duties", status=ProblemStatus.SUBMITTED)),
            key="problems.verify",
        ),
    ]


# ---------------------------------------------------------------------------------------------------- accountability


def accountability_items(user):
    if not acts_anywhere(user, Action.MANAGE):
        return []
    pending = (
        Proposal.objects.restrict(user, Action.VIEW)
        .filter(status=ProposalStatus.PENDING)
        .select_related("org", "workstation__town")
        .order_by("id")[:CANDIDATES]
    )
    mine = [p.pk for p in pending if can_decide(user, p.org, p.workstation)]
    return [
        WorkItem(
            "问责",
            "待确认的问责建议",
            len(mine),
            _one_or_list(
                mine, "accountability:proposal", _url("accountability:proposals", status=ProposalStatus.PENDING)
            ),
            key="accountability.proposals",
        )
    ]


# ---------------------------------------------------------------------------------------------------- assess


def assess_items(user):
    if not acts_anywhere(user, Action.CHANGE):
        return []
    # raw paths: a review is done by the level above, so the user's own granted organizations are not theirs to rate
    granted = scope_paths(user, Action.CHANGE)
    reviews = (
        SecretaryReview.objects.restrict(user, Action.CHANGE)
        .filter(rating="")
        .exclude(participant__assessment__status=AssessmentStatus.PUBLISHED)
    )
    if granted is not ALL:
        reviews = reviews.exclude(participant__path__in=granted)
    by_assessment = list(reviews.values_list("participant__assessment_id", flat=True).distinct()[:2])
    count = reviews.count()
    url = reverse("assess:reviews", args=[by_assessment[0]]) if len(by_assessment) == 1 else reverse("assess:list")
    return [WorkItem("年度考核", "待评议的书记述职", count, url, key="assess.reviews")]


# ---------------------------------------------------------------------------------------------------- inspections


def inspection_items(user):
    if not acts_anywhere(user, Action.CHANGE):
        return []
    findings = (
        Finding.objects.filter(scope_q(user, "org__path", Action.CHANGE))
        .filter(status=FindingStatus.OPEN)
        .exclude(fixed_q())
    )
    today = timezone.localdate()
    count = findings.count()
    late = findings.filter(deadline__lt=today).exists() if count else False
    return [
        WorkItem(
            "督导检查",
            "督导发现问题待整改",
            count,
            _url("inspections:findings", status=FindingStatus.OPEN),
            urgent=late,
            key="inspections.findings",
        )
    ]


# ---------------------------------------------------------------------------------------------------- partylife


PARTYLIFE_LEVELS = ("town", "station", "village")  # the roll-up is read only for a town's scope or below


def partylife_items(user):
    # raw paths: meetings are counted for the granted organizations themselves (a branch, a town), as their page does
    paths = scope_paths(user, Action.CHANGE)
    if paths is ALL or not paths:
        return []
    orgs = Organization.objects.filter(path__in=paths, level__in=PARTYLIFE_LEVELS).order_by("path")[:5]
    today = timezone.localdate()
    quarter = (today.month - 1) // 3
    missing = 0
    first = None
    for org in orgs:
        for row in branch_table(org, today.year, today):
            count = row.quarters[quarter]
            short = max(count.need - count.held, 0)
            missing += short
            if short and first is None:
                first = org
    url = _url("partylife:completion", org_code=first.code if first else None)
    return [WorkItem("组织生活", "本季度应开未开的组织生活会议", missing, url, urgent=True, key="partylife.missing")]


# ---------------------------------------------------------------------------------------------------- cadence


def notice_items(user):
    unread = Notification.objects.filter(user=user).unread().count()
    return [WorkItem("通知", "未读通知", unread, reverse("cadence:list"), key="cadence.unread")]


def register_all() -> None:
    register("rectify", rectify_items, order=10)
    register("problems", problem_items, order=20)
    register("weekly", weekly_items, order=30)
    register("accountability", accountability_items, order=40)
    register("assess", assess_items, order=50)
    register("inspections", inspection_items, order=60)
    register("partylife", partylife_items, order=70)
    register("cadence", notice_items, order=90)
