"""The assessment's values derived from party records: each equal to a count over the records, counted by hand, for
a branch and for the town above it, and a meeting after the cut-off changes nothing."""

import datetime
import random
from collections import namedtuple
from decimal import Decimal

import pytest
import time_machine

from dangjian.assess.metrics import METRICS
from dangjian.members.models import Member
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.models import Organization
from dangjian.partylife.choices import THREE_ONE, MeetingKind, StepKind
from dangjian.partylife.completion import common_prefix, held_months, units_under
from dangjian.partylife.frequency import Count, RulesAt, tally
from dangjian.partylife.models import Meeting
from dangjian.partylife.services import Presence, record_meeting, record_step, register_applicant
from dangjian.rulebook.book import current_book, one_book
from dangjian.rulebook.models import Rule
from dangjian.rulebook.services import set_override

from conftest import id_number, make_member, make_org

pytestmark = pytest.mark.django_db
CUTOFF = datetime.date(2026, 12, 31)
P = namedtuple("P", "id path org_id")


def on(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC), tick=False)


def meet(org, kind, day):
    people = [Presence(m, True) for m in Member.objects.filter(org=org)]
    with on(max(day, datetime.date(2027, 1, 10))):
        record_meeting(actor=None, org=org, kind=kind, date=day, topic="学习", people=people)


@pytest.fixture
def records(region):
    village = region.village
    for month in (2, 5, 11):  # 党员大会 in the first, second and fourth quarters
        meet(village, MeetingKind.ASSEMBLY, datetime.date(2026, month, 8))
    meet(village, MeetingKind.LECTURE, datetime.date(2026, 1, 20))
    for month in range(1, 10):  # 主题党日 January to September
        meet(village, MeetingKind.THEME_DAY, datetime.date(2026, month, 12))
    meet(village, MeetingKind.LIFE, datetime.date(2026, 12, 20))
    meet(village, MeetingKind.ASSEMBLY, datetime.date(2027, 1, 5))  # after the cut-off
    return region


def compute(key, participants):
    with on(datetime.date(2027, 1, 10)):
        return METRICS[key].compute(participants, CUTOFF, 2026)


def people(region):
    return [P(1, region.village.path, region.village.pk), P(2, region.birch.path, region.birch.pk),
            P(3, region.town.path, region.town.pk)]  # fmt: skip


def test_three_meetings_and_a_lecture_are_held_over_required(records):
    # 青松村 has no committee and no 党小组: required 4 党员大会 + 4 党课; held 3 + 1.
    village = records.village
    held = Meeting.objects.filter(org=village, kind__in=THREE_ONE, date__lte=CUTOFF, date__year=2026).count()
    assert held == 4
    shares = compute("meetings_three_one", people(records))
    assert shares[1] == Decimal(held) / 8 == Decimal("0.5")
    assert shares[2] == 0  # 白桦村 held nothing of 8
    assert shares[3] == Decimal(4) / 16  # the town answers for both branches


def test_theme_days_life_meetings_and_reviews_are_counted_by_kind(records):
    p = people(records)
    assert compute("theme_day_held", p) == {1: Decimal(9) / 12, 2: 0, 3: Decimal(9) / 24}
    assert compute("life_meeting_held", p) == {1: 1, 2: 0, 3: Decimal(1) / 2}
    assert compute("review_held", p) == {1: 0, 2: 0, 3: 0}
    assert compute("life_review_held", p)[1] == Decimal(1) / 2
    assert compute("assembly_held", p)[1] == Decimal(3) / 4
    assert compute("committee_meeting_held", p) == {1: 1, 2: 1, 3: 1}  # no committee anywhere: nothing due


def test_the_count_is_as_of_the_cut_off_whatever_the_day_of_the_run(records):
    with on(datetime.date(2026, 10, 15)):
        early = METRICS["theme_day_held"].compute(people(records)[:1], CUTOFF, 2026)
        mid_october = METRICS["theme_day_held"].compute(people(records)[:1], datetime.date(2026, 10, 15), 2026)
    assert early == {1: Decimal(9) / 12}  # October to December are due by the cut-off: the same as after the year
    assert mid_october == {1: Decimal(9) / 9}  # a cut-off in October: October is still running, nothing due yet


