"""The rectification's cadence: 每周一提示, overdue escalation, 每季一通报 (每月一抽查: test_inspection_draws.py)."""

import datetime
import zoneinfo
from pathlib import Path

import pytest
import time_machine

from dangjian.cadence.jobs import Context
from dangjian.cadence.models import JobRun, Notification
from dangjian.cadence.periods import period_of
from dangjian.core.models import AuditLog
from dangjian.flows import schedule
from dangjian.rectify.jobs import escalation
from dangjian.rectify.models import Case, CaseEvent, CaseEventKind, CaseSource, CaseStatus, Measure, MeasureStatus
from dangjian.rectify.services import add_measure, open_case

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: datetime.date, hour=9):
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def case_of(org, year=2026):
    return open_case(org, year=year, source=CaseSource.MANUAL, actor=None, reasons=["班子软弱"])


def measure(case, deadline, action="调整班子", user=None):
    return add_measure(
        case, actor=None, problem="班子软弱", action=action, responsible="王春生", deadline=deadline,
        responsible_user=user,
    )  # fmt: skip


def titles(user):
    return sorted(Notification.objects.filter(user=user).values_list("title", flat=True))


# ---------------------------------------------------------------------------------------------------- 每周一提示


def test_weekly_reminder_tells_the_responsible_and_the_editors_what_is_due_and_overdue(
    region, branch_secretary, town_user, county_user
):
    monday = datetime.date(2026, 11, 23)
    case = case_of(region.village)
    measure(case, monday + datetime.timedelta(days=3), "换届选举", user=town_user)
    measure(case, monday - datetime.timedelta(days=3), "建立三会一课台账")
    measure(case, monday + datetime.timedelta(days=30), "发展集体经济")
    done = measure(case, monday, "整顿纪律")
    Measure.objects.filter(pk=done.pk).update(status=MeasureStatus.DONE)

    outcome = schedule.run_due(at(monday), only="weekly_reminder")[0]

    assert outcome.counts == {"逾期措施": 1, "即将到期措施": 1, "通知": 3}
    assert titles(branch_secretary) == [
        "每周一提示：青松村党支部「建立三会一课台账」已逾期 3 天",
        "每周一提示：青松村党支部「换届选举」将于 11月26日 到期",
    ]
    assert titles(town_user) == ["每周一提示：青松村党支部「换届选举」将于 11月26日 到期"]  # responsible only
    assert titles(county_user) == []
    note = Notification.objects.filter(user=branch_secretary).first()
    assert note.url == f"/rectify/{case.pk}/"


def test_weekly_reminder_never_repeats_a_week_and_skips_closed_cases(region, branch_secretary):
    monday = datetime.date(2026, 11, 23)
    measure(case_of(region.village), monday + datetime.timedelta(days=1))
    closed = case_of(region.birch)
    measure(closed, monday + datetime.timedelta(days=1))
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    schedule.run_due(at(monday), only="weekly_reminder")
    JobRun.objects.all().delete()  # even if the run's record were lost, the notification keys hold
    schedule.run_due(at(monday, 15), only="weekly_reminder")
    assert Notification.objects.count() == 1
    schedule.run_due(at(monday + datetime.timedelta(days=7)), only="weekly_reminder")
    # The next week is a new reminder: the measure is now overdue. The closed case is never reminded.
    assert titles(branch_secretary) == [
        "每周一提示：青松村党支部「调整班子」将于 11月24日 到期",
        "每周一提示：青松村党支部「调整班子」已逾期 6 天",
    ]


# ---------------------------------------------------------------------------------------------------- escalation


@pytest.fixture
def late(region, branch_secretary, town_user, county_user, city_admin):
    """A measure of 青松村 due on 2 November 2026, left open."""
    return measure(case_of(region.village), datetime.date(2026, 11, 2), "建立三会一课台账")


def escalations(m):
    return list(CaseEvent.objects.filter(case=m.case, kind=CaseEventKind.ESCALATED).values_list("note", flat=True))


def run_on(day):
    with time_machine.travel(at(day), tick=False):
        return schedule.run_due(only="escalation")


