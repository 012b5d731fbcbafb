"""Writes of projects and resources, each atomic, scope-checked (CHANGE on the organization) and audited in the same
transaction. Validation is here, with Chinese messages, so the pages and the imports refuse the same things in the
same words. Nothing is half-written: a bad file or a member from elsewhere rolls the whole write back."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record, snapshot
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.core.uploads import EVIDENCE_TYPES, check_upload
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.rulebook.models import Rule, RuleOverride
from dangjian.rulebook.services import OVERRIDE_LEVELS, set_override

from . import rules
from .checklists import checklist_at
from .choices import FundSource, ProjectCategory, ProjectStatus, ReportKind, SecretaryRole, VenueKind
from .models import (
    Fund,
    Milestone,
    MonthlyReport,
    Project,
    ProjectEvidence,
    Secretary,
    ServicePeriod,
    Training,
    Venue,
    VenuePhoto,
)

PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic")
PHOTO_WORDS = "JPEG、PNG、GIF、WebP 或 HEIC 图片"
MAX_FILES = 9


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def roster(org: Organization):
    """The members an organization may pick: those of the organization and everything under it."""
    return Member.objects.in_subtree(org).order_by("name", "id")


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _year(errors: _Errors, year, field: str = "year") -> None:
    today = timezone.localdate()
    if not isinstance(year, int) or not 2000 <= year <= today.year + 1:
        errors.add(field, f"年度须在 2000 至 {today.year + 1} 之间。")


def _money(errors: _Errors, value, field: str, label: str) -> None:
    if not isinstance(value, int) or value < 0:
        errors.add(field, f"{label}须是不小于 0 的金额。")


def _people(errors: _Errors, org: Organization, members: Sequence[Member], field: str = "members") -> None:
    outside = [m.name for m in members if not m.org.path.startswith(org.path)]
    if outside:
        errors.add(field, f"人员须是{org.name}（含下级）的党员：{'、'.join(outside)} 不是。")
    if len({m.pk for m in members}) != len(members):
        errors.add(field, "同一人不能重复选择。")


def _files(files, *, photos: bool, what: str) -> None:
    if len(files) > MAX_FILES:
        raise ValidationError({"files": f"每次最多上传 {MAX_FILES} 个文件。"})
    for upload in files:
        if photos:
            check_upload(upload, allowed=PHOTO_TYPES, what=what, accepted=PHOTO_WORDS)
        else:
            check_upload(upload, allowed=EVIDENCE_TYPES, what=what)


# ---------------------------------------------------------------------------------------------------- projects

PROJECT_FIELDS = ("year", "title", "category", "status", "goals", "leader_name", "budget_fen", "spent_fen", "results")


def project_snapshot(project: Project) -> dict:
    data = snapshot(project, exclude=("created_at",))
    data["members"] = sorted(project.members.values_list("name", flat=True))
    return data


def _check_project(org, values: dict, members: Sequence[Member]) -> None:
    errors = _Errors()
    _year(errors, values.get("year"))
    if not (values.get("title") or "").strip():
        errors.add("title", "请填写项目名称。")
    if values.get("category") not in ProjectCategory.values:
        errors.add("category", "请选择项目类别（党建+中心工作、重点工作、日常工作或特色项目）。")
    if values.get("status", ProjectStatus.ACTIVE) not in ProjectStatus.values:
        errors.add("status", "请选择项目状态。")
    _money(errors, values.get("budget_fen", 0), "budget_fen", "计划投入")
    _money(errors, values.get("spent_fen", 0), "spent_fen", "已投入")
    _people(errors, org, members)
    errors.raise_any()


@transaction.atomic
def create_project(*, actor, org: Organization, members: Iterable[Member] = (), **values) -> Project:
    """A 党建+ project of `org` (`values`: the fields of `PROJECT_FIELDS`)."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    members = list(members)
    values = {k: v for k, v in values.items() if k in PROJECT_FIELDS}
    _check_project(org, values, members)
    project = Project.objects.create(org=org, **{**values, "title": values["title"].strip()})
    project.members.set(members)
    record(AuditAction.CREATE, actor=actor, obj=project, org=org, after=project_snapshot(project), detail="党建+项目")
    return project


