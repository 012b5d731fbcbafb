"""The "三层九岗" responsibility lists: duties assigned to the holders of the posts, dated tasks per frequency
counted by hand, completion with evidence, overdue, the `duty_completion` metric equal to a count, the template
edit audited and refused to whoever may not manage, the chain of a vertical system with its breaks, and scope."""

import datetime
import io
from collections import namedtuple
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from dangjian.assess.metrics import METRICS
from dangjian.cadence.jobs import Context
from dangjian.cadence.periods import period_of
from dangjian.core.models import AuditLog
from dangjian.orgs.choices import Domain, Level, OrgKind, Post, SystemTier
from dangjian.orgs.models import VerticalSystem
from dangjian.orgs.services import set_post
from dangjian.responsibility import services
from dangjian.responsibility.chain import chain_links
from dangjian.responsibility.choices import DutyPost, Frequency, TaskStatus
from dangjian.responsibility.jobs import duty_tasks
from dangjian.responsibility.models import DutyItem, DutyTask, DutyTemplate

from conftest import make_member, make_org

pytestmark = pytest.mark.django_db
P = namedtuple("P", "id path org_id")
TEMPLATES = [
    (DutyPost.BRANCH_SECRETARY, Frequency.YEARLY, "抓党建述职"),
    (DutyPost.BRANCH_SECRETARY, Frequency.QUARTERLY, "分析支部建设"),
    (DutyPost.BRANCH_SECRETARY, Frequency.MONTHLY, "主持主题党日"),
    (DutyPost.MEMBER, Frequency.MONTHLY, "按月交纳党费"),
    (DutyPost.COMMITTEE_SECRETARY, Frequency.YEARLY, "述职并评议下级支部书记"),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def on(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC), tick=False)


def keep(owner, rows=TEMPLATES):
    return [
        services.save_template(actor=None, owner=owner, post=post, frequency=freq, title=title)
        for post, freq, title in rows
    ]


@pytest.fixture
def duties(region):
    """漠北县's list: 青松村 (secretary 王春生) and 白桦村 (no secretary) under 松岭镇, the whole year 2026."""
    keep(region.north)
    with on(datetime.date(2026, 1, 5)):
        services.assign_duties(region.north, actor=None)
        services.generate_tasks(2026, actor=None, backfill=True)
    return region


def secretary_tasks(region, frequency):
    return DutyTask.objects.filter(item__org=region.village, item__post=DutyPost.BRANCH_SECRETARY,
                                   item__frequency=frequency).order_by("due_on")  # fmt: skip


def test_duties_go_to_the_holders_of_the_posts_and_assigning_again_changes_nothing(duties):
    items = DutyItem.objects.order_by("org__code", "post", "title")
    # 青松村: three duties of its secretary and one of its members; 白桦村 has no secretary: its members' duty only.
    assert [(i.org.code, i.holder_name, i.title) for i in items] == [
        ("T-BIRCH", "全体党员", "按月交纳党费"),
        ("T-VILLAGE", "王春生", "主持主题党日"),
        ("T-VILLAGE", "王春生", "分析支部建设"),
        ("T-VILLAGE", "王春生", "抓党建述职"),
        ("T-VILLAGE", "全体党员", "按月交纳党费"),
    ]
    assert services.assign_duties(duties.north, actor=None) == {"assigned": 0, "updated": 0, "set_aside": 0}


