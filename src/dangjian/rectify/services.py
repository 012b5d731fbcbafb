"""Rectification services: opening cases, the plan (一村一策), supporters, funds, the ledger (台账), verification and
closure (销号), reopening and the roll-over into the next year.

Who may do what, on top of the data scope (every check repeated inside the transaction with `ensure_in_scope`):
- open a case by hand or from an inspection finding: MANAGE on the organization's parent or above;
- open the cases of a published assessment: MANAGE on the assessment's root;
- draft the plan (measures), write the ledger, mark a measure done: CHANGE on the organization itself or above;
- set the kind of weakness, the deadline, the five supporters and the funds: CHANGE on the parent (the town) or above;
- the town's check (初验): CHANGE on the parent;
- accept and close (销号), reopen: the closing level set by `DANGJIAN_CASE_CLOSING_LEVEL` — MANAGE on the county
  above the organization ("county", the default) or CHANGE on its parent ("town").
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from dangjian.assess.models import AssessmentStatus, Result
from dangjian.cadence.notify import notify
from dangjian.core.audit import record, snapshot
from dangjian.core.evidence import UploadRule
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action, path_in_scope
from dangjian.core.services import ensure_in_scope
from dangjian.orgs.choices import Level, OrgKind
from dangjian.orgs.models import Organization
from dangjian.rulebook.book import Book, Effective

from .models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseSource,
    CaseStatus,
    Fund,
    LedgerEntry,
    LedgerFile,
    Measure,
    MeasureStatus,
    Supporter,
    SupporterRole,
    WeaknessKind,
)

# Rules read from the rulebook (village-only ones bind only the domains it lists): the 5万 special-funds norm of
# Mohe [004] (`rectify.fund_norm`, in fen), the first secretary among the five supporters (`rectify.first_secretary`)
# and the town's check before closure (`rectify.town_check`). An agency or enterprise case is held to none of them.
FUND_NORM_RULE, FIRST_SECRETARY_RULE, TOWN_CHECK_RULE = (
    "rectify.fund_norm",
    "rectify.first_secretary",
    "rectify.town_check",
)


def town_check_rule(case: Case, book: Book | None = None) -> Effective | None:
    """The town's check as it binds this case's organization, or None where it does not (agencies, enterprises)."""
    return (book or Book.load()).applies(TOWN_CHECK_RULE, case.org)


def supporter_roles(case: Case, book: Book | None = None) -> list[tuple[str, str]]:
    """The roles of 五级包扶 this case has: the first secretary only where the rulebook binds the organization."""
    book = book or Book.load()
    keep_first = book.applies(FIRST_SECRETARY_RULE, case.org) is not None
    return [(r, label) for r, label in SupporterRole.choices if keep_first or r != SupporterRole.FIRST_SECRETARY]


CLOSING_LEVELS = ("county", "town")
ROLLOVER_REASON = "上年度整顿未销号，结转本年度"


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# ---------------------------------------------------------------------------------------------------- who may


def parent_path(path: str) -> str:
    """The parent's materialized path; "" for a root."""
    trimmed = path.rstrip(".")
    return trimmed[: trimmed.rfind(".") + 1]


def closing_level() -> str:
    level = getattr(settings, "DANGJIAN_CASE_CLOSING_LEVEL", "county")
    if level not in CLOSING_LEVELS:
        raise ValidationError(f"销号层级设置无效：{level}（应为 county 或 town）。")
    return level


def closing_path(case: Case) -> tuple[str, str]:
    """The path of the organization that closes `case`, and the action needed on it."""
    return closing_paths([case])[case.pk]


def closing_paths(cases) -> dict[int, tuple[str, str]]:
    """`closing_path` of many cases, in one query (the workbench asks it of every case awaiting closure)."""
    if closing_level() == "town":
        return {case.pk: (parent_path(case.org.path) or case.org.path, Action.CHANGE) for case in cases}
    counties = counties_of([case.org for case in cases])
    out = {}
    for case in cases:
        county = counties[case.org.pk]
        out[case.pk] = (county.path if county else parent_path(case.org.path) or case.org.path), Action.MANAGE
    return out


def county_of(org: Organization) -> Organization | None:
    """The county above `org`: its county committee (县委), else its highest ancestor of county level — not a
    county-level committee in between such as 县直属机关党委 or a hospital's committee."""
    return counties_of([org])[org.pk]


