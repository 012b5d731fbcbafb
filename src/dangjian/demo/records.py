"""A year of party records for the demo county: meetings with attendance, and a development pipeline.

Branches keep their meetings unevenly, as real ones do: most hold nearly every meeting, some miss 支委会 months and
主题党日, a few hold no 组织生活会 or 民主评议 at all; so the assessment's 三会一课, 主题党日, 组织生活会 and
发展党员 scores, now derived from these records, differ between branches. The pipeline links the register's
probationary members to their (backdated) development steps and adds applicants and activists. Deterministic for a
seed; bulk writes with explicit ids, one audit record.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from dangjian.core.audit import record
from dangjian.core.crypto import digest
from dangjian.core.models import AuditAction
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization
from dangjian.partylife.choices import AbsenceReason, MeetingKind, Stage, StepKind
from dangjian.partylife.development import eighteen_on
from dangjian.partylife.models import Applicant, Attendance, DevelopmentStep, Meeting

from .identity import id_number
from .names import person_name
from .region import MOHE_NAME
from .writer import next_id, reset_sequences

APPLICANT_AREA = "990188"  # fictional, apart from the members' areas, so no ID number repeats
TOPICS = {
    MeetingKind.ASSEMBLY: [
        "学习贯彻党的二十届四中全会精神",
        "讨论发展党员和评议工作",
        "通报季度党建工作",
        "研究村级重大事项",
    ],
    MeetingKind.COMMITTEE: ["研究本月重点工作", "讨论确定入党积极分子", "研究党员教育管理", "部署主题党日活动"],
    MeetingKind.LECTURE: ["书记讲党课：坚定理想信念", "党章学习专题党课", "党史学习教育党课", "廉洁自律专题党课"],
    MeetingKind.THEME_DAY: ["重温入党誓词", "志愿服务进村入户", "环境卫生整治", "走访慰问困难党员"],
    MeetingKind.LIFE: ["年度组织生活会"],
    MeetingKind.REVIEW: ["年度民主评议党员"],
}
# How likely each kind of branch is to hold a meeting in a period: (monthly 支委会, 主题党日, quarterly 党员大会, 党课,
# yearly 组织生活会, 民主评议). Most branches are regular; some are patchy; a few are lax.
PROFILES = {
    "regular": (0.97, 0.95, 0.98, 0.95, 0.97, 0.95),
    "patchy": (0.6, 0.75, 0.85, 0.75, 0.6, 0.5),
    "lax": (0.35, 0.5, 0.6, 0.5, 0.2, 0.15),
}


def _profile(rng: random.Random) -> str:
    draw = rng.random()
    return "regular" if draw < 0.7 else "patchy" if draw < 0.9 else "lax"


def _day(rng: random.Random, year: int, month: int, today: datetime.date, first: int = 1, last: int = 28):
    day = datetime.date(year, month, rng.randint(first, last))
    if day > today:
        return today if (today.year, today.month) == (year, month) else None
    return day


class _Writer:
    def __init__(self, rng: random.Random, today: datetime.date) -> None:
        self.rng, self.today = rng, today
        self.meetings: list[Meeting] = []
        self.attendance: list[Attendance] = []
        self.next_meeting = next_id(Meeting)

    def meeting(self, org_id: int, kind: str, day, roster: list[tuple[int, str]]) -> None:
        if day is None:
            return
        rng = self.rng
        meeting = Meeting(
            id=self.next_meeting, org_id=org_id, kind=kind, date=day, topic=rng.choice(TOPICS[kind]),
            minutes="会议由书记主持，传达学习有关精神，研究部署相关工作，与会党员进行了讨论。",
        )  # fmt: skip
        self.next_meeting += 1
        self.meetings.append(meeting)
        who = roster if kind != MeetingKind.COMMITTEE else roster[:5]
        for member_id, name in who:
            present = rng.random() < 0.88
            reason = "" if present else rng.choice(AbsenceReason.values)
            self.attendance.append(
                Attendance(meeting_id=meeting.pk, member_id=member_id, name=name, present=present, reason=reason)
            )


def _meetings(branches, rosters, rng, today, year) -> _Writer:
    writer = _Writer(rng, today)
    for org_id, seats in branches:
        roster = rosters.get(org_id, [])
        if not roster:
            continue
        committee, theme, assembly, lecture, life, review = PROFILES[_profile(rng)]
        theme_day = rng.randint(5, 20)
        for month in range(1, 13):
            if seats and rng.random() < committee:
                writer.meeting(org_id, MeetingKind.COMMITTEE, _day(rng, year, month, today, 1, 8), roster)
            if rng.random() < theme:
                writer.meeting(
                    org_id, MeetingKind.THEME_DAY, _day(rng, year, month, today, theme_day, theme_day), roster
                )
            if month % 3 == 0:
                if rng.random() < assembly:
                    writer.meeting(org_id, MeetingKind.ASSEMBLY, _day(rng, year, month, today, 1, 10), roster)
                if rng.random() < lecture:
                    writer.meeting(org_id, MeetingKind.LECTURE, _day(rng, year, month - 1, today, 10, 25), roster)
        if rng.random() < life:
            writer.meeting(org_id, MeetingKind.LIFE, _day(rng, year, 11, today, 10, 28), roster)
        if rng.random() < review:
            writer.meeting(org_id, MeetingKind.REVIEW, _day(rng, year, 11, today, 1, 9), roster)
    return writer


def _step(steps, applicant, kind, day, decision, **extra) -> None:
    steps.append(DevelopmentStep(applicant_id=applicant.pk, kind=kind, date=day, decision=decision, **extra))


def _talk(steps, applicant, day) -> None:
    """The 入党谈话 within the month (development.talk), on a day derived from the record, not drawn, so the
    demo's other draws stay as they were."""
    applicant.talked_on = day
    _step(steps, applicant, StepKind.TALK, day, "了解入党动机和对党的认识", talker="党支部书记")


