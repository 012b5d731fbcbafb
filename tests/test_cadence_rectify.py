"""The rectification's cadence: 每周一提示, 每月一抽查, overdue escalation up the tree, 每季一通报."""

import datetime
import zoneinfo
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine

from dangjian.cadence.jobs import Context
from dangjian.cadence.models import JobRun, Notification, SpotCheck
from dangjian.cadence.periods import period_of
from dangjian.core.models import AuditLog
from dangjian.flows import schedule
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.rectify.jobs import draw, escalation
from dangjian.rectify.models import Case, CaseEvent, CaseEventKind, CaseSource, CaseStatus, Measure, MeasureStatus
from dangjian.rectify.services import add_measure, open_case

from conftest import make_org

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


# ---------------------------------------------------------------------------------------------------- 每月一抽查


def fake_cases(n):
    return [SimpleNamespace(pk=i, org=SimpleNamespace(path=f"{i:08d}.")) for i in range(1, n + 1)]


def test_the_draw_is_the_same_for_the_same_month_and_differs_between_months():
    cases = fake_cases(20)
    november = [c.pk for c in draw("2026-11", cases, 20)]
    assert len(november) == 4
    assert [c.pk for c in draw("2026-11", list(reversed(cases)), 20)] == november  # order of the input is irrelevant
    months = {tuple(c.pk for c in draw(f"2026-{m:02d}", cases, 20)) for m in range(1, 13)}
    assert len(months) > 6
    assert [c.pk for c in draw("2026-12", cases, 20)] != november


def test_the_draw_takes_at_least_one_case_and_never_more_than_there_are():
    assert len(draw("2026-11", fake_cases(2), 20)) == 1
    assert len(draw("2026-11", fake_cases(3), 100)) == 3
    assert draw("2026-11", [], 20) == []


@pytest.fixture
def many_cases(region):
    """Eleven open cases in 漠北县 (one of a county agency, at the county level), one closed, one in 南岭县."""
    cases = []
    for i in range(10):
        village = make_org(
            region.town, f"抽查{i:02d}村党支部", f"T-S{i:02d}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE
        )
        cases.append(case_of(village))
    agency = make_org(region.north, "漠北县人社局党支部", "T-AGENCY", OrgKind.BRANCH, Level.COUNTY, Domain.AGENCY)
    cases.append(case_of(agency))
    closed = case_of(region.village)
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    south = case_of(region.south_village)
    return SimpleNamespace(north=cases, closed=closed, south=south)


def test_the_monthly_spot_check_draws_per_county_records_it_and_tells_the_county(
    many_cases, county_user, outsider, branch_secretary
):
    outcome = schedule.run_due(at(datetime.date(2026, 11, 2)), only="spot_check")[0]
    assert outcome.counts == {"抽中案件": 4, "通知": 2}
    north = SpotCheck.objects.filter(county__code="T-NORTH")
    assert north.count() == 3 and not north.filter(case=many_cases.closed).exists()
    assert SpotCheck.objects.get(county__code="T-SOUTH").case == many_cases.south
    drawn = set(north.values_list("case_id", flat=True))
    assert drawn == {c.pk for c in draw("2026-11", many_cases.north, 20)}
    events = CaseEvent.objects.filter(kind=CaseEventKind.SPOT_CHECK)
    assert set(events.values_list("case_id", flat=True)) == drawn | {many_cases.south.pk}
    assert AuditLog.objects.filter(object_type="spotcheck").count() == 4
    (note,) = Notification.objects.filter(user=county_user)
    assert note.title == "每月一抽查：2026-11 抽取 3 个整顿对象（共 11 个在整顿）"
    assert note.url == "/notifications/spot-checks/?period=2026-11"
    assert titles(outsider) == ["每月一抽查：2026-11 抽取 1 个整顿对象（共 1 个在整顿）"]
    assert titles(branch_secretary) == []

    schedule.run_due(at(datetime.date(2026, 11, 20)), only="spot_check")
    assert SpotCheck.objects.count() == 4  # once a month
    schedule.run_due(at(datetime.date(2026, 12, 1)), only="spot_check")
    december = set(SpotCheck.objects.filter(period="2026-12", county__code="T-NORTH").values_list("case_id", flat=True))
    assert len(december) == 3 and december != drawn


def test_the_spot_check_page_lists_each_month_within_scope(many_cases, county_user, outsider, login):
    schedule.run_due(at(datetime.date(2026, 11, 2)), only="spot_check")
    schedule.run_due(at(datetime.date(2026, 12, 1)), only="spot_check")
    page = login(county_user).get("/notifications/spot-checks/?period=2026-11")
    body = page.content.decode()
    assert page.context["periods"] == ["2026-12", "2026-11"]
    drawn = SpotCheck.objects.filter(period="2026-11", county__code="T-NORTH").select_related("case__org")
    for spot in drawn:
        assert spot.case.org.name in body
    assert "南岭村党支部" not in body
    latest = login(outsider).get("/notifications/spot-checks/")
    assert latest.context["period"] == "2026-12"
    assert "南岭村党支部" in latest.content.decode() and "抽查0" not in latest.content.decode()


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