def counties_of(orgs) -> dict[int, Organization | None]:
    """`county_of` of many organizations, their ancestors read in one query."""
    wanted = {org.pk: [int(part) for part in org.path.split(".") if part][:-1] for org in orgs}
    ids = {pk for above in wanted.values() for pk in above}
    found = Organization.objects.filter(pk__in=ids).only("path", "kind", "level", "depth", "name") if ids else []
    ancestors = {org.pk: org for org in found}
    out = {}
    for pk, above in wanted.items():
        line = [ancestors[i] for i in above if i in ancestors]
        committees = [a for a in line if a.kind == OrgKind.COUNTY_COMMITTEE]
        counties = [a for a in line if a.level == Level.COUNTY]
        out[pk] = (
            max(committees, key=lambda a: a.depth)
            if committees
            else (min(counties, key=lambda a: a.depth) if counties else None)
        )
    return out


def _parent_or_self(case: Case) -> str:
    return parent_path(case.org.path) or case.org.path


def can_plan(user, case: Case) -> bool:
    """Measures, ledger entries, measures done: the organization itself or above."""
    return path_in_scope(user, case.org.path, Action.CHANGE)


def can_support(user, case: Case) -> bool:
    """Kind, deadline, supporters, funds and the town's check: the level above."""
    return path_in_scope(user, _parent_or_self(case), Action.CHANGE)


def can_close(user, case: Case, closing: tuple[str, str] | None = None) -> bool:
    """Whether `user` closes `case`; `closing` its `closing_path` when already known (`closing_paths`)."""
    path, action = closing or closing_path(case)
    return path_in_scope(user, path, action)


def can_open_for(user, org: Organization) -> bool:
    """Opening a case by hand: MANAGE on the organization's parent or above (an organization never lists itself)."""
    parent = parent_path(org.path)
    return bool(parent) and path_in_scope(user, parent, Action.MANAGE)


