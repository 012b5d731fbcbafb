"""Where a finding (不符合项) goes to be followed until fixed: "对发现的问题，逐项列出清单，及时反馈给村（社区），并
督促指导及时解决" [003].

Two paths, chosen per dispatch:
- `by_rectification` (now): the organization's rectification case of the finding's year (opened from the inspection
  if it has none, reopened if it was closed) gets one measure per finding, with the deadline; the finding is fixed
  when its measure is done or the case closed (`models.fixed_q`). Everything goes through rectify's services, so its
  rules (who may open a case, a closed case is not written) hold here too.
- `by_problem_list` (the working layer's problem list, 问题清单): the plug point for the `problems` app. It is not on
  this branch yet; when it lands, this one function calls its `record_problem(...)` for each finding and stores the
  problem's id in `Finding.problem_ref`. Until then it refuses in Chinese, and nothing is written.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.orgs.choices import Post
from dangjian.orgs.models import CommitteePost
from dangjian.rectify import services as rectify
from dangjian.rectify.models import Case, CaseSource, CaseStatus

from .choices import FindingStatus, FollowUp
from .models import Finding, Visit

PROBLEM_LIST_MISSING = "问题清单功能尚未启用，督导发现暂只能转为整顿案件的整改措施。"


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


def by_problem_list(visit: Visit, findings: list[Finding], *, actor, deadline: datetime.date):
    """Each finding as an item of the problem list (问题清单 → 责任清单 → 销号清单 [003]).

    Plug point for the `problems` app: call its `record_problem(...)` here for each finding (organization, title and
    note, deadline, source "督导发现"), set `finding.problem_ref` to the problem's id and call `_dispatched(finding,
    FollowUp.PROBLEM, actor, deadline)`; the finding's state then follows the problem's (see `Finding.state`)."""
    raise ValidationError(PROBLEM_LIST_MISSING)


def _dispatched(finding: Finding, route: str, actor, deadline: datetime.date) -> None:
    finding.follow_up, finding.deadline, finding.status = route, deadline, FindingStatus.OPEN
    finding.dispatched_by = actor if getattr(actor, "is_authenticated", False) else None
    finding.dispatched_at = timezone.now()
    finding.save()


ROUTES = {FollowUp.RECTIFY: by_rectification, FollowUp.PROBLEM: by_problem_list}