def test_tasks_per_frequency_are_one_four_and_twelve_a_year_due_at_the_end_of_each_period(duties):
    assert [t.due_on for t in secretary_tasks(duties, Frequency.YEARLY)] == [datetime.date(2026, 12, 31)]
    assert [t.due_on.isoformat() for t in secretary_tasks(duties, Frequency.QUARTERLY)] == [
        "2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]  # fmt: skip
    monthly = list(secretary_tasks(duties, Frequency.MONTHLY))
    assert len(monthly) == 12
    assert monthly[1].due_on == datetime.date(2026, 2, 28) and monthly[1].label == "2026年2月"
    # 1 + 4 + 12 for the secretary, 12 for each branch's members.
    assert DutyTask.objects.count() == 17 + 12 + 12
    with on(datetime.date(2026, 3, 1)):
        assert services.generate_tasks(2026, actor=None, backfill=True) == 0  # idempotent
    assert DutyTask.objects.count() == 41


def test_a_duty_assigned_in_may_owes_only_the_periods_still_running(region):
    keep(region.north, TEMPLATES[:3])
    with on(datetime.date(2026, 5, 10)):
        services.assign_duties(region.north, actor=None)
        made = services.generate_tasks(2026, actor=None)
    assert made == 1 + 3 + 8  # the year; Q2–Q4; May to December
    assert not DutyTask.objects.filter(due_on__lt=datetime.date(2026, 5, 10)).exists()


def test_the_monthly_job_makes_the_years_tasks_once(region):
    keep(region.north, TEMPLATES[:1])
    with on(datetime.date(2026, 5, 10)):
        services.assign_duties(region.north, actor=None)
    ctx = Context(period=period_of("month", datetime.date(2026, 6, 1)), now=None)
    duty_tasks(ctx)
    assert ctx.counts == {"tasks": 1}
    duty_tasks(ctx)
    assert DutyTask.objects.count() == 1


def test_a_secretary_who_leaves_has_the_duties_set_aside_and_the_new_one_gets_them(duties):
    post = duties.village.posts.get(post=Post.SECRETARY)
    post.delete()
    set_post(duties.village, actor=None, post=Post.SECRETARY, holder_name="李秋实")
    counts = services.assign_duties(duties.north, actor=None)
    assert counts == {"assigned": 3, "updated": 0, "set_aside": 3}
    assert set(
        DutyItem.objects.active().filter(post=DutyPost.BRANCH_SECRETARY).values_list("holder_name", flat=True)
    ) == {"李秋实"}  # noqa: E501


def done(task, day, note="已完成"):
    with on(datetime.date(2026, 12, 20)):
        return services.complete_task(task, actor=None, note=note, done_on=day)


def test_duty_completion_is_the_tasks_done_over_those_due_by_the_cut_off(duties):
    cutoff = datetime.date(2026, 6, 30)
    village = duties.village
    monthly = list(secretary_tasks(duties, Frequency.MONTHLY))
    done(monthly[0], datetime.date(2026, 1, 20))
    done(monthly[1], datetime.date(2026, 2, 20))
    done(list(secretary_tasks(duties, Frequency.QUARTERLY))[0], datetime.date(2026, 3, 30))
    done(monthly[5], datetime.date(2026, 7, 2))  # June's, done after the cut-off: not counted
    done(monthly[8], datetime.date(2026, 6, 1))  # September's, not due by the cut-off: not counted
    # 青松村 by 30 June: 2 quarters + 6 months of the secretary, 6 months of the members = 14 due; 3 done in time.
    due = DutyTask.objects.filter(org=village, year=2026, due_on__lte=cutoff).count()
    in_time = DutyTask.objects.filter(org=village, year=2026, due_on__lte=cutoff, status="done", done_on__lte=cutoff)
    assert (due, in_time.count()) == (14, 3)
    people = [P(1, village.path, village.pk), P(2, duties.birch.path, duties.birch.pk),
              P(3, duties.town.path, duties.town.pk)]  # fmt: skip
    shares = METRICS["duty_completion"].compute(people, cutoff, 2026)
    assert shares == {1: Decimal(3) / 14, 2: Decimal(0), 3: Decimal(1)}  # 白桦村 0 of 6; the town owes nothing
    lines = METRICS["duty_completion"].detail(people[0], cutoff, 2026)
    assert lines[0] == "到期任务 14 项，已完成 3 项"
    # 11 undone, named in order of their deadline, the first eight of them.
    assert lines[1].startswith("未完成：全体党员：按月交纳党费（2026年1月）；") and lines[1].endswith("等")
    assert lines[1].count("；") == 7


def test_open_tasks_past_their_deadline_are_overdue(duties, county_user, login):
    q1, q2 = list(secretary_tasks(duties, Frequency.QUARTERLY))[:2]
    with on(datetime.date(2026, 4, 15)):
        assert q1.is_overdue() and not q2.is_overdue()
        assert set(DutyTask.objects.overdue().values_list("due_on", flat=True)) == {
            datetime.date(2026, 1, 31), datetime.date(2026, 2, 28), datetime.date(2026, 3, 31)}  # fmt: skip
        services.complete_task(q1, actor=None, note="已分析", done_on=datetime.date(2026, 4, 10))
        q1.refresh_from_db()
        assert not q1.is_overdue()
        client = login(county_user)
        page = client.get(f"/duties/tasks/{q2.pk}/").content.decode()
        assert "逾期未完成" not in page
        listed = client.get("/duties/?overdue=true&org_code=T-VILLAGE")
        assert {t.pk for t in listed.context["page"]} == set(
            DutyTask.objects.overdue().filter(org=duties.village).values_list("pk", flat=True)
        )
        assert len(listed.context["page"]) == 6  # January to March of the secretary's and of the members' monthly duty
        assert "逾期未完成" in client.get(f"/duties/tasks/{listed.context['page'][0].pk}/").content.decode()


def test_completion_needs_a_note_and_evidence_that_is_what_it_says(duties, county_user, login):
    task = secretary_tasks(duties, Frequency.YEARLY).get()
    fake = SimpleUploadedFile("述职报告.pdf", b"not a pdf at all")
    with on(datetime.date(2026, 12, 20)):
        client = login(county_user)
        audit = AuditLog.objects.count()
        response = client.post(
            f"/duties/tasks/{task.pk}/", {"note": "已述职", "done_on": "2026-12-18", "evidence": fake}
        )
        assert response.status_code == 400
        assert "文件内容不是 PDF 文件" in response.content.decode()
        response = client.post(f"/duties/tasks/{task.pk}/", {"note": " ", "done_on": "2026-12-18"})
        assert "请填写完成情况。" in response.content.decode()
        response = client.post(f"/duties/tasks/{task.pk}/", {"note": "已述职", "done_on": "2026-12-25"})
        assert "晚于今天" in response.content.decode()
        task.refresh_from_db()
        assert task.status == TaskStatus.OPEN and AuditLog.objects.count() == audit  # nothing half-written
        pdf = SimpleUploadedFile("述职报告.pdf", b"%PDF-1.4 report")
        response = client.post(
            f"/duties/tasks/{task.pk}/", {"note": "已述职", "done_on": "2026-12-18", "evidence": pdf}
        )
        assert response.status_code == 302
        task.refresh_from_db()
        assert (task.status, task.done_on, task.note, task.evidence_name) == (
            "done", datetime.date(2026, 12, 18), "已述职", "述职报告.pdf")  # fmt: skip
        assert AuditLog.objects.count() == audit + 1
        download = client.get(f"/duties/tasks/{task.pk}/evidence/")
        assert b"".join(download.streaming_content) == b"%PDF-1.4 report"
    with pytest.raises(ValidationError, match="已登记完成"):
        services.complete_task(task, actor=None, note="again")


def test_a_manager_edits_a_template_audited_and_an_editor_may_not(duties, county_user, town_user, login):
    template = DutyTemplate.objects.get(title="分析支部建设")
    form = {"post": DutyPost.BRANCH_SECRETARY, "domain": "", "title": "分析研判支部建设", "frequency": "quarterly",
            "order": "1", "active": "on"}  # fmt: skip
    assert login(town_user).post(f"/duties/templates/{template.pk}/edit/", form).status_code == 404
    client = login(county_user)
    response = client.post(f"/duties/templates/{template.pk}/edit/", {**form, "title": ""})
    assert response.status_code == 400 and "请填写责任事项。" in response.content.decode()
    response = client.post(
        f"/duties/templates/{template.pk}/edit/", {**form, "title": "抓党建述职", "frequency": "yearly"}
    )  # noqa: E501
    assert "同一岗位、同一党建类型下已有同名责任事项。" in response.content.decode()
    assert client.post(f"/duties/templates/{template.pk}/edit/", form).status_code == 302
    template.refresh_from_db()
    assert template.title == "分析研判支部建设"
    row = AuditLog.objects.filter(object_type__contains="dutytemplate").latest("seq")
    assert (row.action, row.user_id) == ("update", county_user.pk)
    assert row.before["title"] == "分析支部建设" and row.after["title"] == "分析研判支部建设"


def test_the_default_list_is_loaded_once_per_owner(region, county_user, login):
    client = login(county_user)
    client.post("/duties/templates/seed/", {"owner": "T-NORTH"})
    count = DutyTemplate.objects.filter(owner=region.north).count()
    assert count > 9 and set(DutyTemplate.objects.values_list("post", flat=True)) == set(DutyPost.values)
    response = client.post("/duties/templates/seed/", {"owner": "T-NORTH"}, follow=True)
    assert "已有责任清单模板，未重复载入" in response.content.decode()
    assert client.post("/duties/templates/seed/", {"owner": "T-SOUTH"}, follow=True).status_code == 200
    assert not DutyTemplate.objects.filter(owner=region.south).exists()


def test_a_countys_own_list_replaces_the_citys_for_its_organizations(region):
    keep(region.city, [(DutyPost.BRANCH_SECRETARY, Frequency.YEARLY, "市定事项")])
    services.assign_duties(region.city, actor=None)
    assert set(DutyItem.objects.filter(post=DutyPost.BRANCH_SECRETARY).values_list("title", flat=True)) == {"市定事项"}
    keep(region.north, [(DutyPost.BRANCH_SECRETARY, Frequency.YEARLY, "县定事项")])
    services.assign_duties(region.city, actor=None)
    active = DutyItem.objects.active().filter(post=DutyPost.BRANCH_SECRETARY)
    assert set(active.values_list("title", flat=True)) == {"县定事项"}


@pytest.fixture
def tax(region):
    """A tax system: the city bureau complete (党组, committee and secretary, a branch with its secretary); the
    county bureau's committee without a 党组 or secretary; a sub-bureau branch affiliated to the town (断层)."""
    system = VerticalSystem.objects.create(name="示范税务系统", owner=region.city)
    city = make_org(region.city, "市税务局机关党委", "TX-CITY", OrgKind.COMMITTEE, Level.CITY, Domain.AGENCY,
                    system=system, system_tier=SystemTier.CITY_BUREAU)  # fmt: skip
    office = make_org(city, "市税务局办公室党支部", "TX-OFFICE", OrgKind.BRANCH, Level.CITY, Domain.AGENCY)
    make_member(office, "钱税务", 31)
    set_post(city, actor=None, post=Post.SECRETARY, holder_name="周书记")
    set_post(office, actor=None, post=Post.SECRETARY, holder_name="钱税务")
    group = services.create_group(actor=None, guides=city, name="市税务局党组")
    services.add_seat(actor=None, org=city, group=group, post=DutyPost.GROUP_SECRETARY, holder_name="吴局长")
    county = make_org(region.north, "县税务局机关党委", "TX-COUNTY", OrgKind.COMMITTEE, Level.COUNTY, Domain.AGENCY,
                      system=system, system_tier=SystemTier.COUNTY_BUREAU, system_parent=city)  # fmt: skip
    make_org(county, "县税务局机关党支部", "TX-CBRANCH", OrgKind.BRANCH, Level.COUNTY, Domain.AGENCY)
    make_org(region.town, "松岭税务分局党支部", "TX-SUB", OrgKind.BRANCH, Level.TOWN, Domain.AGENCY, system=system,
             system_tier=SystemTier.SUB_BUREAU, system_parent=county)  # fmt: skip
    yearly = Frequency.YEARLY
    rows = [(DutyPost.GROUP_SECRETARY, yearly, "负总责"), (DutyPost.BRANCH_SECRETARY, yearly, "述职"),
            (DutyPost.MEMBER, yearly, "学习")]  # fmt: skip
    keep(region.city, rows)
    services.assign_duties(city, actor=None)
    return system


def test_the_chain_names_each_break_where_it_is(tax):
    units = list(tax.units.order_by("system_tier", "code"))
    links = {link.unit.code: link.breaks for link in chain_links(units)}
    assert links["TX-CITY"] == []
    assert links["TX-COUNTY"] == [
        "未设党组（或党组未关联本单位机关党委）",
        "机关党委书记空缺",
        "1 个党支部书记空缺",
        "责任清单未分解到岗",
    ]
    assert links["TX-SUB"] == ["1 个党支部书记空缺", "责任清单未分解到岗", "分局党组织关系隶属当地党委，未归口县区局"]


def test_the_chain_page_shows_the_breaks_to_the_city_and_only_its_own_units_to_a_county(
    tax, city_admin, county_user, login
):  # noqa: E501
    page = login(city_admin).get(f"/duties/systems/{tax.pk}/")
    assert page.status_code == 200 and page.context["broken"] == 2
    assert "市税务局党组" in page.content.decode()
    page = login(county_user).get(f"/duties/systems/{tax.pk}/")
    assert [link.unit.code for link in page.context["links"]] == ["TX-COUNTY", "TX-SUB"]
    assert "市税务局党组" not in page.content.decode()


def test_the_secretarys_review_page_lists_the_duties_done_and_not_done(duties, county_user, login):
    first = list(secretary_tasks(duties, Frequency.MONTHLY))[0]
    done(first, datetime.date(2026, 1, 25), note="一月主题党日已开展")
    with on(datetime.date(2026, 4, 15)):
        page = login(county_user).get(f"/duties/orgs/{duties.village.pk}/review/?year=2026")
    body = page.content.decode()
    duties_of = page.context["duties"]
    # By 15 April: Jan–Mar months and Q1 due (4), January's done.
    assert (duties_of.name, len(duties_of.done), len(duties_of.undone)) == ("王春生", 1, 3)
    assert "一月主题党日已开展" in body and "分析支部建设" in body


def test_the_lists_api_and_export_show_only_the_own_county(duties, county_user, outsider, login):
    south_templates = keep(duties.south, [(DutyPost.MEMBER, Frequency.YEARLY, "南岭事项")])
    assert south_templates
    services.assign_duties(duties.south, actor=None)
    services.generate_tasks(2026, actor=None, backfill=True)
    client = login(county_user)
    assert client.get("/duties/").context["page"].paginator.count == 41
    assert client.get("/api/duties/items/").json()["count"] == 5
    assert "南岭" not in client.get("/api/duties/tasks/?page_size=100").content.decode()
    south = login(outsider)
    assert south.get("/duties/items/").context["page"].paginator.count == 1
    with on(datetime.date(2026, 4, 15)):
        response = client.get("/duties/items.xlsx?org_code=T-VILLAGE&year=2026")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [[c.value for c in row] for row in book.active.iter_rows(min_row=4)]
    monthly = next(r for r in rows if r[4] == "主持主题党日")
    assert monthly[:4] == ["T-VILLAGE", "青松村党支部", "支部书记", "王春生"]
    assert monthly[7:] == [12, 3, 0, 3]  # 12 tasks, 3 due by 15 April, none done, 3 overdue
    assert len(rows) == 4


def test_the_assessments_review_page_shows_the_secretarys_duties_beside_the_report(duties, county_user, login):
    from dangjian.assess import services as assess
    from schemes import county_scheme, given

    first = list(secretary_tasks(duties, Frequency.MONTHLY))[0]
    done(first, datetime.date(2026, 1, 25))
    scheme = assess.save_scheme(actor=None, owner=duties.north, text=county_scheme(given(100), category="工作"))
    assessment = assess.open_assessment(
        actor=None, scheme=scheme, root=duties.north, cutoff=datetime.date(2026, 12, 31)
    )
    village = assessment.participants.get(code="T-VILLAGE")
    with on(datetime.date(2026, 4, 15)):
        body = login(county_user).get(f"/assess/orgs/{village.pk}/review/").content.decode()
    assert "支部书记 王春生：2026 年已到期 4 项，已完成 1 项" in body
    assert f"/duties/orgs/{duties.village.pk}/review/?year=2026" in body


def test_a_group_guides_a_committee_and_its_seats_follow_the_posts_rules(region, county_user, login):
    committee = make_org(region.north, "县财政局机关党委", "T-FIN", OrgKind.COMMITTEE, Level.COUNTY, Domain.AGENCY)
    client = login(county_user)
    response = client.post("/duties/groups/", {"name": "县财政局党组", "guides": "T-VILLAGE"})
    assert response.status_code == 400 and "党组指导的是机关党委，青松村党支部不是党委。" in response.content.decode()
    response = client.post("/duties/groups/", {"name": "南岭党组", "guides": "T-SOUTH"})
    assert response.status_code == 400 and "不在您的管理范围内" in response.content.decode()
    response = client.post("/duties/groups/", {"name": "县财政局党组", "guides": "T-FIN"})
    group = committee.leading_groups.get()
    assert response.status_code == 302 and group.name == "县财政局党组"
    client.post(f"/duties/groups/{group.pk}/", {"post": "group_secretary", "holder_name": "赵局长"})
    response = client.post(f"/duties/groups/{group.pk}/", {"post": "group_secretary", "holder_name": "钱局长"})
    assert "已有党组书记，请先移除再登记。" in response.content.decode()
    assert list(group.seats.values_list("holder_name", flat=True)) == ["赵局长"]
    with pytest.raises(ValidationError, match="纪委书记、纪委委员登记在设纪委的党委下"):
        services.add_seat(actor=None, org=region.village, post=DutyPost.DISCIPLINE_SECRETARY, holder_name="孙纪检")
    keep(region.north, [(DutyPost.GROUP_SECRETARY, Frequency.YEARLY, "履行第一责任人职责")])
    services.assign_duties(region.north, actor=None)
    item = DutyItem.objects.get(post=DutyPost.GROUP_SECRETARY)
    assert (item.org, item.holder_name) == (committee, "赵局长")