def _ensure_writable(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ValidationError("该整顿案件已销号，不能再修改；如需继续整改，请由销号单位重新打开。")


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("org").get(pk=case.pk)


# ---------------------------------------------------------------------------------------------------- history


def record_event(case: Case, kind: str, note: str = "", actor=None) -> CaseEvent:
    """Add a line to the case's history. The service that calls it writes the audit record of the change."""
    if kind not in CaseEventKind.values:
        raise ValidationError(f"未知的过程记录类型：{kind}")
    return CaseEvent.objects.create(case=case, kind=kind, note=(note or "")[:1000], actor=_user(actor))


# ---------------------------------------------------------------------------------------------------- opening


def _clean_list(values) -> list[str]:
    return [str(v).strip()[:200] for v in values or () if str(v).strip()]


@transaction.atomic
def open_case(
    org: Organization,
    *,
    year: int,
    source: str,
    actor,
    reasons=(),
    problems=(),
    assessment=None,
    note: str = "",
    kind: str = "",
    deadline: datetime.date | None = None,
    rolled_from: Case | None = None,
) -> Case:
    """Open one organization's case for `year`. An inspection finding needs a note saying what was found."""
    from .pairing import guess_kind

    if source not in CaseSource.values:
        raise ValidationError(f"未知的立案来源：{source}")
    if kind and kind not in WeaknessKind.values:
        raise ValidationError(f"未知的软弱类型：{kind}")
    note = (note or "").strip()
    reasons = _clean_list(reasons)
    if source == CaseSource.INSPECTION and not note:
        raise ValidationError({"note": "督查发现立案须写明发现的问题。"})
    if source in (CaseSource.INSPECTION, CaseSource.MANUAL) and not (reasons or note):
        raise ValidationError({"note": "请写明列入整顿的原因。"})
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": "年度应在 2000 到 2100 之间。"})
    if Case.objects.filter(org=org, year=year).exists():
        raise ValidationError(f"{org.name} {year} 年度已有整顿案件。")
    if source != CaseSource.ASSESSMENT and not parent_path(org.path):
        raise ValidationError("最上级党组织没有上级，不能列为整顿对象。")
    if note and source in (CaseSource.INSPECTION, CaseSource.MANUAL) and note not in reasons:
        reasons.append(note[:200])
    problems = _clean_list(problems)
    case = Case.objects.create(
        org=org,
        year=year,
        source=source,
        assessment=assessment,
        reasons=reasons,
        problems=problems,
        kind=kind or guess_kind(problems),
        deadline=deadline,
        rolled_from=rolled_from,
        opened_by=_user(actor),
    )
    if source == CaseSource.ASSESSMENT:
        ensure_in_scope(actor, assessment.root.path if assessment else org.path, Action.MANAGE)
    elif source == CaseSource.ROLLOVER:
        ensure_in_scope(actor, org.path, Action.MANAGE)
    else:
        ensure_in_scope(actor, parent_path(org.path), Action.MANAGE)
    record_event(case, CaseEventKind.OPENED, f"{case.get_source_display()}：{'；'.join(reasons)}"[:1000], actor)
    record(AuditAction.CREATE, actor=actor, obj=case, org=org, after=snapshot(case), detail="整顿立案")
    return case


@transaction.atomic
def open_cases_for(assessment, *, actor) -> list[Case]:
    """Open a case for each weak organization of a published assessment, with its reasons and problem flags.

    Idempotent: an organization that already has a case for the year gets none (a case rolled over from last year
    takes this assessment's reasons). Returns the cases opened now."""
    if assessment.status != AssessmentStatus.PUBLISHED:
        raise ValidationError("考核结果尚未发布，不能据此立案整顿。")
    ensure_in_scope(actor, assessment.root.path, Action.MANAGE)
    weak = (
        Result.objects.filter(participant__assessment=assessment, weak=True, participant__org__isnull=False)
        .select_related("participant__org")
        .order_by("participant__path")
    )
    existing = {
        c.org_id: c for c in Case.objects.filter(year=assessment.year, org__in=[r.participant.org_id for r in weak])
    }
    opened = []
    for result in weak:
        org = result.participant.org
        case = existing.get(org.pk)
        if case is None:
            opened.append(
                open_case(
                    org,
                    year=assessment.year,
                    source=CaseSource.ASSESSMENT,
                    actor=actor,
                    reasons=result.reasons,
                    problems=result.problems,
                    assessment=assessment,
                )
            )
        elif case.assessment_id is None and case.status != CaseStatus.CLOSED:
            before = snapshot(case)
            case.assessment = assessment
            case.reasons = [*case.reasons, *[r for r in result.reasons if r not in case.reasons]]
            case.problems = [*case.problems, *[p for p in result.problems if p not in case.problems]]
            case.save(update_fields=["assessment", "reasons", "problems"])
            record_event(case, CaseEventKind.OPENED, f"{assessment.title}再次列为软弱涣散", actor)
            record(AuditAction.UPDATE, actor=actor, obj=case, org=org, before=before, after=snapshot(case))
    return opened


@transaction.atomic
def update_case(case: Case, *, actor, kind: str, deadline: datetime.date | None) -> Case:
    """The kind of weakness (which decides the pairing) and the overall deadline, set by the level above."""
    case = _locked(case)
    _ensure_writable(case)
    if kind and kind not in WeaknessKind.values:
        raise ValidationError({"kind": "未知的软弱类型。"})
    before = snapshot(case)
    case.kind, case.deadline = kind, deadline
    case.save(update_fields=["kind", "deadline"])
    ensure_in_scope(actor, _parent_or_self(case), Action.CHANGE)
    record(AuditAction.UPDATE, actor=actor, obj=case, org=case.org, before=before, after=snapshot(case))
    return case


# ---------------------------------------------------------------------------------------------------- the plan


@transaction.atomic
def add_measure(
    case: Case,
    *,
    actor,
    problem: str,
    action: str,
    responsible: str,
    deadline: datetime.date,
    responsible_user=None,
) -> Measure:
    case = _locked(case)
    _ensure_writable(case)
    errors = {}
    for field, value, label in (
        ("problem", problem, "问题"),
        ("action", action, "整改措施"),
        ("responsible", responsible, "责任人"),
    ):
        if not (value or "").strip():
            errors[field] = f"请填写{label}。"
    if deadline is None:
        errors["deadline"] = "请填写完成时限。"
    if errors:
        raise ValidationError(errors)
    measure = Measure.objects.create(
        case=case,
        problem=problem.strip()[:500],
        action=action.strip()[:1000],
        responsible=responsible.strip()[:50],
        responsible_user=responsible_user,
        deadline=deadline,
    )
    if case.status == CaseStatus.TOWN_CHECKED:  # a new measure after the check needs checking again
        _undo_town_check(case, "新增整改措施，需重新初验", actor)
    ensure_in_scope(actor, case.org.path, Action.CHANGE)
    record(AuditAction.CREATE, actor=actor, obj=measure, org=case.org, after=snapshot(measure), detail="整改措施")
    return measure


def _undo_town_check(case: Case, note: str, actor) -> None:
    case.status = CaseStatus.OPEN
    case.town_checked_at, case.town_checked_by, case.town_opinion = None, None, ""
    case.save(update_fields=["status", "town_checked_at", "town_checked_by", "town_opinion"])
    record_event(case, CaseEventKind.REOPENED, note, actor)


@transaction.atomic
def complete_measure(measure: Measure, *, actor, date: datetime.date) -> Measure:
    """Mark a measure done on `date` (not in the future, not before it was planned)."""
    measure = Measure.objects.select_for_update().select_related("case__org").get(pk=measure.pk)
    _ensure_writable(measure.case)
    if measure.status == MeasureStatus.DONE:
        raise ValidationError("该措施已标记完成。")
    if date is None:
        raise ValidationError({"date": "请填写完成日期。"})
    if date > timezone.localdate():
        raise ValidationError({"date": "完成日期不能晚于今天。"})
    before = snapshot(measure)
    measure.status, measure.done_at = MeasureStatus.DONE, date
    measure.save(update_fields=["status", "done_at"])
    ensure_in_scope(actor, measure.case.org.path, Action.CHANGE)
    record(AuditAction.UPDATE, actor=actor, obj=measure, org=measure.case.org, before=before, after=snapshot(measure))
    return measure


@transaction.atomic
def set_supporter(case: Case, role: str, *, actor, name: str, unit: str = "", user=None) -> Supporter | None:
    """Record (or replace) one of the five supporters (五级包扶); an empty name removes the role's supporter.
    A supporter with an account is notified once the change is saved."""
    case = _locked(case)
    _ensure_writable(case)
    if role not in SupporterRole.values:
        raise ValidationError(f"未知的包扶层级：{role}")
    name, unit = (name or "").strip()[:50], (unit or "").strip()[:200]
    if name and role not in dict(supporter_roles(case)):
        rule = Book.load().rule(FIRST_SECRETARY_RULE, case.org)
        raise ValidationError(
            {role: rule.cite(f"驻村第一书记只适用于{rule.domain_words}党组织的整顿，“{case.org.name}”不适用。")}
        )
    current = Supporter.objects.filter(case=case, role=role).first()
    before = snapshot(current) if current else None
    if not name:
        if user is not None:
            raise ValidationError({role: "选择了账号，请同时填写姓名。"})
        if current:
            current.delete()
            ensure_in_scope(actor, _parent_or_self(case), Action.CHANGE)
            record(AuditAction.DELETE, actor=actor, obj=case, org=case.org, before=before, detail="删除包扶责任人")
        return None
    supporter = current or Supporter(case=case, role=role)
    changed_user = supporter.user_id != (user.pk if user else None)
    supporter.name, supporter.unit, supporter.user = name, unit, user
    if changed_user:
        supporter.notified_at = None
    supporter.save()
    ensure_in_scope(actor, _parent_or_self(case), Action.CHANGE)
    record(
        AuditAction.UPDATE if current else AuditAction.CREATE,
        actor=actor,
        obj=supporter,
        org=case.org,
        before=before,
        after=snapshot(supporter),
        detail="包扶责任人",
    )
    if user is not None and supporter.notified_at is None:
        _notify_supporter(supporter, case)
    return supporter


def _notify_supporter(supporter: Supporter, case: Case) -> None:
    """In the caller's transaction: the in-app notice commits with the change (the senders run after commit)."""
    from django.urls import reverse

    notify(
        [supporter.user],
        title=f"您被确定为{case.org.name}整顿的{supporter.get_role_display()}",
        body=f"{case.year} 年度软弱涣散基层党组织整顿：{'；'.join(case.reasons)[:300]}",
        url=reverse("rectify:detail", args=[case.pk]),
        key=f"rectify-supporter-{supporter.pk}-{supporter.user_id}",
    )
    supporter.notified_at = timezone.now()
    Supporter.objects.filter(pk=supporter.pk).update(notified_at=supporter.notified_at)


@transaction.atomic
def add_fund(case: Case, *, actor, amount, source: str, date: datetime.date, purpose: str = "") -> Fund:
    case = _locked(case)
    _ensure_writable(case)
    try:
        amount = Decimal(str(amount).strip())
    except Exception:
        raise ValidationError({"amount": "金额应为数字。"}) from None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("10000000000"):
        raise ValidationError({"amount": "金额应大于 0。"})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": "金额最多保留两位小数。"})
    if not (source or "").strip():
        raise ValidationError({"source": "请填写资金来源。"})
    if date is None:
        raise ValidationError({"date": "请填写拨付日期。"})
    fund = Fund.objects.create(
        case=case, amount=amount, source=source.strip()[:200], purpose=(purpose or "")[:500], date=date
    )
    ensure_in_scope(actor, _parent_or_self(case), Action.CHANGE)
    record(AuditAction.CREATE, actor=actor, obj=fund, org=case.org, after=snapshot(fund), detail="专项资金")
    return fund


# ---------------------------------------------------------------------------------------------------- the ledger

MAX_FILES_PER_ENTRY = 10
EVIDENCE = UploadRule(what="台账佐证", most=MAX_FILES_PER_ENTRY, too_many="每条台账最多上传 {most} 个文件。")


@transaction.atomic
def add_entry(measure: Measure, *, actor, date: datetime.date, content: str, files=()) -> LedgerEntry:
    """A progress entry of the ledger with its evidence files; all or nothing."""
    measure = Measure.objects.select_related("case__org").get(pk=measure.pk)
    _ensure_writable(measure.case)
    if not (content or "").strip():
        raise ValidationError({"content": "请填写进展情况。"})
    if date is None:
        raise ValidationError({"date": "请填写日期。"})
    if date > timezone.localdate():
        raise ValidationError({"date": "日期不能晚于今天。"})
    files = list(files or ())
    EVIDENCE.check(files)
    entry = LedgerEntry.objects.create(measure=measure, date=date, content=content.strip()[:2000], author=_user(actor))
    LedgerFile.save_uploads(files, actor=actor, entry=entry)
    ensure_in_scope(actor, measure.case.org.path, Action.CHANGE)
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=entry,
        org=measure.case.org,
        after={**snapshot(entry), "files": [f.name for f in files]},
        detail="整改台账",
    )
    return entry