@transaction.atomic
def update_project(project: Project, *, actor, members: Iterable[Member] | None = None, **values) -> Project:
    ensure_in_scope(actor, project.org.path, Action.CHANGE)
    before = project_snapshot(project)
    members = list(project.members.all()) if members is None else list(members)
    merged = {f: getattr(project, f) for f in PROJECT_FIELDS} | {k: v for k, v in values.items() if k in PROJECT_FIELDS}
    _check_project(project.org, merged, members)
    for field, value in merged.items():
        setattr(project, field, value.strip() if field == "title" else value)
    project.save()
    project.members.set(members)
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=project,
        org=project.org,
        before=before,
        after=project_snapshot(project),
        detail="党建+项目",
    )
    return project


@transaction.atomic
def add_milestone(project: Project, *, actor, title: str, due: datetime.date | None) -> Milestone:
    ensure_in_scope(actor, project.org.path, Action.CHANGE)
    errors = _Errors()
    if not (title or "").strip():
        errors.add("title", "请填写节点内容。")
    if due is None:
        errors.add("due", "请填写计划完成日期。")
    errors.raise_any()
    milestone = Milestone.objects.create(project=project, title=title.strip()[:200], due=due)
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=project,
        org=project.org,
        after={"milestone": milestone.title, "due": str(due)},
        detail="新增项目节点",
    )
    return milestone


@transaction.atomic
def complete_milestone(milestone: Milestone, *, actor, done_on: datetime.date | None = None) -> Milestone:
    project = milestone.project
    ensure_in_scope(actor, project.org.path, Action.CHANGE)
    today = timezone.localdate()
    done_on = done_on or today
    if done_on > today:
        raise ValidationError({"done_on": f"完成日期 {done_on} 晚于今天（{today}）。"})
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=project,
        org=project.org,
        after={"milestone": milestone.title, "done_on": str(done_on)},
        detail="项目节点完成",
    )
    return milestone


@transaction.atomic
def add_evidence(project: Project, files: Sequence, *, actor) -> list[ProjectEvidence]:
    """Evidence of a project's work (PDF, pictures, office files), all or none."""
    ensure_in_scope(actor, project.org.path, Action.CHANGE)
    files = list(files or ())
    if not files:
        raise ValidationError({"files": "请选择文件。"})
    _files(files, photos=False, what="项目佐证材料")
    made = []
    for upload in files:
        item = ProjectEvidence(project=project, original_name=upload.name[-200:])
        item.file.save(upload.name, upload, save=False)
        item.save()
        made.append(item)
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=project,
        org=project.org,
        after={"evidence": [f.name for f in files]},
        detail="上传项目佐证材料",
    )
    return made


# ---------------------------------------------------------------------------------------------------- venues

VENUE_FIELDS = ("kind", "name", "address", "area_m2", "built_year", "standard")


def _check_venue(values: dict, checklist: rules.Checklist, previous=()) -> None:
    errors = _Errors()
    if values.get("kind") not in VenueKind.values:
        errors.add("kind", "请选择阵地类别。")
    if not (values.get("name") or "").strip():
        errors.add("name", "请填写阵地名称。")
    built = values.get("built_year")
    if built is not None and not 1949 <= built <= timezone.localdate().year:
        errors.add("built_year", "建成年份有误。")
    unknown = checklist.unknown(values.get("standard"), previous)
    if unknown:
        errors.add("standard", f"“十有”清单中没有这些项目：{'、'.join(map(str, unknown))}。")
    errors.raise_any()


