"""Organizational life: meetings recorded with attendance from the roster, bad input refused in Chinese with nothing
written, and held against required per quarter and year, counted by hand."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.models import AuditLog
from dangjian.members.models import Member
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.partylife.choices import MeetingKind
from dangjian.partylife.completion import branch_table, rollup
from dangjian.partylife.frequency import Unit, rule_of, tally
from dangjian.partylife.models import Attendance, Meeting, MeetingPhoto
from dangjian.partylife.services import Presence, record_meeting

from conftest import make_member, make_org

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC)  # 20 May 2026: January to April are over
JPEG = b"\xff\xd8\xff\xe0" + b"photo" * 10


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def meet(org, kind, day, people=None, **extra):
    people = people if people is not None else [Presence(m, True) for m in Member.objects.filter(org=org)]
    return record_meeting(actor=None, org=org, kind=kind, date=day, topic="学习", people=people, **extra)


# ---------------------------------------------------------------------------------------------- the rule itself


def test_a_monthly_rule_requires_each_ended_month_and_counts_the_running_one_only_when_held():
    unit = Unit(1, "00000001.", "青松村党支部", committee=True, groups=0, established=datetime.date(2000, 1, 1))
    held = {1: 1, 3: 2, 5: 1}  # January once, March twice, May once (May is still running)
    slots = tally(unit, rule_of(MeetingKind.COMMITTEE), held, 2026, datetime.date(2026, 5, 20))
    assert [(s.label, s.need, s.held) for s in slots] == [
        ("1月", 1, 1),
        ("2月", 1, 0),
        ("3月", 1, 1),  # two meetings in one month are one month kept
        ("4月", 1, 0),
        ("5月", 1, 1),
    ]
    assert [s.label for s in slots if s.missing] == ["2月", "4月"]


def test_a_quarterly_rule_is_not_short_for_a_quarter_not_over_and_nothing_before_the_branch_existed():
    unit = Unit(1, "00000001.", "新支部", committee=False, groups=0, established=datetime.date(2026, 2, 10))
    assembly = tally(unit, rule_of(MeetingKind.ASSEMBLY), {}, 2026, datetime.date(2026, 5, 20))
    assert [(s.label, s.need, s.held, s.missing) for s in assembly] == [
        ("第一季度", 1, 0, True),  # founded in February: the first quarter ended after it, so it was due
        ("第二季度", 0, 0, False),  # still running, nothing held yet: not short
    ]
    theme = tally(unit, rule_of(MeetingKind.THEME_DAY), {4: 1}, 2026, datetime.date(2026, 5, 20))
    assert [s.label for s in theme] == ["2月", "3月", "4月", "5月"]  # January ended before it was founded
    assert tally(unit, rule_of(MeetingKind.COMMITTEE), {}, 2026, datetime.date(2026, 5, 20)) == []  # no committee


def test_group_meetings_are_due_for_each_party_group():
    unit = Unit(1, "00000001.", "支部", committee=False, groups=3)
    slots = tally(unit, rule_of(MeetingKind.GROUP), {1: 3, 2: 1}, 2026, datetime.date(2026, 3, 31))
    assert [(s.need, s.held) for s in slots] == [(3, 3), (3, 1), (3, 0)]


# ----------------------------------------------------------------------------------------------- writing


def test_it_records_a_meeting_with_who_attended_and_who_was_absent(region, clock):
    wang, li, zhao = Member.objects.filter(org=region.village).order_by("id")
    people = [Presence(wang, True), Presence(li, True), Presence(zhao, False, "illness", "住院")]
    photo = SimpleUploadedFile("会场.jpg", JPEG)
    meeting = meet(region.village, MeetingKind.COMMITTEE, datetime.date(2026, 5, 6), people, photos=[photo])
    assert [(a.name, a.present, a.reason) for a in meeting.attendance.order_by("id")] == [
        ("王春生", True, ""),
        ("李秋实", True, ""),
        ("赵冬梅", False, "illness"),
    ]
    assert meeting.photos.get().original_name == "会场.jpg"
    log = AuditLog.objects.get(object_type="meeting", object_id=str(meeting.pk))
    assert log.after["attendance"][2] == ["赵冬梅", False, "illness"]


def refused(region, **changes):
    """Record with `changes` and return the messages; nothing may be left behind."""
    before = (
        Meeting.objects.count(),
        Attendance.objects.count(),
        MeetingPhoto.objects.count(),
        AuditLog.objects.count(),
    )
    fields = {
        "actor": None,
        "org": region.village,
        "kind": MeetingKind.ASSEMBLY,
        "date": datetime.date(2026, 5, 6),
        "topic": "学习",
        "people": [Presence(m, True) for m in Member.objects.filter(org=region.village)],
    } | changes
    with pytest.raises(ValidationError) as caught:
        record_meeting(**fields)
    after = (
        Meeting.objects.count(),
        Attendance.objects.count(),
        MeetingPhoto.objects.count(),
        AuditLog.objects.count(),
    )
    assert after == before
    return caught.value.messages


def test_it_refuses_an_attendee_from_outside_the_organization(region, clock):
    stranger = Member.objects.get(name="孙白桦")  # of 白桦村, not 青松村
    people = [Presence(m, True) for m in Member.objects.filter(org=region.village)] + [Presence(stranger, True)]
    assert refused(region, people=people) == ["出席、缺席人员须是青松村党支部的党员：孙白桦 不是。"]


def test_it_refuses_a_meeting_dated_in_the_future(region, clock):
    assert refused(region, date=datetime.date(2026, 5, 21)) == [
        "会议日期 2026-05-21 晚于今天（2026-05-20），不能登记尚未召开的会议。"
    ]


def test_it_refuses_an_absence_without_a_reason_and_a_meeting_nobody_attended(region, clock):
    wang = Member.objects.get(name="王春生")
    assert refused(region, people=[Presence(wang, False)]) == [
        "缺席人员须注明缺席原因：王春生。",
        "请登记出席人员（在名单中点选出席的党员）。",
    ]


def test_it_refuses_a_photo_that_is_not_an_image_and_keeps_nothing(region, clock):
    fake = SimpleUploadedFile("会场.jpg", b"<html>not a photo</html>")
    with pytest.raises(ValidationError) as caught:
        meet(region.village, MeetingKind.ASSEMBLY, datetime.date(2026, 5, 6), photos=[fake])
    assert "文件内容不是 JPEG 图片" in caught.value.messages[0]
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


# ------------------------------------------------------------------------------------------ held / required


@pytest.fixture
def committee_branch(region):
    """A branch with a committee (seats approved) and two members, founded long ago."""
    org = make_org(
        region.town, "红旗村党支部", "T-RED", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE, committee_seats=3
    )
    make_member(org, "钱红旗", 21)
    make_member(org, "周红旗", 22)
    return org


def test_a_branch_table_counts_held_against_required_per_quarter_and_year(region, committee_branch, clock):
    org = committee_branch
    for day in (datetime.date(2026, 1, 8), datetime.date(2026, 3, 5), datetime.date(2026, 5, 6)):
        meet(org, MeetingKind.COMMITTEE, day)
    meet(org, MeetingKind.ASSEMBLY, datetime.date(2026, 3, 20))
    meet(org, MeetingKind.THEME_DAY, datetime.date(2026, 2, 10))
    meet(org, MeetingKind.LIFE, datetime.date(2026, 1, 15))
    rows = {row.rule.kind: row for row in branch_table(org, 2026, datetime.date(2026, 5, 20))}

    committee = rows[MeetingKind.COMMITTEE]  # Jan, Feb, Mar, Apr due; May running and held
    assert [q.text for q in committee.quarters] == ["2/3", "1/2", "—", "—"]
    assert (committee.year.held, committee.year.need) == (3, 5)
    assert committee.missing == ["2月", "4月"]
    assembly = rows[MeetingKind.ASSEMBLY]
    assert [q.text for q in assembly.quarters][:2] == ["1/1", "—"] and assembly.missing == []
    theme = rows[MeetingKind.THEME_DAY]
    assert (theme.year.held, theme.year.need) == (1, 4) and theme.missing == ["1月", "3月", "4月"]
    assert rows[MeetingKind.LECTURE].missing == ["第一季度"]
    life = rows[MeetingKind.LIFE]  # the year is not over: held once, which is all it asks
    assert (life.year.held, life.year.need, life.missing) == (1, 1, [])
    assert rows[MeetingKind.REVIEW].year.need == 0  # not yet due, not held
    assert rows[MeetingKind.GROUP].year.need == 0  # no 党小组


def test_a_meeting_after_the_as_of_day_counts_for_nothing(region, committee_branch, clock):
    meet(committee_branch, MeetingKind.COMMITTEE, datetime.date(2026, 5, 6))
    rows = {row.rule.kind: row for row in branch_table(committee_branch, 2026, datetime.date(2026, 4, 30))}
    assert (rows[MeetingKind.COMMITTEE].year.held, rows[MeetingKind.COMMITTEE].year.need) == (0, 4)


def test_the_town_rollup_sums_its_branches_and_counts_the_short_ones(region, committee_branch, clock):
    for month in range(1, 6):
        meet(region.village, MeetingKind.THEME_DAY, datetime.date(2026, month, 3))
    rows = {row.org.code: row for row in rollup(region.town, 2026, datetime.date(2026, 5, 20))}
    assert set(rows) == {"T-VILLAGE", "T-BIRCH", "T-RED"}
    assert rows["T-VILLAGE"].kinds[MeetingKind.THEME_DAY].text == "5/5"
    assert rows["T-BIRCH"].kinds[MeetingKind.THEME_DAY].text == "0/4"
    assert rows["T-RED"].kinds[MeetingKind.COMMITTEE].text == "0/4"
    assert "committee" not in {k for k, c in rows["T-VILLAGE"].kinds.items() if c.need}  # no committee there
    assert all(row.short == 1 for row in rows.values())  # every branch misses its first-quarter 党员大会
    county = rollup(region.north, 2026, datetime.date(2026, 5, 20))
    assert [(r.org.code, r.units, r.short) for r in county] == [("T-TOWN", 3, 3)]