# ---------------------------------------------------------------------------------------------------- closure


def _ensure_plan_done(case: Case, step: str) -> None:
    """Every measure done before `step` (乡镇初验 or 验收销号), refused in that step's own words."""
    measures = list(case.measures.all())
    if not measures:
        raise ValidationError(f"尚未制定整改措施，不能{step}。")
    open_count = sum(1 for m in measures if m.status != MeasureStatus.DONE)
    if open_count:
        raise ValidationError(f"还有 {open_count} 项整改措施未完成，不能{step}。")


@transaction.atomic
def town_check(case: Case, *, actor, opinion: str) -> Case:
    """The town's check (乡镇初验), with its opinion, once every measure is done."""
    case = _locked(case)
    if case.status != CaseStatus.OPEN:
        raise ValidationError(f"案件当前状态为「{case.get_status_display()}」，不能初验。")
    if town_check_rule(case) is None:
        rule = Book.load().rule(TOWN_CHECK_RULE, case.org)
        raise ValidationError(rule.cite(f"乡镇初验只适用于{rule.domain_words}党组织的整顿，本案件可直接验收销号。"))
    if not (opinion or "").strip():
        raise ValidationError({"opinion": "请填写初验意见。"})
    _ensure_plan_done(case, "初验")
    before = snapshot(case)
    case.status = CaseStatus.TOWN_CHECKED
    case.town_checked_at, case.town_checked_by, case.town_opinion = timezone.now(), _user(actor), opinion.strip()[:1000]
    case.save(update_fields=["status", "town_checked_at", "town_checked_by", "town_opinion"])
    ensure_in_scope(actor, _parent_or_self(case), Action.CHANGE)
    record_event(case, CaseEventKind.TOWN_CHECKED, case.town_opinion, actor)
    record(
        AuditAction.UPDATE, actor=actor, obj=case, org=case.org, before=before, after=snapshot(case), detail="乡镇初验"
    )
    return case