def test_the_explanation_lists_the_meetings_and_the_missing_periods(records):
    village = P(1, records.village.path, records.village.pk)
    with on(datetime.date(2027, 1, 10)):
        lines = METRICS["meetings_three_one"].detail(village, CUTOFF, 2026)
    assert lines == [
        "支部党员大会（每季度至少 1 次（党支部））：应开 4 次，已开 3 次；召开日期 02-08、05-08、11-08；缺 第三季度"
        "（依据：《中国共产党支部工作条例（试行）》第十一条）",
        "党课（每季度至少 1 次（党支部））：应开 4 次，已开 1 次；召开日期 01-20；缺 第二季度、第三季度、第四季度"
        "（依据：《中国共产党支部工作条例（试行）》）",
    ]
    with on(datetime.date(2027, 1, 10)):
        town = METRICS["theme_day_held"].detail(P(3, records.town.path, records.town.pk), CUTOFF, 2026)
    assert town[0] == "下属党支部 2 个，合计："
    assert town[1].startswith(
        "主题党日（每月至少 1 次（党支部））：应开 24 次，已开 9 次；缺 青松村党支部（10月、11月、12月）；"
    )


def develop(region):
    """青松村: one person admitted in 2026, one activist since February 2026. 白桦村: one activist since April."""
    wang, li = Member.objects.get(name="王春生"), Member.objects.get(name="李秋实")

    def applicant(org, seq, applied):
        with on(applied):
            number = id_number(seq, datetime.date(1995, 1, 1))
            return register_applicant(
                actor=None, org=org, name=f"申请人{seq}", gender="male", id_number=number, applied_on=applied
            )

    def step(a, kind, day, **extra):
        with on(extra.get("approved_on") or day):
            record_step(a, actor=None, kind=kind, date=day, **extra)

    first = applicant(region.village, 601, datetime.date(2024, 9, 1))
    step(first, StepKind.ACTIVIST, datetime.date(2025, 3, 1), contacts=[wang])
    step(first, StepKind.CANDIDATE, datetime.date(2026, 3, 2))
    step(first, StepKind.TRAINING, datetime.date(2026, 4, 1), hours=24)
    step(
        first, StepKind.ADMIT, datetime.date(2026, 6, 1), introducers=[wang, li], approved_on=datetime.date(2026, 6, 20)
    )
    second = applicant(region.village, 602, datetime.date(2025, 10, 1))
    step(second, StepKind.ACTIVIST, datetime.date(2026, 2, 1), contacts=[li])
    third = applicant(region.birch, 603, datetime.date(2025, 11, 1))
    step(third, StepKind.ACTIVIST, datetime.date(2026, 4, 1), contacts=[Member.objects.get(name="孙白桦")])
    applicant(region.birch, 604, datetime.date(2026, 5, 1))  # an applicant only: not yet in training


def test_development_activity_counts_people_trained_and_admitted_in_the_year(region):
    develop(region)
    shares = compute("development_activity", people(region))
    # 青松村: 2 in training (the admitted one too) → 0.4, 1 admitted → 0.6. 白桦村: 1 of 2 trained → 0.2.
    assert shares == {1: Decimal("1.0"), 2: Decimal("0.2"), 3: Decimal("1.0")}
    with on(datetime.date(2027, 1, 10)):
        lines = METRICS["development_activity"].detail(P(1, region.village.path, region.village.pk), CUTOFF, 2026)
    assert lines[:2] == [
        "本年度培养入党积极分子、发展对象 2 人（申请人601、申请人602）",
        "本年度接收预备党员 1 人（申请人601 06-01）",
    ]


def test_metrics_for_many_participants_take_a_few_queries(records, django_assert_max_num_queries):
    many = people(records) * 50
    many = [P(i, p.path, p.org_id) for i, p in enumerate(many)]
    with one_book():  # an assessment's computation: the meeting rules (two queries) read once for every metric
        with django_assert_max_num_queries(5):
            compute("meetings_three_one", many)
        with django_assert_max_num_queries(3):
            compute("lecture_held", many)
    with django_assert_max_num_queries(1):
        compute("development_activity", many)


