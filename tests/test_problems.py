"""Problem lists with four-level linkage [003]: recording, who answers at which level, closure by the level above
only, escalation one level up, overdue problems raised after the grace period, the figures and the metric."""

import datetime
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from dangjian.assess.metrics import METRICS
from dangjian.cadence.models import Notification
from dangjian.core.models import AuditLog
from dangjian.flows import schedule
from dangjian.problems import services
from dangjian.problems.figures import period, solved_figures
from dangjian.problems.models import Problem, ProblemEvent

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2026, 3, 2)


def at(day: datetime.date, hour=9):
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(at(DAY), tick=False):
        yield


TEN_DAYS_ON = DAY + datetime.timedelta(days=10)


def record(org, actor, level="station_village", owner="王春生", deadline=TEN_DAYS_ON, **extra):
    fields = {"title": "村级活动场所漏雨", "category": "infrastructure"} | extra
    return services.record_problem(org, level=level, owner_name=owner, deadline=deadline, actor=actor, **fields)


def refused(call, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return "".join(caught.value.messages)


def titles(user):
    return sorted(Notification.objects.filter(user=user).values_list("title", flat=True))


# ---------------------------------------------------------------------------------------------------- recording


def test_a_village_records_a_problem_for_its_own_level_with_owner_and_deadline(region, branch_secretary):
    problem = record(region.village, branch_secretary)
    assert (problem.level, problem.responsible_org, problem.status) == ("station_village", region.village, "open")
    assert (problem.owner_name, problem.deadline, problem.recorded_on) == ("王春生", DAY + days(10), DAY)
    assert services.verifier(problem) == (region.town, "change")
    audit = AuditLog.objects.get(object_type="problem", action="create")
    assert audit.org_path == region.village.path and audit.after["owner_name"] == "王春生"


def test_a_problem_assigned_to_a_level_with_no_owner_is_refused_and_nothing_is_written(region, branch_secretary):
    audits = AuditLog.objects.count()
    message = refused(record, org=region.village, actor=branch_secretary, owner=" ")
    assert message == "请填写责任人：交由站（村）一级（青松村党支部）办理的问题须有责任人，否则不能交办。"
    assert not Problem.objects.exists() and not ProblemEvent.objects.exists()
    assert AuditLog.objects.count() == audits


def test_a_village_cannot_hand_its_problem_to_the_county(region, branch_secretary):
    message = refused(record, org=region.village, actor=branch_secretary, level="county")
    assert message == ("您无权把问题交由漠北县委办理：请交由本级办理；本级解决不了的，再按“本级无法解决”逐级上报。")
    assert not Problem.objects.exists()


def test_a_level_missing_above_the_organization_is_refused(region, city_admin):
    # 南岭村党支部 hangs directly under its county: no town above it.
    message = refused(record, org=region.south_village, actor=city_admin, level="town")
    assert message == "“南岭村党支部”及其上级中没有镇一级的党组织，不能交由镇一级办理。"


def test_an_owner_account_must_belong_to_the_responsible_organization(region, branch_secretary, outsider):
    message = refused(record, org=region.village, actor=branch_secretary, owner_user=outsider)
    assert message == "账号“outsider”不是青松村党支部的账号，不能作为责任人账号。"
    unknown = services.account_named("no_such_user")
    message = refused(record, org=region.village, actor=branch_secretary, owner_user=unknown)
    assert message == "账号“no_such_user”不是青松村党支部的账号，不能作为责任人账号。"  # the same words: no probing


def test_a_deadline_in_the_past_is_refused(region, branch_secretary):
    message = refused(record, org=region.village, actor=branch_secretary, deadline=DAY - days(1))
    assert message == "办结时限不能早于今天（2026-03-02）。"


# ---------------------------------------------------------------------------------------------------- closure rights


def test_the_owner_reports_it_solved_and_only_the_level_above_closes_it(region, branch_secretary, town_user):
    problem = record(region.village, branch_secretary)
    services.add_progress(problem, note="已联系施工队", actor=branch_secretary)
    services.submit_problem(problem, result="屋顶已修好", actor=branch_secretary)
    assert titles(town_user) == ["待核实销号：青松村党支部「村级活动场所漏雨」"]

    message = refused(services.close_problem, problem=problem, opinion="自己验收", actor=branch_secretary)
    assert message == "责任人不能为本人承办的问题销号：须由上一级（松岭镇党委）核实后办理，不能由责任人自己销号。"
    problem.refresh_from_db()
    assert problem.status == "submitted" and problem.closed_on is None

    closed = services.close_problem(problem, opinion="经现场查看，已修复", actor=town_user)
    assert (closed.status, closed.solved_level, closed.closed_on, closed.closed_on_time) == (
        "closed",
        "station_village",
        DAY,
        True,
    )
    kinds = list(closed.events.values_list("kind", flat=True))
    assert kinds == ["recorded", "progress", "submitted", "closed"]


def test_an_account_of_the_village_alone_cannot_close_even_when_it_did_not_submit(region, branch_secretary, town_user):
    problem = record(region.village, town_user)  # the town records it for the village
    services.submit_problem(problem, result="已解决", actor=town_user)
    message = refused(services.close_problem, problem=problem, opinion="同意", actor=branch_secretary)
    assert message == "只有松岭镇党委可以核实并销号。"


def test_whoever_reported_it_solved_cannot_close_it_even_from_above(region, town_user, county_user):
    problem = record(region.village, town_user, owner_user=town_user)
    services.submit_problem(problem, result="已解决", actor=town_user)
    message = refused(services.close_problem, problem=problem, opinion="同意", actor=town_user)
    assert message.startswith("责任人不能为本人承办的问题销号")
    assert services.close_problem(problem, opinion="核实无误", actor=county_user).status == "closed"


def test_closure_needs_a_reported_solution_and_an_opinion(region, branch_secretary, town_user):
    problem = record(region.village, branch_secretary)
    message = refused(services.close_problem, problem=problem, opinion="同意", actor=town_user)
    assert message == "该问题办理中，不能销号：须责任单位申报办结后，由松岭镇党委核实。"
    services.submit_problem(problem, result="已解决", actor=branch_secretary)
    assert refused(services.close_problem, problem=problem, opinion="  ", actor=town_user) == "请填写核实意见。"


def test_a_return_sends_it_back_to_the_owner(region, branch_secretary, town_user):
    problem = record(region.village, branch_secretary)
    services.submit_problem(problem, result="已解决", actor=branch_secretary)
    services.return_problem(problem, opinion="现场仍漏雨", actor=town_user)
    problem.refresh_from_db()
    assert problem.status == "open" and problem.submitted_by is None
    assert problem.events.last().note == "松岭镇党委核实未通过：现场仍漏雨"


# ---------------------------------------------------------------------------------------------------- escalation


def test_cannot_be_solved_here_raises_it_one_level_and_the_level_above_names_the_owner(
    region, branch_secretary, town_user, county_user
):
    problem = record(region.village, branch_secretary)
    assert refused(services.escalate_problem, problem=problem, reason="", actor=branch_secretary) == (
        "请填写上报理由（本级无法解决的原因）。"
    )
    services.escalate_problem(problem, reason="需镇里协调资金", actor=branch_secretary)
    problem.refresh_from_db()
    assert (problem.level, problem.responsible_org, problem.status, problem.owner_name) == (
        "town",
        region.town,
        "assigning",
        "",
    )
    assert problem.events.last().note == "青松村党支部无法解决，上报松岭镇党委：需镇里协调资金"
    assert titles(town_user) == ["问题上报：青松村党支部「村级活动场所漏雨」待指派责任人"]

    message = refused(
        services.assign_problem, problem=problem, owner_name="王春生", deadline=DAY + days(5), actor=branch_secretary
    )
    assert message == "只有松岭镇党委可以指派该问题的责任人。"
    services.assign_problem(problem, owner_name="李镇长", deadline=DAY + days(20), actor=town_user)
    services.submit_problem(problem, result="镇里已拨款修缮", actor=town_user)
    # Solved at town level: verified and closed by the county, not by the town itself.
    assert refused(services.close_problem, problem=problem, opinion="同意", actor=town_user).startswith("责任人不能")
    closed = services.close_problem(problem, opinion="核实无误", actor=county_user)
    assert closed.solved_level == "town"


def test_a_city_problem_cannot_be_raised_further_and_is_closed_by_a_city_manager(region, city_admin):
    problem = record(region.village, city_admin, level="city", owner="市委组织部")
    assert problem.responsible_org == region.city
    message = refused(services.escalate_problem, problem=problem, reason="太难", actor=city_admin)
    assert message == "该问题已由市一级办理，不能再上报。"
    assert services.verifier(problem) == (region.city, "manage")


def test_escalation_skips_a_level_the_tree_does_not_have(region, city_admin):
    problem = record(region.south_village, city_admin)
    services.escalate_problem(problem, reason="村里解决不了", actor=city_admin)
    problem.refresh_from_db()
    assert (problem.level, problem.responsible_org) == ("county", region.south)


# ---------------------------------------------------------------------------------------------------- overdue


def run_on(day):
    with time_machine.travel(at(day), tick=False):
        return schedule.run_due(only="problem_escalation")


def test_an_overdue_problem_is_raised_one_level_after_each_grace_period(
    region, branch_secretary, town_user, county_user, settings
):
    settings.DANGJIAN_ESCALATION_GRACE_DAYS = 7
    problem = record(region.village, branch_secretary, deadline=DAY + days(3))
    deadline = problem.deadline
    run_on(deadline + days(7))  # seven days late: within the grace period
    problem.refresh_from_db()
    assert problem.escalation_level == 0

    run_on(deadline + days(8))
    problem.refresh_from_db()
    assert problem.escalation_level == 1
    assert problem.events.last().note == "逾期 8 天，第 1 级上报至松岭镇党委"
    assert titles(town_user) == ["问题逾期上报：青松村党支部「村级活动场所漏雨」已逾期 8 天"]
    assert titles(county_user) == []

    run_on(deadline + days(15))
    problem.refresh_from_db()
    assert problem.escalation_level == 2
    assert titles(county_user) == ["问题逾期上报：青松村党支部「村级活动场所漏雨」已逾期 15 天"]
    assert problem.level == "station_village" and problem.owner_name == "王春生"  # still the owner's to solve


def test_a_problem_awaiting_verification_is_not_overdue(region, branch_secretary, town_user):
    problem = record(region.village, branch_secretary, deadline=DAY + days(1))
    services.submit_problem(problem, result="已解决", actor=branch_secretary)
    run_on(DAY + days(30))
    problem.refresh_from_db()
    assert problem.escalation_level == 0 and titles(town_user) == ["待核实销号：青松村党支部「村级活动场所漏雨」"]


# ---------------------------------------------------------------------------------------------------- figures


def solve(problem, owner, verifier, on: datetime.date):
    with time_machine.travel(at(on), tick=False):
        services.submit_problem(problem, result="已解决", actor=owner)
        services.close_problem(problem, opinion="核实无误", actor=verifier)


def test_figures_count_the_solved_by_level_category_and_on_time(
    region, branch_secretary, town_user, county_user, city_admin
):
    """Hand-computed: in the first quarter, 3 solved at station/village level (one after its deadline), 1 at town
    level, none at county or city; one closed in April and one still open do not count as solved."""
    village = [record(region.village, branch_secretary, deadline=DAY + days(10)) for _ in range(2)]
    village.append(record(region.village, branch_secretary, deadline=DAY + days(10), category="environment"))
    town = record(region.village, town_user, level="town", owner="李镇长", category="welfare")
    april = record(region.village, branch_secretary)
    record(region.village, branch_secretary)  # still open
    solve(village[0], branch_secretary, town_user, DAY + days(5))
    solve(village[1], branch_secretary, town_user, DAY + days(10))  # on the deadline day: on time
    solve(village[2], branch_secretary, town_user, DAY + days(11))  # a day late
    solve(town, town_user, county_user, DAY + days(3))
    solve(april, branch_secretary, town_user, datetime.date(2026, 4, 1))

    start, end = period(2026, 1)
    assert (start, end) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    figures = solved_figures(Problem.objects.restrict(city_admin), start, end)
    assert figures.solved == 4
    assert figures.by_level == [("站（村）", 3), ("镇", 1), ("县", 0), ("市", 0)]
    assert figures.by_category == [("道路水电设施", 2), ("环境卫生", 1), ("社会保障", 1)]
    assert (figures.on_time, figures.late, str(figures.on_time_rate)) == (3, 1, "75.0")
    assert (figures.recorded, figures.open_now) == (6, 1)  # all six recorded on 2 March; one not closed to this day

    page = Client()
    page.force_login(county_user)
    body = page.get("/problems/figures/?year=2026&quarter=1").content.decode()
    assert (
        "共核实销号解决问题 <strong>4</strong> 个，其中站（村）一级解决 3 个，镇一级解决 1 个，县一级解决 0 个" in body
    )


def test_the_closure_rate_metric_is_the_share_closed_by_the_cutoff(region, branch_secretary, town_user):
    """青松村: 3 recorded in 2026, 2 closed by the cut-off (one more after it) → 2/3; 白桦村: none → 1."""
    problems = [record(region.village, branch_secretary) for _ in range(3)]
    solve(problems[0], branch_secretary, town_user, DAY + days(1))
    solve(problems[1], branch_secretary, town_user, DAY + days(2))
    solve(problems[2], branch_secretary, town_user, DAY + days(40))
    participants = [
        SimpleNamespace(id=1, org_id=region.village.pk, assessment_id=None),
        SimpleNamespace(id=2, org_id=region.birch.pk, assessment_id=None),
    ]
    values = METRICS["problem_closure_rate"].compute(participants, DAY + days(10), 2026)
    assert values[1] * 3 == 2 and values[2] == 1


# ---------------------------------------------------------------------------------------------------- pages and API


def test_the_three_lists_show_what_each_holds_and_export_it(region, login, branch_secretary, town_user):
    open_one = record(region.village, branch_secretary, title="村级活动场所漏雨")
    closed_one = record(region.village, branch_secretary, title="党员活动室桌椅破旧")
    solve(closed_one, branch_secretary, town_user, DAY)
    client = login(town_user)
    problems_page = client.get("/problems/").content.decode()
    assert "村级活动场所漏雨" in problems_page and "党员活动室桌椅破旧" in problems_page
    duties = client.get("/problems/duties/").content.decode()
    assert "村级活动场所漏雨" in duties and "党员活动室桌椅破旧" not in duties
    closed = client.get("/problems/closed/").content.decode()
    assert "党员活动室桌椅破旧" in closed and "村级活动场所漏雨" not in closed
    detail = client.get(f"/problems/{closed_one.pk}/").content.decode()
    assert "核实无误" in detail and "站（村）一级解决" in detail
    page = client.get(f"/problems/{open_one.pk}/").content.decode()
    assert f"/problems/{open_one.pk}/close/" not in page and "申报办结" in page  # not verifiable before submitted
    for url in ("/problems/problems.xlsx", "/problems/duties.xlsx", "/problems/closed.xlsx?level=station_village"):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml"), url
    for step in ("assign", "progress", "submit", "escalate", "close", "return"):
        assert client.get(f"/problems/{open_one.pk}/{step}/").status_code == 200


def test_closing_through_the_page_by_the_owner_shows_the_rule(region, login, branch_secretary):
    problem = record(region.village, branch_secretary)
    services.submit_problem(problem, result="已解决", actor=branch_secretary)
    response = login(branch_secretary).post(f"/problems/{problem.pk}/close/", {"opinion": "自己验收"})
    assert response.status_code == 400
    assert "责任人不能为本人承办的问题销号：须由上一级（松岭镇党委）核实后办理，不能由责任人自己销号。" in (
        response.content.decode()
    )


def test_the_api_filters_by_level_status_organization_overdue_and_category(
    region, login, branch_secretary, town_user, county_user, outsider
):
    with time_machine.travel(at(DAY - days(5)), tick=False):
        late = record(region.village, branch_secretary, deadline=DAY - days(1))
    town = record(region.birch, town_user, level="town", owner="李镇长", category="welfare")
    record(region.south_village, outsider)
    client = login(county_user)

    def ids(query):
        answer = client.get(f"/api/problems/?{query}").json()
        assert "results" in answer, (query, answer)
        return sorted(row["id"] for row in answer["results"])

    assert len(ids("")) == 2  # not the other county's
    assert ids("level=station_village") == [late.pk]
    assert ids("category=welfare") == [town.pk] and ids("category=infrastructure") == [late.pk]
    assert ids("org_code=T-VILLAGE") == [late.pk]
    assert ids("org_code=T-SVILLAGE") == []
    assert ids("status=open") == ids("")
    assert ids("overdue=true") == [late.pk] and ids("overdue=false") == [town.pk]
    assert client.get(f"/api/problems/{late.pk}/").json()["overdue"] is True
    assert client.get("/api/problems/?level=province").status_code == 400


def test_an_outsider_cannot_record_a_problem_in_another_county(region, login, outsider):
    response = login(outsider).post(
        "/problems/new/",
        {"org_code": "T-VILLAGE", "title": "渗透", "category": "party", "level": "station_village",
         "owner_name": "某人", "deadline": "2026-03-20"},
    )  # fmt: skip
    assert response.status_code == 400 and "该组织不存在或不在您的数据范围内。" in response.content.decode()
    assert not Problem.objects.exists()


def test_a_year_outside_2000_to_2100_is_refused_with_a_clear_400_not_a_server_error(region, login, county_user):
    client = login(county_user)
    for url, text in (
        ("/problems/?year=0", "登记年度：确保该值大于或等于2000。"),
        ("/api/problems/?year=0", '{"year":["确保该值大于或等于2000。"]}'),
        ("/problems/?year=2101", "登记年度：确保该值小于或等于2100。"),
    ):
        response = client.get(url)
        assert response.status_code == 400 and text in response.content.decode(), url