@transaction.atomic
def close_case(case: Case, *, actor, opinion: str) -> Case:
    """Acceptance and closure (验收销号) by the closing level, after the town's check."""
    case = _locked(case)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError("该案件已销号。")
    rule = town_check_rule(case)
    if rule is not None and case.status != CaseStatus.TOWN_CHECKED:
        raise ValidationError(rule.cite("须先经乡镇初验，才能验收销号。"))
    if not (opinion or "").strip():
        raise ValidationError({"opinion": "请填写验收意见。"})
    _ensure_plan_done(case, "验收销号")
    before = snapshot(case)
    case.status = CaseStatus.CLOSED
    case.closed_at, case.closed_by, case.closing_opinion = timezone.now(), _user(actor), opinion.strip()[:1000]
    case.save(update_fields=["status", "closed_at", "closed_by", "closing_opinion"])
    path, action = closing_path(case)
    ensure_in_scope(actor, path, action)
    record_event(case, CaseEventKind.CLOSED, case.closing_opinion, actor)
    record(
        AuditAction.UPDATE, actor=actor, obj=case, org=case.org, before=before, after=snapshot(case), detail="验收销号"
    )
    return case


@transaction.atomic
def reopen_case(case: Case, *, actor, reason: str) -> Case:
    """A closed case opened again by the closing level; the reason is required and kept in the history."""
    case = _locked(case)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError("只有已销号的案件才能重新打开。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "重新打开须填写理由。"})
    before = snapshot(case)
    case.status = CaseStatus.OPEN
    case.closed_at, case.closed_by, case.closing_opinion = None, None, ""
    case.town_checked_at, case.town_checked_by, case.town_opinion = None, None, ""
    case.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "closing_opinion",
            "town_checked_at",
            "town_checked_by",
            "town_opinion",
        ]
    )
    path, action = closing_path(case)
    ensure_in_scope(actor, path, action)
    record_event(case, CaseEventKind.REOPENED, reason.strip(), actor)
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=case,
        org=case.org,
        before=before,
        after=snapshot(case),
        detail=f"重新打开：{reason.strip()}"[:500],
    )
    return case