def test_an_overdue_measure_climbs_one_level_after_each_grace_period(late, town_user, county_user, city_admin):
    deadline = late.deadline
    run_on(deadline + datetime.timedelta(days=7))  # seven days late: still within the grace period
    late.refresh_from_db()
    assert late.escalation_level == 0 and escalations(late) == []

    run_on(deadline + datetime.timedelta(days=8))
    late.refresh_from_db()
    assert late.escalation_level == 1
    assert escalations(late) == ["措施「建立三会一课台账」逾期 8 天，第 1 级上报至松岭镇党委"]
    assert titles(town_user) == ["逾期上报：青松村党支部「建立三会一课台账」已逾期 8 天"]
    assert titles(county_user) == []
    audit = AuditLog.objects.filter(object_type="measure", detail__startswith="逾期逐级上报").get()
    assert (audit.before, audit.after) == ({"escalation_level": 0}, {"escalation_level": 1})

    outcomes = run_on(deadline + datetime.timedelta(days=14))  # six missed days caught up, nothing new
    assert [o.period for o in outcomes][0] == "2026-11-11" and len(outcomes) == 6
    late.refresh_from_db()
    assert late.escalation_level == 1

    run_on(deadline + datetime.timedelta(days=15))
    late.refresh_from_db()
    assert late.escalation_level == 2
    assert titles(county_user) == ["逾期上报：青松村党支部「建立三会一课台账」已逾期 15 天"]
    assert len(titles(town_user)) == 1  # the town is not told again

    run_on(deadline + datetime.timedelta(days=60))  # past the city: the top of the tree, no level above it
    late.refresh_from_db()
    assert late.escalation_level == 3
    assert titles(city_admin) == ["逾期上报：青松村党支部「建立三会一课台账」已逾期 22 天"]
    assert len(escalations(late)) == 3


def test_an_escalation_is_never_raised_twice_for_the_same_level(late):
    day = late.deadline + datetime.timedelta(days=8)
    run_on(day)
    ctx = Context(period=period_of("day", day), now=at(day))
    escalation(ctx)  # the same day's job run again, bypassing the run record
    assert ctx.counts == {}
    late.refresh_from_db()
    assert late.escalation_level == 1 and len(escalations(late)) == 1
    assert Notification.objects.count() == 1


def test_done_measures_and_closed_cases_are_not_escalated(late, region):
    Measure.objects.filter(pk=late.pk).update(status=MeasureStatus.DONE, done_at=late.deadline)
    other = measure(case_of(region.birch), late.deadline)
    Case.objects.filter(pk=other.case_id).update(status=CaseStatus.CLOSED)
    run_on(late.deadline + datetime.timedelta(days=30))
    assert not CaseEvent.objects.filter(kind=CaseEventKind.ESCALATED).exists()


def test_the_grace_period_is_a_setting(late, settings, town_user):
    settings.DANGJIAN_ESCALATION_GRACE_DAYS = 2
    run_on(late.deadline + datetime.timedelta(days=3))
    late.refresh_from_db()
    assert late.escalation_level == 1 and len(titles(town_user)) == 1


# ---------------------------------------------------------------------------------------------------- 每季一通报


def test_the_quarterly_job_writes_the_last_quarters_bulletin_and_tells_the_county(
    region, county_user, monkeypatch, tmp_path
):
    from dangjian.rectify import bulletin

    calls = []

    def write_quarterly(year, quarter, org=None):
        calls.append((year, quarter))
        return [tmp_path / f"{year}年第{quarter}季度通报_T-NORTH{suffix}" for suffix in (".docx", ".xlsx")]

    monkeypatch.setattr(bulletin, "write_quarterly", write_quarterly)
    outcome = schedule.run_due(at(datetime.date(2027, 1, 4)), only="quarterly_bulletin")[0]
    assert calls == [(2026, 4)]
    assert outcome.counts == {"通报文件": 2, "通知": 1}
    note = Notification.objects.get(user=county_user)
    assert note.title == "每季一通报：2026年第4季度整顿工作通报已生成"
    assert note.url == "/rectify/bulletins/?org=T-NORTH&year=2026&quarter=4"
    schedule.run_due(at(datetime.date(2027, 3, 31)), only="quarterly_bulletin")
    assert calls == [(2026, 4)]


def test_the_real_bulletin_is_written_for_the_county_with_cases(region, county_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    case_of(region.village)
    schedule.run_due(at(datetime.date(2026, 10, 1)), only="quarterly_bulletin")
    written = sorted(p.name for p in Path(tmp_path, "bulletins").iterdir())
    assert written == ["2026年第3季度通报_T-NORTH.docx", "2026年第3季度通报_T-NORTH.xlsx"]
    assert len(titles(county_user)) == 1