def _pipeline(branches, full_members, probationary, rng, today):
    """Applicants, activists and candidates per branch, and the register's probationary members with their steps."""
    applicants, steps, contacts, introducers = [], [], [], []
    ids, serial = next_id(Applicant), 0
    days = datetime.timedelta
    used: set[tuple] = set()
    for org_id, _seats in branches:
        people = full_members.get(org_id, [])
        if len(people) < 2:
            continue
        for member in probationary.get(org_id, []):
            admitted = member.join_date
            candidate = admitted - days(rng.randint(60, 150))
            activist = candidate - days(rng.randint(380, 500))
            applied = max(activist - days(rng.randint(60, 300)), eighteen_on(member.birth_date))
            a = Applicant(
                id=ids, org_id=org_id, name=member.name, gender=member.gender, birth_date=member.birth_date,
                id_number=member.id_number, id_number_digest=digest(member.id_number), stage=Stage.PROBATIONARY,
                applied_on=applied, activist_on=activist, candidate_on=candidate, training_hours=24,
                admitted_on=admitted, approved_on=min(admitted + days(21), today), member_id=member.pk,
            )  # fmt: skip
            ids += 1
            applicants.append(a)
            _step(steps, a, StepKind.APPLY, applied, "本人递交入党申请书")
            _talk(steps, a, min(applied + days(7 + ids % 21), activist))
            _step(steps, a, StepKind.ACTIVIST, activist, "支委会研究确定")
            _step(steps, a, StepKind.CANDIDATE, candidate, "支委会研究同意，报上级党委备案")
            _step(steps, a, StepKind.TRAINING, candidate + days(20), "县委党校发展对象培训班", hours=24)
            _step(steps, a, StepKind.ADMIT, admitted, "支部大会表决通过", approved_on=a.approved_on)
            pair = rng.sample(people, 2)
            introducers += [(a.pk, m) for m in pair]
            contacts += [(a.pk, pair[0])]
        # Applicants and activists: none in some branches, so the development score differs too.
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            male = rng.random() < 0.6
            birth = today - days(rng.randint(20 * 365, 40 * 365))
            serial += 1
            key = (birth, male)
            while key in used:
                birth -= days(1)
                key = (birth, male)
            used.add(key)
            number = id_number(APPLICANT_AREA, birth, 1 if male else 2)
            applied = today - days(rng.randint(40, 700))
            stage = Stage.APPLICANT
            activist = candidate = None
            if applied < today - days(120) and rng.random() < 0.75:
                activist = applied + days(rng.randint(60, 110))
                stage = Stage.ACTIVIST
                if activist < today - days(400) and rng.random() < 0.6:
                    candidate = min(activist + days(rng.randint(366, 420)), today)
                    stage = Stage.CANDIDATE
            a = Applicant(
                id=ids, org_id=org_id, name=person_name(rng, male), gender="male" if male else "female",
                birth_date=birth, id_number=number, id_number_digest=digest(number), stage=stage, applied_on=applied,
                activist_on=activist, candidate_on=candidate,
            )  # fmt: skip
            ids += 1
            applicants.append(a)
            _step(steps, a, StepKind.APPLY, applied, "本人递交入党申请书")
            _talk(steps, a, applied + days(7 + ids % 21))  # before any activist (60 days or more after applying)
            if activist:
                _step(steps, a, StepKind.ACTIVIST, activist, "支委会研究确定")
                contacts += [(a.pk, m) for m in rng.sample(people, rng.choice((1, 2)))]
            if candidate:
                _step(steps, a, StepKind.CANDIDATE, candidate, "支委会研究同意，报上级党委备案")
    return applicants, steps, contacts, introducers