# ---------------------------------------------------------------------------------------------------- the year's end


@transaction.atomic
def roll_over(year: int, *, actor) -> list[Case]:
    """Open next year's case (source rollover) for every case of `year` not closed, carrying its reasons, problems,
    kind, supporters and open measures. Idempotent: an organization that already has next year's case gets none.
    With an actor, only the cases within the actor's MANAGE scope are rolled over."""
    cases = Case.objects.filter(year=year).exclude(status=CaseStatus.CLOSED).select_related("org")
    if actor is not None:
        cases = cases.restrict(actor, Action.MANAGE)
    taken = set(Case.objects.filter(year=year + 1).values_list("org_id", flat=True))
    rolled = []
    for old in cases.order_by("org__path"):
        if old.org_id in taken:
            continue
        new = open_case(
            old.org,
            year=year + 1,
            source=CaseSource.ROLLOVER,
            actor=actor,
            reasons=[ROLLOVER_REASON, *old.reasons],
            problems=old.problems,
            kind=old.kind,
            rolled_from=old,
        )
        for measure in old.measures.filter(status=MeasureStatus.OPEN):
            Measure.objects.create(
                case=new,
                problem=measure.problem,
                action=measure.action,
                responsible=measure.responsible,
                responsible_user=measure.responsible_user,
                deadline=measure.deadline,
            )
        for supporter in old.supporters.all():
            Supporter.objects.create(
                case=new, role=supporter.role, name=supporter.name, unit=supporter.unit, user=supporter.user
            )
        record_event(old, CaseEventKind.ROLLED, f"未销号，结转至 {year + 1} 年度", actor)
        rolled.append(new)
    return rolled


def open_case_codes(year: int) -> set[str]:
    """Codes of the organizations whose case of `year` is not closed: the next assessment shows them as
    “上年未销号”."""
    return set(Case.objects.filter(year=year).exclude(status=CaseStatus.CLOSED).values_list("org__code", flat=True))


