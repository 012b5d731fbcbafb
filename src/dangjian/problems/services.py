"""Problem services: recording a problem from any source, assigning it, progress, the owner's report that it is
solved, verification and closure (销号) by the level above, returning it, and escalation one level up [003].

Who may do what, on top of the data scope (repeated inside each transaction):
- record a problem: CHANGE on the organization concerned, and on the organization that is to answer for it (the
  level chosen); a level above one's reach is reached by escalation, not by recording there;
- assign the owner, record progress, report it solved, escalate it ("本级无法解决"): CHANGE on the responsible
  organization (责任单位) — the owner's side;
- verify and close (销号), or return it: CHANGE on the organization of the next level up that exists (for a city
  problem, MANAGE on the city), and never the owner's account nor whoever reported it solved.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dangjian.cadence.notify import notify
from dangjian.cadence.recipients import holders
from dangjian.core.audit import record, snapshot
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action, path_in_scope, paths_q
from dangjian.core.services import ensure_in_scope
from dangjian.orgs.models import Organization
from dangjian.orgs.services import follow_moves

from . import rollups
from .choices import (
    ORG_LEVELS,
    Category,
    EventKind,
    ProblemLevel,
    ProblemStatus,
    SourceKind,
    level_above,
)
from .models import Problem, ProblemEvent

TITLE_MAX = 200
TEXT_MAX = 1000


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def level_label(level: str) -> str:
    return ProblemLevel(level).label


# ---------------------------------------------------------------------------------------------------- who answers


def ancestors_or_self(org: Organization) -> list[int]:
    return [int(part) for part in org.path.split(".") if part]


def responsible_for(org: Organization, level: str) -> Organization | None:
    """The organization that answers for `level` for a problem of `org`: the highest one at or above `org` whose
    tree level belongs to `level` (the village committee rather than a branch under it, the county committee rather
    than a county bureau); None when the tree has no such level above `org`."""
    return (
        Organization.objects.filter(pk__in=ancestors_or_self(org), level__in=ORG_LEVELS[level])
        .order_by("depth")
        .first()
    )


def verifier(problem: Problem) -> tuple[Organization, str]:
    """Who verifies and closes: the organization of the next level up that exists, with CHANGE; at the top (a city
    problem, or a tree without the levels above), the responsible organization itself, with MANAGE."""
    return verifiers([problem])[problem.pk]


def verifiers(problems, org_model=Organization) -> dict[int, tuple[Organization, str]]:
    """`verifier` of many problems, their organizations' ancestors read in one query (as `responsible_for` finds
    them: the highest at or above the problem's organization whose tree level belongs to the level). `org_model` is
    the historical model when a migration calls it."""
    ids = {pk for problem in problems for pk in ancestors_or_self(problem.org)}
    found = org_model.objects.filter(pk__in=ids).only("path", "level", "depth", "name", "code") if ids else []
    orgs = {org.pk: org for org in found}
    out = {}
    for problem in problems:
        line = sorted((orgs[i] for i in ancestors_or_self(problem.org) if i in orgs), key=lambda o: o.depth)
        out[problem.pk] = problem.responsible_org, Action.MANAGE
        level = level_above(problem.level)
        while level is not None:
            above = next((o for o in line if o.level in ORG_LEVELS[level]), None)
            if above is not None and above.pk != problem.responsible_org_id:
                out[problem.pk] = above, Action.CHANGE
                break
            level = level_above(level)
    return out


def keep_verifiers(waiting: list[Problem], problem_model=Problem, org_model=Organization) -> None:
    """Keep on each problem waiting for its check who verifies it (`verifier`), as `submit_problem` does. The
    models are the historical ones when a migration calls it."""
    found = verifiers(waiting, org_model)
    for problem in waiting:
        problem.verifier_org, action = found[problem.pk]
        problem.verifier_manages = action == Action.MANAGE
    problem_model.objects.bulk_update(waiting, ["verifier_org", "verifier_manages"])


def verifiers_moved(org: Organization) -> None:
    """After `org`'s subtree moved (`orgs.services.follow_moves`): its problems waiting for a check get the
    verifier of where they now sit."""
    waiting = Problem.objects.filter(paths_q([org.path], "org__path"), status=ProblemStatus.SUBMITTED)
    keep_verifiers(list(waiting.select_related("org", "responsible_org")))


def register() -> None:
    """Hand the organizations' moves the verifiers to keep (from `ProblemsConfig.ready()`)."""
    follow_moves(verifiers_moved)