@transaction.atomic
def create_venue(
    *, actor, org: Organization, photos: Sequence = (), checklist: rules.Checklist | None = None, **values
) -> Venue:
    """A venue of `org` with the "十有" items it meets (`standard`: keys of the checklist in force at `org`;
    `checklist` given by an import that has them loaded already)."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    checklist = checklist or checklist_at(org)
    values = {k: v for k, v in values.items() if k in VENUE_FIELDS}
    _check_venue(values, checklist)
    photos = list(photos or ())
    _files(photos, photos=True, what="阵地照片")
    values["standard"] = checklist.normalize(values.get("standard"))
    venue = Venue.objects.create(org=org, **{**values, "name": values["name"].strip()})
    _save_photos(venue, photos)
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=venue,
        org=org,
        after=snapshot(venue, exclude=("created_at",)),
        detail="阵地",
    )
    return venue


@transaction.atomic
def update_venue(venue: Venue, *, actor, **values) -> Venue:
    ensure_in_scope(actor, venue.org.path, Action.CHANGE)
    before = snapshot(venue, exclude=("created_at",))
    merged = {f: getattr(venue, f) for f in VENUE_FIELDS} | {k: v for k, v in values.items() if k in VENUE_FIELDS}
    checklist = checklist_at(venue.org)
    _check_venue(merged, checklist, previous=venue.standard)
    merged["standard"] = checklist.normalize(merged.get("standard"), previous=venue.standard)
    for field, value in merged.items():
        setattr(venue, field, value.strip() if field == "name" else value)
    venue.save()
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=venue,
        org=venue.org,
        before=before,
        after=snapshot(venue, exclude=("created_at",)),
        detail="阵地",
    )
    return venue


def adjust_venue_standard(
    org: Organization,
    *,
    actor,
    reason: str,
    labels: dict[str, str] | None = None,
    retired: Iterable[str] = (),
    added: Iterable[str] = (),
) -> RuleOverride:
    """A county's (or city's) own "十有" checklist: the list in force there with items renamed (`labels`: key →
    new label), retired (`retired`: keys; a retired key listed again is brought back only by leaving it out) and
    added (`added`: labels), recorded as the rulebook's regional override of `resources.venue_standard` (who,
    when, why; the adjustment it replaces is withdrawn and kept). Items are never deleted, so a venue's answers to a
    retired item stay on its record; at least one item must stay in force."""
    current = checklist_at(org)
    labels = {k: (v or "").strip() for k, v in (labels or {}).items()}
    retired = set(retired)
    added = [label.strip() for label in added if label and label.strip()]
    errors = _Errors()
    if org.level not in OVERRIDE_LEVELS:
        errors.add("org_code", "“十有”清单只能由市、县（区）一级调整，请选择市委或县（区）委。")
    if not (reason or "").strip():
        errors.add("reason", "请填写调整理由。")
    known = {item.key for item in current.items}
    strange = sorted((set(labels) | retired) - known)
    if strange:
        errors.add("__all__", f"清单中没有这些项目：{'、'.join(strange)}。")
    items = [rules.Item(item.key, labels.get(item.key) or item.label, item.key in retired) for item in current.items]
    empty = [item.label for item in current.items if item.key in labels and not labels[item.key]]
    if empty:
        errors.add("labels", f"项目名称不能为空：{'、'.join(empty)}。")
    used = 1 + max((int(k[1:]) for k in known if k[:1] == "c" and k[1:].isdigit()), default=0)
    for n, label in enumerate(added):
        items.append(rules.Item(f"c{used + n}", label))
    names = [item.label for item in items if not item.retired]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        errors.add("labels", f"项目名称重复：{'、'.join(twice)}。")
    if any(len(item.label) > 50 for item in items):
        errors.add("labels", "项目名称不能超过50个字。")
    if not names:
        errors.add("labels", "至少保留一个在用的项目。")
    errors.raise_any()
    adjusted = rules.Checklist(tuple(items))
    if adjusted.items == current.items:
        raise ValidationError({"__all__": "清单没有变化。"})
    rule = Rule.objects.get(key=rules.STANDARD_RULE)
    return set_override(rule, org, actor=actor, reason=reason, value=adjusted.as_value())


def _save_photos(venue: Venue, photos) -> None:
    for photo in photos:
        item = VenuePhoto(venue=venue, original_name=photo.name[-200:])
        item.file.save(photo.name, photo, save=False)
        item.save()


@transaction.atomic
def add_venue_photos(venue: Venue, photos: Sequence, *, actor) -> None:
    ensure_in_scope(actor, venue.org.path, Action.CHANGE)
    photos = list(photos or ())
    if not photos:
        raise ValidationError({"files": "请选择照片。"})
    if venue.photos.count() + len(photos) > MAX_FILES * 2:
        raise ValidationError({"files": f"每处阵地最多保存 {MAX_FILES * 2} 张照片。"})
    _files(photos, photos=True, what="阵地照片")
    _save_photos(venue, photos)
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=venue,
        org=venue.org,
        after={"photos": [p.name for p in photos]},
        detail="上传阵地照片",
    )


@transaction.atomic
def record_services(venue: Venue, *, actor, month: datetime.date, items: int, people: int = 0) -> ServicePeriod:
    """The services a 党群服务中心 handled in `month`; a month recorded again is corrected (audited both ways)."""
    ensure_in_scope(actor, venue.org.path, Action.CHANGE)
    errors = _Errors()
    if venue.kind != VenueKind.CENTRE:
        errors.add("month", "只有党群服务中心登记服务办理情况。")
    today = timezone.localdate()
    if month is None:
        errors.add("month", "请填写月份。")
    elif rules.month_start(month) > rules.month_start(today):
        errors.add("month", "不能登记尚未到来的月份。")
    for field, value, label in (("items", items, "办理服务事项"), ("people", people, "服务群众人次")):
        if not isinstance(value, int) or value < 0:
            errors.add(field, f"{label}须是不小于 0 的整数。")
    errors.raise_any()
    month = rules.month_start(month)
    period, created = ServicePeriod.objects.get_or_create(
        venue=venue, month=month, defaults={"items": items, "people": people}
    )
    before = None
    if not created:
        before = {"items": period.items, "people": period.people}
        period.items, period.people = items, people
        period.save(update_fields=["items", "people"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=venue,
        org=venue.org,
        before=before,
        after={"month": f"{month:%Y-%m}", "items": items, "people": people},
        detail="登记服务办理情况",
    )
    return period


# ---------------------------------------------------------------------------------------------------- trainings


@transaction.atomic
def record_training(
    *,
    actor,
    org: Organization,
    title: str,
    date: datetime.date | None,
    members: Iterable[Member] = (),
    days: int = 1,
    hours: int = 0,
    others: int = 0,
    content: str = "",
) -> Training:
    """A training session of `org` with the members who attended (from its roster) and others trained."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    members = list(members)
    errors = _Errors()
    today = timezone.localdate()
    if not (title or "").strip():
        errors.add("title", "请填写培训名称。")
    if date is None:
        errors.add("date", "请填写开班日期。")
    elif date > today:
        errors.add("date", f"开班日期 {date} 晚于今天（{today}），不能登记尚未举办的培训。")
    elif date.year < 2000:
        errors.add("date", "开班日期有误。")
    if not isinstance(days, int) or not 1 <= days <= 366:
        errors.add("days", "天数须在 1 至 366 之间。")
    for field, value, label in (("hours", hours, "学时"), ("others", others, "其他参训人员")):
        if not isinstance(value, int) or value < 0:
            errors.add(field, f"{label}须是不小于 0 的整数。")
    _people(errors, org, members)
    if not members and not others:
        errors.add("members", "请登记参训人员（在名单中点选参训党员，或填写其他参训人员人次）。")
    errors.raise_any()
    training = Training.objects.create(
        org=org,
        title=title.strip()[:200],
        date=date,
        days=days,
        hours=hours,
        others=others,
        content=(content or "").strip()[:5000],
    )
    training.members.set(members)
    after = snapshot(training, exclude=("created_at", "content")) | {"members": sorted(m.name for m in members)}
    record(AuditAction.CREATE, actor=actor, obj=training, org=org, after=after, detail="培训班次")
    return training