# ---------------------------------------------------------------------------------------------------- figures


def due_measures(today: datetime.date, days: int = 7) -> QuerySet[Measure]:
    """Open measures of cases not closed, due from `today` to `days` days later (the weekly reminder)."""
    return (
        Measure.objects.filter(
            status=MeasureStatus.OPEN, deadline__gte=today, deadline__lte=today + datetime.timedelta(days=days)
        )
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case__org", "responsible_user")
    )


def overdue_measures(today: datetime.date, grace_days: int = 0) -> QuerySet[Measure]:
    """Open measures of cases not closed whose deadline passed more than `grace_days` days before `today`."""
    return (
        Measure.objects.filter(status=MeasureStatus.OPEN, deadline__lt=today - datetime.timedelta(days=grace_days))
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case__org", "responsible_user")
    )


def case_progress(case: Case, today: datetime.date | None = None, book: Book | None = None) -> dict:
    """Measures total/done/open/overdue, the funds' total (and the [004] norm), the last ledger date."""
    today = today or timezone.localdate()
    measures = list(case.measures.values_list("status", "deadline"))
    done = sum(1 for status, _ in measures if status == MeasureStatus.DONE)
    overdue = sum(1 for status, deadline in measures if status == MeasureStatus.OPEN and deadline < today)
    funds = case.funds.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    last = LedgerEntry.objects.filter(measure__case=case).aggregate(last=Max("date"))["last"]
    norm_rule = (book or Book.load()).applies(FUND_NORM_RULE, case.org)
    norm = Decimal(norm_rule.value) / 100 if norm_rule is not None else None
    return {
        "measures_total": len(measures),
        "measures_done": done,
        "measures_open": len(measures) - done,
        "measures_overdue": overdue,
        "funds_total": funds,
        "funds_norm": norm,  # None where the norm does not bind (not a village)
        "funds_short": max(norm - funds, Decimal("0")) if norm is not None else None,
        "funds_citation": norm_rule.citation if norm_rule is not None else "",
        "last_entry": last,
    }


def _row(org, label=None) -> dict:
    return {
        "org": org,
        "label": label or org.name,
        "cases_open": 0,
        "cases_closed": 0,
        "measures_open": 0,
        "measures_overdue": 0,
        "funds": Decimal("0"),
    }


def rollup(org: Organization, user, *, year: int | None = None, today: datetime.date | None = None) -> list[dict]:
    """The ledger rolled up per child of `org` within the user's scope (the county sees its towns, a town its
    villages): cases open and closed, measures open and overdue, funds; a row "本级" for cases of `org` itself.
    Four queries whatever the size of the subtree."""
    today = today or timezone.localdate()
    step = len(org.path) + 9
    children = Organization.objects.restrict(user, Action.VIEW).filter(parent=org).order_by("code")
    rows = {child.path: _row(child) for child in children}
    own = _row(org, "本级")

    def bucket(path: str):
        if path == org.path:
            return own
        return rows.get(path[:step])

    cases = Case.objects.restrict(user, Action.VIEW).in_subtree(org)
    measures = Measure.objects.restrict(user, Action.VIEW).in_subtree(org)
    funds = Fund.objects.restrict(user, Action.VIEW).in_subtree(org)
    if year:
        cases, measures, funds = (
            cases.filter(year=year),
            measures.filter(case__year=year),
            funds.filter(case__year=year),
        )
    for path, status in cases.values_list("org__path", "status"):
        row = bucket(path)
        if row is not None:
            row["cases_closed" if status == CaseStatus.CLOSED else "cases_open"] += 1
    for path, deadline in measures.filter(status=MeasureStatus.OPEN).values_list("case__org__path", "deadline"):
        row = bucket(path)
        if row is not None:
            row["measures_open"] += 1
            row["measures_overdue"] += deadline < today
    for path, amount in funds.values_list("case__org__path", "amount"):
        row = bucket(path)
        if row is not None:
            row["funds"] += amount
    result = list(rows.values())
    if own["cases_open"] or own["cases_closed"]:
        result.insert(0, own)
    return result


def overdue_filter(today: datetime.date) -> Q:
    """Cases with at least one open measure past its deadline (for the list's “逾期” filter)."""
    return Q(measures__status=MeasureStatus.OPEN, measures__deadline__lt=today)