def _one_by_one(participants, kinds, cutoff, year):
    """The meeting counts as they were taken before branches alike were tallied once: every branch's periods
    tallied on their own and added to each participant above it."""
    rules = RulesAt(current_book())
    paths = [p.path for p in participants]
    units = units_under(paths)
    held = held_months(common_prefix(paths), year, cutoff)
    out = {p.id: Count() for p in participants}
    for unit in units:
        for kind, rule in rules.at(unit).items():
            if kind in kinds:
                slots = tally(unit, rule, held.get((unit.org_id, kind), {}), year, cutoff)
                for p in participants:
                    if unit.path.startswith(p.path):
                        out[p.id].add(slots)
    return {pid: Decimal(1) if not c.need else Decimal(c.held) / Decimal(c.need) for pid, c in out.items()}


@pytest.fixture
def many_branches(records, city_admin):
    """Branches alike and unlike: with and without a committee, 党小组 (one or two), founded before or during the
    year, under a county that holds the 党课 monthly, with meetings drawn from a fixed seed (some after the cut-off)."""
    rng = random.Random(20261206)
    town, south = records.town, records.south
    with on(datetime.date(2026, 1, 2)):
        set_override(
            Rule.objects.get(key="meeting.lecture"), south, actor=city_admin, reason="县委常委会议定", value="month"
        )
    branches = [records.village, records.birch, records.south_village]
    for n in range(12):
        parent = south if n % 3 == 0 else town
        founded = rng.choice([None, datetime.date(2019, 3, 1), datetime.date(2026, 1, 1), datetime.date(2026, 6, 15)])
        branch = make_org(parent, f"第{n}村党支部", f"T-MANY{n}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE,
                          established=founded, committee_seats=rng.choice([0, 0, 5]))  # fmt: skip
        make_member(branch, f"支部党员{n}", 100 + n)
        for g in range(rng.choice([0, 0, 1, 2])):
            make_org(branch, f"第{n}-{g}党小组", f"T-MANY{n}G{g}", OrgKind.GROUP, Level.VILLAGE)
        branches.append(branch)
    for branch in branches:
        groups = list(Organization.objects.filter(parent=branch, kind=OrgKind.GROUP))
        for _ in range(rng.choice([0, 0, 2, 6])):
            kind = rng.choice(list(MeetingKind))
            day = datetime.date(2026, rng.randint(1, 12), rng.randint(1, 28)) + datetime.timedelta(
                days=rng.choice([0, 20])
            )
            people = [Presence(m, True) for m in Member.objects.filter(org=branch)]
            group = rng.choice(groups) if kind == MeetingKind.GROUP and groups else None
            with on(datetime.date(2027, 2, 1)):
                record_meeting(actor=None, org=branch, kind=kind, date=day, topic="学习", people=people, group=group)
    return records


KINDS_OF = {
    "meetings_three_one": THREE_ONE,
    "assembly_held": (MeetingKind.ASSEMBLY,),
    "committee_meeting_held": (MeetingKind.COMMITTEE,),
    "group_meeting_held": (MeetingKind.GROUP,),
    "lecture_held": (MeetingKind.LECTURE,),
    "theme_day_held": (MeetingKind.THEME_DAY,),
    "life_review_held": (MeetingKind.LIFE, MeetingKind.REVIEW),
}


def test_branches_alike_tallied_once_count_as_each_branch_tallied_alone(many_branches):
    orgs = Organization.objects.exclude(kind=OrgKind.GROUP).order_by("path")
    participants = [P(o.pk, o.path, o.pk) for o in orgs]
    assert len(participants) > 15 and Meeting.objects.count() > 10
    seen = set()
    for key, kinds in KINDS_OF.items():
        for cutoff in (CUTOFF, datetime.date(2026, 6, 30), datetime.date(2026, 2, 10)):
            with on(datetime.date(2027, 2, 1)), one_book():
                fast = METRICS[key].compute(participants, cutoff, 2026)
                assert fast == _one_by_one(participants, set(kinds), cutoff, 2026), (key, cutoff)
            seen |= set(fast.values())
    assert len(seen) > 10  # the branches do differ: shares other than all or nothing
