"""Writes of party records, each atomic, scope-checked (CHANGE on the organization) and audited in the same
transaction: a meeting with its attendance and photos, a person's application and each later step of their
development. A step that enters or changes the member register goes through the members' services, which audit it
as well. Nothing is half-written: a refused step or a bad photo rolls the whole write back."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record, snapshot
from dangjian.core.citizen_id import born_of, id_number_problem, phone_problem
from dangjian.core.crypto import digest
from dangjian.core.evidence import PHOTO_TYPES, PHOTO_WORDS, UploadRule, add_uploads
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.core.uploads import check_upload
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.members.services import create_member, delete_member, update_member
from dangjian.orgs.choices import GRASSROOTS_KINDS, OrgKind
from dangjian.orgs.models import Organization
from dangjian.rulebook.book import Book

from . import rollups
from .choices import AbsenceReason, MeetingKind, Stage, StepKind
from .development import TO_STAGE, TimeRules, application_findings, step_findings
from .models import Applicant, Attendance, DevelopmentStep, Meeting, MeetingPhoto

MAX_PHOTOS = 9
PHOTOS = UploadRule(
    what="会议照片",
    allowed=PHOTO_TYPES,
    accepted=PHOTO_WORDS,
    field="photos",
    noun="照片",
    most=MAX_PHOTOS,
    too_many="每次会议最多上传 {most} 张照片。",
)
NOT_GRASSROOTS = "只有基层党组织（党委、党总支、党支部）登记组织生活和发展党员。"


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def roster(org: Organization):
    """The members who attend the organization's meetings: those of the organization and its 党小组."""
    return Member.objects.in_subtree(org).order_by("name", "id")


# ---------------------------------------------------------------------------------------------------- meetings


@dataclass(frozen=True)
class Presence:
    """One roster member at a meeting, as the form or the import gives it."""

    member: Member
    present: bool
    reason: str = ""
    note: str = ""