# ---------------------------------------------------------------------------------------------------- funds


@transaction.atomic
def record_fund(
    *,
    actor,
    org: Organization,
    year: int,
    source: str,
    purpose: str,
    in_budget: bool,
    budget_fen: int = 0,
    spent_fen: int = 0,
) -> Fund:
    """A line of party-work money of `org` in `year`, by source, in the budget or not."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    errors = _Errors()
    _year(errors, year)
    if source not in FundSource.values:
        errors.add("source", "请选择经费来源。")
    if not (purpose or "").strip():
        errors.add("purpose", "请填写用途。")
    _money(errors, budget_fen, "budget_fen", "预算金额")
    _money(errors, spent_fen, "spent_fen", "已支出")
    errors.raise_any()
    fund = Fund.objects.create(
        org=org,
        year=year,
        source=source,
        purpose=purpose.strip()[:200],
        in_budget=bool(in_budget),
        budget_fen=budget_fen,
        spent_fen=spent_fen,
    )
    record(AuditAction.CREATE, actor=actor, obj=fund, org=org, after=snapshot(fund), detail="党建经费")
    return fund


# ---------------------------------------------------------------------------------------------------- first secretaries


@transaction.atomic
def add_secretary(
    *,
    actor,
    org: Organization,
    name: str,
    role: str,
    sent_by: str,
    start: datetime.date | None,
    team: str = "",
    end: datetime.date | None = None,
) -> Secretary:
    """A first secretary or work-team member stationed in `org`."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    errors = _Errors()
    if not (name or "").strip():
        errors.add("name", "请填写姓名。")
    if role not in SecretaryRole.values:
        errors.add("role", "请选择身份（第一书记、工作队队长或队员）。")
    if not (sent_by or "").strip():
        errors.add("sent_by", "请填写派出单位。")
    if start is None:
        errors.add("start", "请填写驻村开始日期。")
    elif end is not None and end < start:
        errors.add("end", "驻村结束日期早于开始日期。")
    errors.raise_any()
    secretary = Secretary.objects.create(
        org=org,
        name=name.strip()[:50],
        role=role,
        sent_by=sent_by.strip()[:200],
        team=(team or "").strip()[:200],
        start=start,
        end=end,
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=secretary,
        org=org,
        after=snapshot(secretary),
        detail="第一书记和驻村工作队员",
    )
    return secretary


