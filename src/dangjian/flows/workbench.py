"""What waits for a person, area by area: the providers of the workbench (`core.workbench`).

Each provider answers for one area and counts within the user's scope (`restrict`, `scope_q`, `path_in_scope`):
what the person may act on, not what anyone could. Who may act is the area's own rule, asked where it has one
(`rectify.services.can_support`/`can_close`, `problems.services.can_verify`, `accountability.services.can_decide`).
The providers are registered by `register_all`, called from `FlowsConfig.ready()`; a new area adds its provider
here (or from its own AppConfig.ready()) with `core.workbench.register`.
"""

from __future__ import annotations

import datetime
from functools import partial
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dangjian.accountability.choices import ProposalStatus
from dangjian.accountability.models import Proposal
from dangjian.accountability.services import can_decide
from dangjian.assess import survey
from dangjian.assess.models import Assessment, AssessmentStatus, Participant, SecretaryReview
from dangjian.cadence.models import Notification
from dangjian.core.scope import ALL, Action, acts_anywhere, scope_paths, scope_q
from dangjian.core.workbench import WorkItem, counted, register
from dangjian.inspections.choices import FindingStatus
from dangjian.inspections.models import Finding, fixed_q
from dangjian.orgs.models import Organization
from dangjian.partylife.completion import branch_table
from dangjian.problems.choices import ProblemStatus
from dangjian.problems.models import Problem
from dangjian.rectify.models import Case, CaseStatus, Measure, MeasureStatus
from dangjian.rectify.services import can_close, can_support, closing_paths
from dangjian.rulebook.book import Book
from dangjian.weekly import rollups as weekly_rollups
from dangjian.weekly.weeks import report_deadline, this_week

from .home import scope_roots

DUE_SOON_DAYS = 7  # a measure due within a week is shown before it is late
ONE_WEEK = datetime.timedelta(days=7)
CANDIDATES = 2000  # rows read to ask an area's per-row rule (who may check, close, verify, decide)
WIDE_CAP = 99  # an item decided in SQL counts this far and shows "99+" beyond


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


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
    item = partial(counted, "整顿整改", detail="rectify:detail")
    listing = partial(_url, "rectify:list")
    return [
        item("rectify.town_check", "待乡镇初验的整顿案件", to_check, listing=listing(status=CaseStatus.OPEN)),
        item("rectify.close", "待验收销号的整顿案件", to_close, listing=listing(status=CaseStatus.TOWN_CHECKED)),
        item(
            "rectify.measures_overdue", "我负责的整改措施已逾期", overdue, listing=listing(overdue="true"), urgent=True
        ),
        item("rectify.measures_due", f"我负责的整改措施 {DUE_SOON_DAYS} 天内到期", soon, listing=listing()),
    ]


# ---------------------------------------------------------------------------------------------------- weekly