def can_handle(user, problem: Problem) -> bool:
    """The owner's side: assign, progress, report solved, escalate."""
    return path_in_scope(user, problem.responsible_org.path, Action.CHANGE)


def can_verify(user, problem: Problem, found: tuple[Organization, str] | None = None) -> bool:
    """Whether `user` verifies `problem`; `found` its `verifier` when already known (`verifiers`)."""
    org, action = found or verifier(problem)
    own = user is not None and user.pk is not None and user.pk in (problem.owner_user_id, problem.submitted_by_id)
    return not own and path_in_scope(user, org.path, action)


# ---------------------------------------------------------------------------------------------------- checks


def _text(value, label: str, limit: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError(f"请填写{label}。")
    if len(text) > limit:
        raise ValidationError(f"{label}不能超过 {limit} 个字（现有 {len(text)} 个）。")
    return text


def _level(level) -> str:
    if level not in ProblemLevel.values:
        raise ValidationError("请选择办理层级（站（村）、镇、县、市）。")
    return level


def _category(category) -> str:
    if category not in Category.values:
        raise ValidationError("请选择问题类别。")
    return category


def _owner(owner_name, owner_user, responsible: Organization, level: str) -> tuple[str, object]:
    name = str(owner_name or "").strip()
    if not name:
        raise ValidationError(
            f"请填写责任人：交由{level_label(level)}一级（{responsible.name}）办理的问题须有责任人，否则不能交办。"
        )
    if len(name) > 50:
        raise ValidationError("责任人姓名不能超过 50 个字。")
    if owner_user is not None and not path_in_scope(owner_user, responsible.path, Action.CHANGE):
        raise ValidationError(f"账号“{owner_user.get_username()}”不是{responsible.name}的账号，不能作为责任人账号。")
    return name, owner_user


def account_named(username: str):
    """The active account a form names as the owner's, or None for a blank name. An unknown name is refused with
    the words of an account of another organization (`_owner`), so the form tells nobody which accounts exist."""
    username = str(username or "").strip()
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    return user if user is not None else UnknownAccount(username)


class UnknownAccount:
    """Stands for a named account that does not exist: in no organization's scope, so `_owner` refuses it."""

    pk = None
    is_active = is_authenticated = False

    def __init__(self, username: str) -> None:
        self.username = username

    def get_username(self) -> str:
        return self.username


def _deadline(deadline, today: datetime.date) -> datetime.date:
    if not isinstance(deadline, datetime.date):
        raise ValidationError("请填写办结时限。")
    if deadline < today:
        raise ValidationError(f"办结时限不能早于今天（{today:%Y-%m-%d}）。")
    return deadline


def _responsible(org: Organization, level: str) -> Organization:
    responsible = responsible_for(org, level)
    if responsible is None:
        raise ValidationError(
            f"“{org.name}”及其上级中没有{level_label(level)}一级的党组织，不能交由{level_label(level)}一级办理。"
        )
    return responsible


def _locked(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().select_related("org", "responsible_org").get(pk=problem.pk)


def _event(problem: Problem, kind: str, note: str, actor) -> ProblemEvent:
    return ProblemEvent.objects.create(problem=problem, kind=kind, note=(note or "")[:TEXT_MAX], actor=_user(actor))


def _audit(action, problem: Problem, actor, before: dict | None, detail: str) -> None:
    record(action, actor=actor, obj=problem, org=problem.org, before=before, after=snapshot(problem), detail=detail)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ValidationError(message)


# ---------------------------------------------------------------------------------------------------- recording


@transaction.atomic
def record_problem(
    org: Organization,
    *,
    title: str,
    category: str,
    level: str,
    owner_name: str,
    deadline: datetime.date,
    owner_user=None,
    detail: str = "",
    source: str = SourceKind.MANUAL,
    source_ref: str = "",
    actor,
) -> Problem:
    """Put a problem on the list, already assigned (责任清单: level, owner, deadline). Other areas feed the list
    through this function, naming what they found it in (`source`, `source_ref`: "2026年第12周 青松村完成情况表")."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    if source not in SourceKind.values:
        raise ValidationError(f"未知的问题来源：{source}")
    today = timezone.localdate()
    title = _text(title, "问题", TITLE_MAX)
    detail = _text(detail, "具体情况", 2000, required=False)
    category, level = _category(category), _level(level)
    responsible = _responsible(org, level)
    if actor is not None and not path_in_scope(actor, responsible.path, Action.CHANGE):
        raise ValidationError(
            f"您无权把问题交由{responsible.name}办理：请交由本级办理；本级解决不了的，再按“本级无法解决”逐级上报。"
        )
    owner_name, owner_user = _owner(owner_name, owner_user, responsible, level)
    problem = Problem.objects.create(
        title=title,
        detail=detail,
        category=category,
        org=org,
        level=level,
        responsible_org=responsible,
        owner_name=owner_name,
        owner_user=owner_user,
        deadline=_deadline(deadline, today),
        status=ProblemStatus.OPEN,
        source=source,
        source_ref=_text(source_ref, "来源说明", 200, required=False),
        created_by=_user(actor),
        recorded_on=today,
    )
    _event(
        problem,
        EventKind.RECORDED,
        f"{problem.get_source_display()}；交由{responsible.name}（{owner_name}）办理",
        actor,
    )
    _audit(AuditAction.CREATE, problem, actor, None, f"登记问题，交由{responsible.name}办理")
    rollups.problem_changed(problem, Counter())
    return problem


@transaction.atomic
def assign_problem(problem: Problem, *, owner_name: str, deadline: datetime.date, owner_user=None, actor) -> Problem:
    """Name the owner and deadline at the problem's level: after an escalation, or to hand it to someone else."""
    problem = _locked(problem)
    ensure_in_scope(actor, problem.org.path, Action.VIEW)
    _require(actor is None or can_handle(actor, problem), f"只有{problem.responsible_org.name}可以指派该问题的责任人。")
    _require(
        problem.status in (ProblemStatus.ASSIGNING, ProblemStatus.OPEN),
        f"该问题{problem.get_status_display()}，不能再指派责任人。",
    )
    before = snapshot(problem)
    counted_before = rollups.keys_of(problem)
    problem.owner_name, problem.owner_user = _owner(owner_name, owner_user, problem.responsible_org, problem.level)
    problem.deadline = _deadline(deadline, timezone.localdate())
    problem.status = ProblemStatus.OPEN
    problem.escalation_level = 0
    problem.save()
    _event(problem, EventKind.ASSIGNED, f"责任人 {problem.owner_name}，办结时限 {problem.deadline:%Y-%m-%d}", actor)
    _audit(AuditAction.UPDATE, problem, actor, before, "指派责任人")
    rollups.problem_changed(problem, counted_before)
    return problem


# ---------------------------------------------------------------------------------------------------- the owner's side


def _owner_side(problem: Problem, actor, doing: str) -> None:
    ensure_in_scope(actor, problem.org.path, Action.VIEW)
    _require(actor is None or can_handle(actor, problem), f"只有责任单位{problem.responsible_org.name}可以{doing}。")
    _require(problem.status == ProblemStatus.OPEN, f"该问题{problem.get_status_display()}，不能{doing}。")


@transaction.atomic
def add_progress(problem: Problem, *, note: str, actor) -> ProblemEvent:
    """The owner records how the work goes."""
    problem = _locked(problem)
    _owner_side(problem, actor, "记录办理进展")
    note = _text(note, "办理进展", TEXT_MAX)
    event = _event(problem, EventKind.PROGRESS, note, actor)
    record(AuditAction.UPDATE, actor=actor, obj=problem, org=problem.org, after={"progress": note}, detail="办理进展")
    return event


@transaction.atomic
def submit_problem(problem: Problem, *, result: str, actor) -> Problem:
    """The owner reports the problem solved (申报办结); it waits for the level above to verify and close it."""
    problem = _locked(problem)
    _owner_side(problem, actor, "申报办结")
    before = snapshot(problem)
    counted_before = rollups.keys_of(problem)
    problem.result = _text(result, "办理结果", TEXT_MAX)
    problem.status = ProblemStatus.SUBMITTED
    problem.submitted_at, problem.submitted_by = timezone.now(), _user(actor)
    above, action = verifier(problem)
    problem.verifier_org, problem.verifier_manages = above, action == Action.MANAGE
    problem.save()
    _event(problem, EventKind.SUBMITTED, f"{problem.result}（待{above.name}核实销号）", actor)
    _audit(AuditAction.UPDATE, problem, actor, before, "申报办结")
    rollups.problem_changed(problem, counted_before)
    notify(
        holders(above),
        title=f"待核实销号：{problem.org.name}「{problem.title[:40]}」",
        body=f"责任单位 {problem.responsible_org.name}（{problem.owner_name}）申报办结：{problem.result}",
        url=_url(problem),
        key=f"problem_submitted:{problem.pk}:{problem.submitted_at:%Y%m%d%H%M%S}",
    )
    return problem


@transaction.atomic
def escalate_problem(problem: Problem, *, reason: str, actor) -> Problem:
    """ "本级无法解决": raise the problem one level with the reason; the level above names its owner and deadline."""
    problem = _locked(problem)
    ensure_in_scope(actor, problem.org.path, Action.VIEW)
    _require(actor is None or can_handle(actor, problem), f"只有责任单位{problem.responsible_org.name}可以上报该问题。")
    _require(
        problem.status in (ProblemStatus.OPEN, ProblemStatus.ASSIGNING),
        f"该问题{problem.get_status_display()}，不能上报。",
    )
    reason = _text(reason, "上报理由（本级无法解决的原因）", TEXT_MAX)
    up = level_above(problem.level)
    _require(up is not None, "该问题已由市一级办理，不能再上报。")
    target = None
    while up is not None and target is None:
        found = responsible_for(problem.org, up)
        target = found if found is not None and found.pk != problem.responsible_org_id else None
        if target is None:
            up = level_above(up)
    _require(target is not None, f"{problem.responsible_org.name}之上没有可以上报的党组织。")
    before = snapshot(problem)
    counted_before = rollups.keys_of(problem)
    lower = problem.responsible_org.name
    problem.level, problem.responsible_org = up, target
    problem.status = ProblemStatus.ASSIGNING
    problem.owner_name, problem.owner_user, problem.deadline = "", None, None
    problem.escalation_level = 0
    problem.save()
    _event(problem, EventKind.ESCALATED, f"{lower}无法解决，上报{target.name}：{reason}", actor)
    _audit(AuditAction.UPDATE, problem, actor, before, f"本级无法解决，上报{target.name}")
    rollups.problem_changed(problem, counted_before)
    notify(
        holders(target),
        title=f"问题上报：{problem.org.name}「{problem.title[:40]}」待指派责任人",
        body=f"{lower}报告本级无法解决：{reason}",
        url=_url(problem),
        key=f"problem_escalated:{problem.pk}:{up}",
    )
    return problem


# ---------------------------------------------------------------------------------------------------- the level above


def _verifier_side(problem: Problem, actor, doing: str) -> Organization:
    ensure_in_scope(actor, problem.org.path, Action.VIEW)
    above, action = verifier(problem)
    if actor is not None:
        if actor.pk in (problem.owner_user_id, problem.submitted_by_id):
            raise ValidationError(
                f"责任人不能为本人承办的问题{doing}：须由上一级（{above.name}）核实后办理，不能由责任人自己销号。"
            )
        _require(path_in_scope(actor, above.path, action), f"只有{above.name}可以核实并{doing}。")
    _require(
        problem.status == ProblemStatus.SUBMITTED,
        f"该问题{problem.get_status_display()}，不能{doing}：须责任单位申报办结后，由{above.name}核实。",
    )
    return above


@transaction.atomic
def close_problem(problem: Problem, *, opinion: str, actor) -> Problem:
    """Verify and close (销号), with an opinion; the level the problem was at is the level that solved it."""
    problem = _locked(problem)
    above = _verifier_side(problem, actor, "销号")
    before = snapshot(problem)
    counted_before = rollups.keys_of(problem)
    problem.closing_opinion = _text(opinion, "核实意见", TEXT_MAX)
    problem.status = ProblemStatus.CLOSED
    problem.closed_at, problem.closed_on, problem.closed_by = timezone.now(), timezone.localdate(), _user(actor)
    problem.solved_level = problem.level
    problem.save()
    _event(problem, EventKind.CLOSED, f"{above.name}核实销号：{problem.closing_opinion}", actor)
    _audit(AuditAction.UPDATE, problem, actor, before, "核实销号")
    rollups.problem_changed(problem, counted_before)
    return problem


@transaction.atomic
def return_problem(problem: Problem, *, opinion: str, actor) -> Problem:
    """Verification found it not solved: back to the owner, with why."""
    problem = _locked(problem)
    above = _verifier_side(problem, actor, "退回")
    before = snapshot(problem)
    counted_before = rollups.keys_of(problem)
    opinion = _text(opinion, "退回意见", TEXT_MAX)
    problem.status = ProblemStatus.OPEN
    problem.submitted_at = problem.submitted_by = None
    problem.save()
    _event(problem, EventKind.RETURNED, f"{above.name}核实未通过：{opinion}", actor)
    _audit(AuditAction.UPDATE, problem, actor, before, "核实未通过，退回重办")
    rollups.problem_changed(problem, counted_before)
    return problem


def _url(problem: Problem) -> str:
    try:
        return reverse("problems:detail", args=[problem.pk])
    except NoReverseMatch:  # the pages are not mounted (a trimmed installation)
        return ""