def build_demo_records(rng: random.Random, today: datetime.date, year: int) -> None:
    """Meetings of `year` (up to today) and the development pipeline for the demo county's branches."""
    county = Organization.objects.filter(name=MOHE_NAME).first()
    if county is None:
        return
    branches = list(
        Organization.objects.in_subtree(county)
        .filter(kind__in=BRANCH_KINDS)
        .order_by("path")
        .values_list("id", "committee_seats")
    )
    rosters: dict[int, list[tuple[int, str]]] = defaultdict(list)
    full_members: dict[int, list[int]] = defaultdict(list)
    probationary: dict[int, list[Member]] = defaultdict(list)
    members = Member.objects.in_subtree(county).order_by("org_id", "id")
    for member in members.only("id", "org_id", "name", "status", "join_date", "birth_date", "gender", "id_number"):
        rosters[member.org_id].append((member.pk, member.name))
        if member.status == MemberStatus.FULL:
            full_members[member.org_id].append(member.pk)
        elif member.join_date and member.birth_date and member.join_date <= today:
            probationary[member.org_id].append(member)
    writer = _meetings(branches, rosters, rng, today, year)
    Meeting.objects.bulk_create(writer.meetings, batch_size=1000)
    Attendance.objects.bulk_create(writer.attendance, batch_size=2000)
    applicants, steps, contacts, introducers = _pipeline(branches, full_members, probationary, rng, today)
    Applicant.objects.bulk_create(applicants, batch_size=500)
    DevelopmentStep.objects.bulk_create(steps, batch_size=1000)
    Applicant.contacts.through.objects.bulk_create(
        [Applicant.contacts.through(applicant_id=a, member_id=m) for a, m in contacts]
    )
    Applicant.introducers.through.objects.bulk_create(
        [Applicant.introducers.through(applicant_id=a, member_id=m) for a, m in introducers]
    )
    reset_sequences(Meeting, Attendance, Applicant, DevelopmentStep)
    record(
        AuditAction.IMPORT,
        org=county,
        username="demo",
        detail=f"演示组织生活和发展党员记录：会议 {len(writer.meetings)} 次，出缺席 {len(writer.attendance)} 条，"
        f"发展党员 {len(applicants)} 人",
    )