def weekly_items(user):
    """Village reports of last week and this one not yet sent, in the user's scope: late once their week's deadline
    (the Friday, `weeks.report_deadline`, the same for every arrangement of a week) has passed. Read from the
    weekly roll-ups (`weekly.rollups`), so a province's root costs what a village does."""
    if not acts_anywhere(user, Action.VIEW):
        return []
    now = timezone.now()
    unsent = weekly_rollups.unsent_by_week(scope_roots(user), this_week(timezone.localdate()) - ONE_WEEK)
    late = sum(n for week, n in unsent.items() if report_deadline(week) < now)
    due = sum(n for week, n in unsent.items() if report_deadline(week) >= now)
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
    item = partial(counted, "问题清单", detail="problems:detail")
    listing = partial(_url, "problems:duties")
    mine_pks = [pk for pk, _ in mine]
    items = [
        item("problems.mine", "指派给我的问题", mine_pks, listing=listing(status=ProblemStatus.OPEN), urgent=bool(late))
    ]
    if not acts_anywhere(user, Action.CHANGE):
        return items
    assigning = Problem.objects.filter(status=ProblemStatus.ASSIGNING).filter(
        scope_q(user, "responsible_org__path", Action.CHANGE)
    )
    # The verifier kept on the problem when it was submitted: the level above with CHANGE, or the top level itself
    # with MANAGE; never the owner's or the submitter's own problem.
    to_verify = (
        Problem.objects.restrict(user, Action.VIEW)
        .filter(status=ProblemStatus.SUBMITTED)
        .filter(
            Q(verifier_manages=False) & scope_q(user, "verifier_org__path", Action.CHANGE)
            | Q(verifier_manages=True) & scope_q(user, "verifier_org__path", Action.MANAGE)
        )
        .exclude(owner_user=user)
        .exclude(submitted_by=user)
    )
    # Both are decided in SQL, and at a province's root thousands wait: counted to WIDE_CAP ("99+"); the list counts.
    wide = partial(item, cap=WIDE_CAP)
    return items + [
        wide("problems.assign", "待指派责任人的问题", assigning, listing=listing(status=ProblemStatus.ASSIGNING)),
        wide("problems.verify", "待核实销号的问题", to_verify, listing=listing(status=ProblemStatus.SUBMITTED)),
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
        counted(
            "问责",
            "accountability.proposals",
            "待确认的问责建议",
            mine,
            detail="accountability:proposal",
            listing=_url("accountability:proposals", status=ProposalStatus.PENDING),
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
    url = reverse("assess:reviews", args=[by_assessment[0]]) if len(by_assessment) == 1 else reverse("assess:list")
    return [counted("年度考核", "assess.reviews", "待评议的书记述职", reviews, listing=url)]


SURVEY_ASSESSMENTS = 5  # collecting assessments read for their survey; a department runs one or two a year


def _assessment_link(ids: set[int], name: str) -> str:
    """The one assessment's page `name` when every item belongs to it, else the list of assessments."""
    return reverse(name, args=[next(iter(ids))]) if len(ids) == 1 else reverse("assess:list")


def survey_items(user):
    """For the organizing department (MANAGE on the assessment's root, the only one that makes and prints the
    links, `assess.access.can_manage`): the surveyed organizations with no link yet, and those whose links are not
    all answered, until the assessment is published (then no link can be answered)."""
    if not acts_anywhere(user, Action.MANAGE):
        return []
    assessments = list(
        Assessment.objects.restrict(user, Action.MANAGE)
        .filter(status=AssessmentStatus.COLLECTING)
        .select_related("scheme")
        .order_by("-id")[:SURVEY_ASSESSMENTS]
    )
    if not assessments:
        return []
    progress = survey.progress(Participant.objects.filter(survey.surveyed_q(assessments)))
    listing = _assessment_link({a.pk for a in assessments}, "assess:survey")

    def item(key, label, count, first):
        url = reverse("assess:survey_links", args=[first]) if count == 1 else listing
        return WorkItem("群众满意度测评", label, count, url, key=key)

    return [
        item("assess.survey_unlinked", "尚未生成测评二维码的参评组织", progress.unlinked, progress.first_unlinked),
        item(
            "assess.survey_short",
            f"测评未收齐的参评组织（已收 {progress.answered} / 发出 {progress.links} 份）",
            progress.short,
            progress.first_short,
        ),
    ]


def report_items(user):
    """For the organization being reviewed (述职评议): its secretary's report not yet uploaded, while the assessment
    counts the review (`review_weight` above 0) and is not published. The organization itself uploads it
    (`assess.review.upload_report`), so only the user's granted organizations themselves are asked."""
    # raw paths: the report is the reviewed organization's own to upload, not its subtree's
    granted = scope_paths(user, Action.CHANGE)
    if granted is ALL or not granted:
        return []
    waiting = list(
        Participant.objects.filter(path__in=granted, assessment__status=AssessmentStatus.COLLECTING)
        .filter(assessment__review_weight__gt=0)
        .filter(Q(review__isnull=True) | Q(review__report=""))
        .order_by("assessment_id", "path")
        .values_list("pk", "assessment_id")[:CANDIDATES]
    )
    return [
        counted(
            "年度考核",
            "assess.report_upload",
            "待上传的书记述职报告",
            [pk for pk, _ in waiting],
            detail="assess:review",
            listing=_assessment_link({a for _, a in waiting}, "assess:reviews"),
        )
    ]


# ---------------------------------------------------------------------------------------------------- inspections


def inspection_items(user):
    if not acts_anywhere(user, Action.CHANGE):
        return []
    findings = (
        Finding.objects.filter(scope_q(user, "org__path", Action.CHANGE))
        .filter(status=FindingStatus.OPEN)
        .exclude(fixed_q())
    )
    late = findings.filter(deadline__lt=timezone.localdate())
    return [
        counted(
            "督导检查",
            "inspections.findings",
            "督导发现问题待整改",
            findings,
            listing=_url("inspections:findings", status=FindingStatus.OPEN),
            urgent=late,
        )
    ]


# ---------------------------------------------------------------------------------------------------- partylife


PARTYLIFE_LEVELS = ("town", "station", "village")  # the roll-up is read only for a town's scope or below


def partylife_items(user):
    # raw paths: meetings are counted for the granted organizations themselves (a branch, a town), as their page does
    paths = scope_paths(user, Action.CHANGE)
    if paths is ALL or not paths:
        return []
    orgs = list(Organization.objects.filter(path__in=paths, level__in=PARTYLIFE_LEVELS).order_by("path")[:5])
    today = timezone.localdate()
    quarter = (today.month - 1) // 3
    missing = 0
    first = None
    book = Book.load() if orgs else None  # the meeting rules as they stand there, read once for every organization
    for org in orgs:
        for row in branch_table(org, today.year, today, book):
            count = row.quarters[quarter]
            short = max(count.need - count.held, 0)
            missing += short
            if short and first is None:
                first = org
    url = _url("partylife:completion", org_code=first.code if first else None)
    return [WorkItem("组织生活", "本季度应开未开的组织生活会议", missing, url, urgent=True, key="partylife.missing")]


# ---------------------------------------------------------------------------------------------------- cadence


def notice_items(user):
    unread = Notification.objects.filter(user=user).unread()
    return [counted("通知", "cadence.unread", "未读通知", unread, listing=reverse("cadence:list"))]


def register_all() -> None:
    register("rectify", rectify_items, order=10)
    register("problems", problem_items, order=20)
    register("weekly", weekly_items, order=30)
    register("accountability", accountability_items, order=40)
    register("assess", assess_items, order=50)
    register("assess_reports", report_items, order=51)
    register("assess_survey", survey_items, order=52)
    register("inspections", inspection_items, order=60)
    register("partylife", partylife_items, order=70)
    register("cadence", notice_items, order=90)