@transaction.atomic
def submit_report(
    secretary: Secretary,
    *,
    actor,
    month: datetime.date | None,
    kind: str,
    content: str,
    submitted_on: datetime.date | None = None,
) -> MonthlyReport:
    """A month's plan or ledger. The day it came in is kept (today unless recorded later from paper); a report after
    its due day is accepted and shown as late (`rules.report_state`)."""
    ensure_in_scope(actor, secretary.org.path, Action.CHANGE)
    today = timezone.localdate()
    submitted_on = submitted_on or today
    errors = _Errors()
    if kind not in ReportKind.values:
        errors.add("kind", "请选择报送类别（月度工作计划或履职台账）。")
    if month is None:
        errors.add("month", "请填写月份。")
    else:
        month = rules.month_start(month)
        if month > rules.month_start(today):
            errors.add("month", "不能报送尚未到来的月份。")
        elif not secretary.serves_in(month):
            errors.add("month", f"{secretary.name}该月不在驻村期内。")
        elif MonthlyReport.objects.filter(secretary=secretary, month=month, kind=kind).exists():
            errors.add("kind", f"{month:%Y年%m月}的{ReportKind(kind).label}已报送。")
    if submitted_on > today:
        errors.add("submitted_on", f"报送日期 {submitted_on} 晚于今天（{today}）。")
    if not (content or "").strip():
        errors.add("content", "请填写内容。")
    errors.raise_any()
    report = MonthlyReport.objects.create(
        secretary=secretary,
        month=month,
        kind=kind,
        submitted_on=submitted_on,
        content=content.strip()[:10000],
        recorded_by=_user(actor),
    )
    state = rules.report_state(month, kind, submitted_on, today)
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=report,
        org=secretary.org,
        after=snapshot(report, exclude=("content",)) | {"state": state},
        detail="第一书记月度报送",
    )
    return report
