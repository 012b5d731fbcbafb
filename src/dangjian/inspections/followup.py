"""Where a finding (不符合项) goes to be followed until fixed: "对发现的问题，逐项列出清单，及时反馈给村（社区），并
督促指导及时解决" [003].

Two paths, chosen per dispatch:
- `by_rectification` (now): the organization's rectification case of the finding's year (opened from the inspection
  if it has none, reopened if it was closed) gets one measure per finding, with the deadline; the finding is fixed
  when its measure is done or the case closed (`models.fixed_q`). Everything goes through rectify's services, so its
  rules (who may open a case, a closed case is not written) hold here too.
- `by_problem_list` (the working layer's problem list, 问题清单 → 责任清单 → 销号清单 [003]): each finding becomes a
  problem of the list through the problems app's `record_problem`, at the lowest level that has an organization
  above the inspected one (the village or station first), owned by its secretary; the finding is fixed when the
  problem is closed (销号). The problems app's rules hold (who may assign to whom, the deadline).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from dangjian.orgs.choices import Post
from dangjian.orgs.models import CommitteePost
from dangjian.problems import services as problems
from dangjian.problems.choices import LEVEL_ORDER, Category, SourceKind
from dangjian.problems.models import Problem
from dangjian.rectify import services as rectify
from dangjian.rectify.models import Case, CaseSource, CaseStatus

from .choices import FindingStatus, FollowUp
from .models import Finding, Visit


def responsible_name(org) -> str:
    """The measure's responsible person: the organization's secretary, else the post itself."""
    post = CommitteePost.objects.filter(org=org, post=Post.SECRETARY).order_by("id").first()
    return post.holder_name if post else "党组织书记"


def by_rectification(visit: Visit, findings: list[Finding], *, actor, deadline: datetime.date) -> Case:
    """One measure per finding in the organization's case of the visit's year (opened or reopened as needed)."""
    target = visit.target
    org, year = target.org, visit.visited_on.year
    titles = "；".join(f.title for f in findings)
    note = f"{target.draw.title}：督导组{visit.visited_on:%Y-%m-%d}到现场检查，{len(findings)}项不符合（{titles}）"
    case = Case.objects.filter(org=org, year=year).first()
    if case is None:
        case = rectify.open_case(
            org, year=year, source=CaseSource.INSPECTION, actor=actor, note=note[:1000], deadline=deadline
        )
    elif case.status == CaseStatus.CLOSED:
        case = rectify.reopen_case(case, actor=actor, reason=note[:1000])
    where = f"（{target.label}）" if target.station_id else ""
    for finding in findings:
        measure = rectify.add_measure(
            case,
            actor=actor,
            problem=f"督导发现{where}：{finding.title}" + (f"——{finding.note}" if finding.note else ""),
            action=f"对照「{finding.title}」逐项整改到位，整改情况和佐证材料录入整改台账",
            responsible=responsible_name(org),
            deadline=deadline,
        )
        finding.case, finding.measure = case, measure
        _dispatched(finding, FollowUp.RECTIFY, actor, deadline)
    return case


def by_problem_list(visit: Visit, findings: list[Finding], *, actor, deadline: datetime.date) -> list[Problem]:
    """Each finding as an item of the problem list, assigned to the lowest level answering for the organization."""
    target = visit.target
    org = target.org
    level = next(lv for lv in LEVEL_ORDER if problems.responsible_for(org, lv) is not None or lv == LEVEL_ORDER[-1])
    where = f"（{target.label}）" if target.station_id else ""
    made = []
    for finding in findings:
        problem = problems.record_problem(
            org,
            title=f"督导发现{where}：{finding.title}"[:200],
            detail=finding.note,
            category=Category.PARTY,
            level=level,
            owner_name=responsible_name(problems.responsible_for(org, level) or org),
            deadline=deadline,
            source=SourceKind.INSPECTION,
            source_ref=f"{target.draw.title} {visit.visited_on:%Y-%m-%d}",
            actor=actor,
        )
        finding.problem = problem
        _dispatched(finding, FollowUp.PROBLEM, actor, deadline)
        made.append(problem)
    return made


def _dispatched(finding: Finding, route: str, actor, deadline: datetime.date) -> None:
    finding.follow_up, finding.deadline, finding.status = route, deadline, FindingStatus.OPEN
    finding.dispatched_by = actor if getattr(actor, "is_authenticated", False) else None
    finding.dispatched_at = timezone.now()
    finding.save()


ROUTES = {FollowUp.RECTIFY: by_rectification, FollowUp.PROBLEM: by_problem_list}