def _check_meeting(org, kind, date, topic, group, people: Sequence[Presence]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if org.kind not in GRASSROOTS_KINDS:
        add("org", NOT_GRASSROOTS)
    if kind not in MeetingKind.values:
        add("kind", "请选择会议类别。")
    today = timezone.localdate()
    if date is None:
        add("date", "请填写会议日期。")
    elif date > today:
        add("date", f"会议日期 {date} 晚于今天（{today}），不能登记尚未召开的会议。")
    elif date.year < 2000:
        add("date", "会议日期有误。")
    if not (topic or "").strip():
        add("topic", "请填写会议主题。")
    if kind == MeetingKind.GROUP:
        has_groups = Organization.objects.filter(parent=org, kind=OrgKind.GROUP).exists()
        if group is None and has_groups:
            add("group", "党小组会须选择召开会议的党小组。")
    if group is not None and (group.parent_id != org.pk or group.kind != OrgKind.GROUP):
        add("group", f"所选党小组不属于{org.name}。")
    outside = [p.member.name for p in people if not p.member.org.path.startswith(org.path)]
    if outside:
        add("attendance", f"出席、缺席人员须是{org.name}的党员：{'、'.join(outside)} 不是。")
    seen, twice = set(), []
    for p in people:
        if p.member.pk in seen:
            twice.append(p.member.name)
        seen.add(p.member.pk)
    if twice:
        add("attendance", f"同一人不能重复登记：{'、'.join(twice)}。")
    unexplained = [p.member.name for p in people if not p.present and p.reason not in AbsenceReason.values]
    if unexplained:
        add("attendance", f"缺席人员须注明缺席原因：{'、'.join(unexplained)}。")
    if not any(p.present for p in people):
        add("attendance", "请登记出席人员（在名单中点选出席的党员）。")
    return errors


def meeting_snapshot(meeting: Meeting) -> dict:
    data = snapshot(meeting, exclude=("recorded_at", "minutes"))
    data["attendance"] = [[a.name, a.present, a.reason] for a in meeting.attendance.all().order_by("id")]
    return data


@transaction.atomic
def record_meeting(
    *,
    actor,
    org: Organization,
    kind: str,
    date: datetime.date,
    topic: str,
    people: Iterable[Presence],
    group: Organization | None = None,
    minutes: str = "",
    photos: Sequence = (),
) -> Meeting:
    """A meeting of `org` with who attended and who was absent (and why), its minutes and photos."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    people = list(people)
    photos = list(photos or ())
    errors = _check_meeting(org, kind, date, topic, group, people)
    if errors:
        raise ValidationError(errors)
    PHOTOS.check(photos)
    counted_before = rollups.counted_before(org.pk)
    meeting = Meeting.objects.create(
        org=org,
        kind=kind,
        date=date,
        topic=topic.strip()[:200],
        group=group,
        minutes=(minutes or "").strip()[:20000],
        recorded_by=_user(actor),
    )
    Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meeting,
                member=p.member,
                name=p.member.name,
                present=p.present,
                reason="" if p.present else p.reason,
                note=(p.note or "").strip()[:200],
            )
            for p in people
        ]
    )
    MeetingPhoto.save_uploads(photos, actor=actor, meeting=meeting)
    after = meeting_snapshot(meeting) | {"photos": [p.name for p in photos]}
    record(AuditAction.CREATE, actor=actor, obj=meeting, org=org, after=after, detail="组织生活记录")
    rollups.branch_changed(org, counted_before)
    return meeting


def add_photos(meeting: Meeting, photos: Sequence, *, actor) -> list[MeetingPhoto]:
    """More photos of a meeting already recorded; all or none."""
    add_uploads(meeting, photos, actor=actor, model=MeetingPhoto, rule=PHOTOS, org=meeting.org, detail="上传会议照片")
    return list(meeting.photos.all())


@transaction.atomic
def delete_meeting(meeting: Meeting, *, actor) -> None:
    """Remove a meeting recorded by mistake; the audit record keeps what it said."""
    ensure_in_scope(actor, meeting.org.path, Action.CHANGE)
    counted_before = rollups.counted_before(meeting.org_id)  # the branch locked before the audit head, as on create
    record(AuditAction.DELETE, actor=actor, obj=meeting, org=meeting.org, before=meeting_snapshot(meeting))
    for photo in meeting.photos.all():
        photo.file.delete(save=False)
    meeting.delete()
    rollups.branch_changed(meeting.org, counted_before)


# ---------------------------------------------------------------------------------------------- development

_APPLICANT_AUDIT_EXCLUDE = ("id_number", "phone", "created_at", "updated_at")


def applicant_snapshot(applicant: Applicant) -> dict:
    return snapshot(applicant, exclude=_APPLICANT_AUDIT_EXCLUDE)


@transaction.atomic
def register_applicant(
    *,
    actor,
    org: Organization,
    name: str,
    gender: str,
    id_number: str,
    applied_on: datetime.date,
    phone: str = "",
    decision: str = "",
    document=None,
) -> Applicant:
    """A person's application to join (申请入党), with the application as its first step."""
    ensure_in_scope(actor, org.path, Action.CHANGE)
    name, id_number, phone = (name or "").strip(), (id_number or "").strip().upper(), (phone or "").strip()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if org.kind not in GRASSROOTS_KINDS:
        add("org", NOT_GRASSROOTS)
    if not name:
        add("name", "请填写姓名。")
    if gender not in ("male", "female"):
        add("gender", "请选择性别。")
    problem = id_number_problem(id_number)
    if problem:
        add("id_number", problem + "。")
    if phone and phone_problem(phone):
        add("phone", phone_problem(phone) + "。")
    birth = None if problem else born_of(id_number)
    if applied_on is None:
        add("applied_on", "请填写递交申请日期。")
    else:
        rules = TimeRules.at(Book.load(), org)  # the time rules as they stand for the organization
        found = application_findings(name, birth, applied_on, today=timezone.localdate(), rules=rules)
        for message in found.refusals:  # a rule lowered below 必须 there is shown on the page instead
            add("applied_on", message)
    if not problem:
        key = digest(id_number)
        if Applicant.objects.filter(id_number_digest=key).exists():
            add("id_number", "该公民身份号码已有入党申请记录。")
        elif Member.objects.filter(id_number_digest=key).exists():
            add("id_number", "该公民身份号码已登记在党员名册中。")
    if errors:
        raise ValidationError(errors)
    if document is not None:
        check_upload(document, what="入党申请书")
    applicant = Applicant.objects.create(
        org=org, name=name, gender=gender, birth_date=birth, id_number=id_number, phone=phone, applied_on=applied_on
    )
    step = DevelopmentStep(
        applicant=applicant,
        kind=StepKind.APPLY,
        date=applied_on,
        decision=(decision or "").strip()[:500] or "本人递交入党申请书",
        recorded_by=_user(actor),
    )
    _attach(step, document)
    step.save()
    record(
        AuditAction.CREATE, actor=actor, obj=applicant, org=org, after=applicant_snapshot(applicant), detail="入党申请"
    )
    return applicant


def _attach(step: DevelopmentStep, document) -> None:
    if document is not None:
        step.document_name = document.name[-200:]
        step.document.save(document.name, document, save=False)


@transaction.atomic
def record_step(
    applicant: Applicant,
    *,
    actor,
    kind: str,
    date: datetime.date,
    decision: str = "",
    meeting: Meeting | None = None,
    contacts: Sequence[Member] = (),
    introducers: Sequence[Member] = (),
    hours: int | None = None,
    months: int | None = None,
    approved_on: datetime.date | None = None,
    talker: str = "",
    document=None,
) -> DevelopmentStep:
    """The next step of a person's development, refused with the rule cited when it is out of order, or breaks a
    time rule that is 必须 where the applicant's organization stands; a time rule lowered to 警告 or 提示 there lets
    the step through, and the pages show the breach (`development.recorded_breaches`). The talk (入党谈话) records
    who talked, on which day, with a note. Admission enters the person in the member register as a probationary
    member; 转正 makes the record full; cancellation removes it — each through the members' services."""
    applicant = Applicant.objects.select_for_update(of=("self",)).select_related("org", "member").get(pk=applicant.pk)
    org = applicant.org
    ensure_in_scope(actor, org.path, Action.CHANGE)
    if date is None:
        raise ValidationError({"date": "请填写日期。"})
    contacts = list(Member.objects.filter(pk__in=[m.pk for m in contacts]).select_related("org"))
    introducers = list(Member.objects.filter(pk__in=[m.pk for m in introducers]).select_related("org"))
    talker = (talker or "").strip()[:100]
    problems = step_findings(
        applicant,
        kind,
        date,
        today=timezone.localdate(),
        org_path=org.path,
        contacts=contacts,
        introducers=introducers,
        hours=hours,
        months=months,
        approved_on=approved_on,
        talker=talker,
        rules=TimeRules.at(Book.load(), org),
    ).refusals
    if meeting is not None and meeting.org_id != org.pk:
        problems.append("所选会议不是本组织的会议。")
    if problems:
        raise ValidationError(problems)
    if document is not None:
        check_upload(document, what="材料")
    before = applicant_snapshot(applicant)
    step = DevelopmentStep(
        applicant=applicant,
        kind=kind,
        date=date,
        decision=(decision or "").strip()[:500],
        meeting=meeting,
        approved_on=approved_on if kind == StepKind.ADMIT else None,
        hours=hours if kind == StepKind.TRAINING else None,
        months=months if kind == StepKind.EXTEND else None,
        talker=talker if kind == StepKind.TALK else "",
        recorded_by=_user(actor),
    )
    _attach(step, document)
    step.save()
    _advance(applicant, step, contacts, introducers, actor)
    applicant.save()
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=applicant,
        org=org,
        before=before,
        after=applicant_snapshot(applicant),
        detail=f"发展党员：{step.get_kind_display()}",
    )
    return step


def _advance(applicant: Applicant, step: DevelopmentStep, contacts, introducers, actor) -> None:
    """The applicant's dates and stage after `step`, and the member register's record where it changes."""
    kind, date = step.kind, step.date
    if kind == StepKind.TALK:
        applicant.talked_on = date
    elif kind == StepKind.ACTIVIST:
        applicant.activist_on = date
        applicant.contacts.set(contacts)
    elif kind == StepKind.CANDIDATE:
        applicant.candidate_on = date
    elif kind == StepKind.TRAINING:
        applicant.training_hours += step.hours
    elif kind == StepKind.ADMIT:
        applicant.admitted_on, applicant.approved_on = date, step.approved_on
        applicant.introducers.set(introducers)
        applicant.member = create_member(
            actor=actor,
            org=applicant.org,
            name=applicant.name,
            gender=applicant.gender,
            birth_date=applicant.birth_date,
            id_number=applicant.id_number,
            phone=applicant.phone,
            status=MemberStatus.PROBATIONARY,
            join_date=date,  # 入党日期: the day the 支部大会 admitted the person
        )
    elif kind == StepKind.EXTEND:
        applicant.extended_months = step.months
    elif kind == StepKind.FULL:
        applicant.full_on = date
        if applicant.member is not None:
            update_member(applicant.member, actor=actor, status=MemberStatus.FULL, full_date=date)
    elif kind == StepKind.CANCEL:
        applicant.ended_on = date
        if applicant.member is not None:
            delete_member(applicant.member, actor=actor)
            applicant.member = None
    if kind in TO_STAGE:
        applicant.stage = TO_STAGE[kind]
    assert applicant.stage in Stage.values
