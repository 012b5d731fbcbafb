"""Resources as a county keeps them: its own "十有" checklist (adjusted, audited, judged per area, past answers kept),
the roll-up level by level with drill-down counted by hand, and the funds and projects lists imported from Excel."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from dangjian.accounts.models import Role
from dangjian.core.models import AuditLog
from dangjian.core.services import OutOfScope
from dangjian.members.models import Member
from dangjian.orgs.choices import Level, OrgKind
from dangjian.resources import rules
from dangjian.resources import services as svc
from dangjian.resources.checklists import checklist_at
from dangjian.resources.models import Fund, Project, Venue
from dangjian.resources.rollup import rollup
from dangjian.rulebook.models import RuleOverride
from sheets_files import write_xlsx

from conftest import make_org, persona

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 5, 20)
FULL = list(rules.STANDARD_KEYS)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def members(*names):
    return list(Member.objects.filter(name__in=names).select_related("org"))


def adjust_north(county_user, region):
    """漠北县 renames 有醒目标识, retires 有远程教育设备 and adds 有志愿服务队."""
    return svc.adjust_venue_standard(
        region.north,
        actor=county_user,
        reason="县委组织部2026年阵地建设要求",
        labels={"sign": "有统一醒目标识"},
        retired=["media"],
        added=["有志愿服务队"],
    )


# ---------------------------------------------------------------------------------------------------- "十有" per county


def test_a_county_adjusts_its_checklist_and_only_its_venues_are_judged_by_it(region, county_user):
    adjust_north(county_user, region)
    north = checklist_at(region.village)
    assert north.adjusted_by == "漠北县委" and north.size == 10
    assert north.label("sign") == "有统一醒目标识" and "有远程教育设备" in north.retired_labels
    assert north.keys[-1] == "c1" and north.label("c1") == "有志愿服务队"
    south = checklist_at(region.south_village)
    assert south == rules.DEFAULT_CHECKLIST and south.size == 10
    # The same nine old answers: complete in the south, one short in the north (the new item), the retired one kept.
    north_venue = svc.create_venue(actor=None, org=region.village, kind="activity", name="青松村活动室",
                                   standard=[k for k in FULL if k != "media"] + ["c1"])  # fmt: skip
    assert north_venue.standard_complete and north_venue.standard_count == 10
    with pytest.raises(ValidationError, match="“十有”清单中没有这些项目：media"):
        svc.create_venue(actor=None, org=region.birch, kind="activity", name="白桦村活动室", standard=["media"])
    with pytest.raises(ValidationError, match="“十有”清单中没有这些项目：c1"):
        svc.create_venue(actor=None, org=region.south_village, kind="activity", name="南岭活动室", standard=["c1"])


def test_a_retired_item_keeps_the_venues_past_answer(region, county_user):
    venue = svc.create_venue(actor=None, org=region.village, kind="activity", name="青松村活动室", standard=FULL)
    assert Venue.objects.get(pk=venue.pk).standard_complete
    adjust_north(county_user, region)
    venue = Venue.objects.get(pk=venue.pk)
    assert "media" in venue.standard  # not erased
    assert venue.standard_retired == ["有远程教育设备"]
    assert not venue.standard_complete and venue.standard_missing == ["有志愿服务队"]
    # Editing the venue again (the form no longer offers the retired item) keeps the past answer.
    venue = svc.update_venue(venue, actor=None, standard=[k for k in FULL if k != "media"] + ["c1"])
    assert venue.standard_complete and "media" in venue.standard


def test_the_adjustment_is_audited_with_who_when_why_and_replaces_the_last(region, county_user):
    first = adjust_north(county_user, region)
    second = svc.adjust_venue_standard(region.north, actor=county_user, reason="恢复远程教育设备",
                                       labels={}, retired=[], added=[])  # fmt: skip
    first.refresh_from_db()
    assert first.withdrawn_at is not None and "恢复远程教育设备" in first.withdrawn_reason
    assert (second.created_by, second.reason, second.withdrawn_at) == (county_user, "恢复远程教育设备", None)
    assert checklist_at(region.village).size == 11  # media back in force, the added item stays
    details = list(AuditLog.objects.filter(detail__contains="“十有”阵地建设标准").values_list("detail", flat=True))
    assert len(details) == 3  # two adjustments, one withdrawal


def test_adjustments_are_refused_in_chinese(region, county_user, outsider, town_user):
    with pytest.raises(ValidationError) as exc:
        svc.adjust_venue_standard(region.town, actor=county_user, reason="", labels={"sign": ""}, retired=FULL)
    messages = exc.value.message_dict
    assert messages["org_code"] == ["“十有”清单只能由市、县（区）一级调整，请选择市委或县（区）委。"]
    assert messages["reason"] == ["请填写调整理由。"]
    assert "项目名称不能为空：有醒目标识。" in messages["labels"]
    assert "至少保留一个在用的项目。" in messages["labels"]
    with pytest.raises(ValidationError, match="项目名称重复：有党旗和入党誓词"):
        svc.adjust_venue_standard(region.north, actor=county_user, reason="x", added=["有党旗和入党誓词"])
    with pytest.raises(ValidationError, match="清单没有变化"):
        svc.adjust_venue_standard(region.north, actor=county_user, reason="x")
    with pytest.raises(OutOfScope):
        svc.adjust_venue_standard(region.north, actor=outsider, reason="越权", added=["有温泉"])
    assert not RuleOverride.objects.exists()


def test_the_standard_page_adjusts_for_a_manager_and_shows_the_trail(region, county_user, reader, outsider, login):
    client = login(county_user)
    page = client.get("/resources/standard/").content.decode()
    assert "地区默认清单" in page and 'id="standard-form"' in page
    data = {f"label_{k}": label for k, label in rules.STANDARD_ITEMS} | {
        "org_code": "T-NORTH", "label_sign": "有统一醒目标识", "retire_media": "on", "new_1": "有志愿服务队",
        "reason": "",
    }  # fmt: skip
    response = client.post("/resources/standard/", data)
    assert response.status_code == 400 and "请填写调整理由。" in response.content.decode()
    response = client.post("/resources/standard/", data | {"reason": "县委组织部要求"})
    assert response.status_code == 302
    page = client.get("/resources/standard/?org_code=T-VILLAGE").content.decode()
    assert "漠北县委调整" in page and "有统一醒目标识" in page and "已停用：有远程教育设备" in page
    assert "县委组织部要求" in page and "county_user" in page
    # A reader sees the list and the trail, not the form; the other county sees neither, and cannot post.
    page = login(reader).get("/resources/standard/?org_code=T-NORTH").content.decode()
    assert "有统一醒目标识" in page and 'id="standard-form"' not in page
    other = login(outsider)
    assert other.get("/resources/standard/?org_code=T-NORTH").status_code == 404
    assert "县委组织部要求" not in other.get("/resources/standard/").content.decode()
    assert other.post("/resources/standard/", data | {"reason": "越权"}).status_code == 404
    assert RuleOverride.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_the_venue_page_shows_its_areas_checklist(region, county_user, login):
    venue = svc.create_venue(actor=None, org=region.village, kind="activity", name="青松村活动室", standard=FULL)
    adjust_north(county_user, region)
    page = login(county_user).get(f"/resources/venues/{venue.pk}/").content.decode()
    assert "达标 9 / 10" in page and "有统一醒目标识" in page and "有志愿服务队" in page
    assert "已停用项目（原记录保留，不计入达标）：有远程教育设备" in page
    page = login(county_user).get(f"/resources/venues/{venue.pk}/edit/").content.decode()
    assert "有志愿服务队" in page and "有远程教育设备" not in page


# ---------------------------------------------------------------------------------------------------- roll-up by level


@pytest.fixture
def tree(region, county_user):
    """漠北县: 松岭镇 (青松村, 白桦村) and 东岗镇 (东岗村), with records at every level, counted by hand below."""
    east = make_org(region.north, "东岗镇党委", "T-EAST", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    east_village = make_org(east, "东岗村党支部", "T-EVILLAGE", OrgKind.BRANCH, Level.VILLAGE)
    north, town, village, birch = region.north, region.town, region.village, region.birch
    p = dict(actor=None, year=2026, category="central", budget_fen=10_000, spent_fen=5_000)
    for org, title in [(north, "县项目"), (town, "镇项目"), (village, "村项目一"), (village, "村项目二"),
                       (birch, "白桦项目"), (east_village, "东岗村项目")]:  # fmt: skip
        svc.create_project(org=org, title=title, **p)
    svc.create_project(org=village, title="去年", **(p | {"year": 2025}))
    svc.create_venue(actor=None, org=birch, kind="activity", name="白桦村活动室", standard=FULL)  # the old ten
    adjust_north(county_user, region)  # the county's checklist: FULL without media, plus c1 (白桦 now one short)
    north_full = [k for k in FULL if k != "media"] + ["c1"]
    c1 = svc.create_venue(actor=None, org=village, kind="centre", name="青松村中心", standard=north_full)
    c2 = svc.create_venue(actor=None, org=east_village, kind="centre", name="东岗村中心", standard=north_full)
    svc.create_venue(actor=None, org=town, kind="liaison", name="松岭镇联络室")
    svc.create_venue(actor=None, org=village, kind="liaison", name="青松村联络室")
    svc.record_services(c1, actor=None, month=datetime.date(2026, 3, 1), items=100, people=150)
    svc.record_services(c1, actor=None, month=datetime.date(2025, 3, 1), items=999, people=999)
    svc.record_services(c2, actor=None, month=datetime.date(2026, 4, 1), items=7, people=9)
    svc.record_training(actor=None, org=north, title="县培训", date=datetime.date(2026, 2, 1),
                        members=members("王春生", "孙白桦"), others=20)  # fmt: skip
    svc.record_training(actor=None, org=village, title="村培训", date=datetime.date(2026, 3, 1),
                        members=members("王春生", "李秋实"), others=1)  # fmt: skip
    svc.record_fund(actor=None, org=north, year=2026, source="budget", purpose="县", in_budget=True,
                    budget_fen=900_000, spent_fen=100_000)  # fmt: skip
    svc.record_fund(actor=None, org=village, year=2026, source="budget", purpose="村", in_budget=True,
                    budget_fen=50_000, spent_fen=20_000)  # fmt: skip
    svc.record_fund(actor=None, org=east_village, year=2026, source="own", purpose="东岗", in_budget=False,
                    budget_fen=8_000, spent_fen=8_000)  # fmt: skip
    return {"east": east, "east_village": east_village}


def test_the_county_level_counts_each_town_with_its_villages(region, tree):
    result = rollup(region.north, 2026, TODAY)
    t = result.total
    assert (t.projects, t.centres, t.services, t.served) == (6, 2, 107, 159)
    assert (t.trainings, t.attendances) == (2, 2 + 20 + 2 + 1)
    assert (t.venues, t.venues_standard) == (5, 2)  # the two centres meet the county's list; 白桦's old ten do not
    assert (t.fund_budget_fen, t.fund_spent_fen, t.fund_in_budget_fen) == (958_000, 128_000, 950_000)
    rows = {org.code: f for org, f in result.rows}
    assert list(rows) == ["T-TOWN", "T-EAST"]  # the county's own project, training and fund are in the total only
    town, east = rows["T-TOWN"], rows["T-EAST"]
    assert (town.projects, town.centres, town.services, town.trainings, town.venues_standard) == (4, 1, 100, 1, 1)
    assert (town.fund_budget_fen, town.fund_spent_fen, town.venues) == (50_000, 20_000, 4)
    assert (east.projects, east.centres, east.services, east.trainings, east.venues_standard) == (1, 1, 7, 0, 1)
    assert (east.fund_budget_fen, east.fund_spent_fen) == (8_000, 8_000)
    levels = dict(result.levels)
    assert (levels["县（区）"].projects, levels["县（区）"].trainings, levels["县（区）"].fund_budget_fen) == (
        1,
        1,
        900_000,
    )
    assert (levels["乡镇（街道）"].projects, levels["乡镇（街道）"].liaison_town) == (1, 1)
    assert (levels["村（社区）"].projects, levels["村（社区）"].centres, levels["村（社区）"].liaison_village) == (
        4,
        2,
        1,
    )


def test_the_town_level_counts_each_village(region, tree):
    result = rollup(region.town, 2026, TODAY)
    rows = {org.code: f for org, f in result.rows}
    assert list(rows) == ["T-VILLAGE", "T-BIRCH"]
    village, birch = rows["T-VILLAGE"], rows["T-BIRCH"]
    assert (village.projects, village.venues, village.venues_standard, village.centres) == (2, 2, 1, 1)
    assert (village.services, village.served, village.trainings, village.attendances) == (100, 150, 1, 3)
    assert (village.fund_budget_fen, village.fund_spent_fen) == (50_000, 20_000)
    assert (birch.projects, birch.venues, birch.venues_standard, birch.trainings) == (1, 1, 0, 0)
    assert (result.total.projects, result.total.liaison_town, result.total.liaison_village) == (4, 1, 1)


def test_the_roll_up_page_drills_down_and_back_up(region, tree, county_user, outsider, login):
    client = login(county_user)
    page = client.get("/resources/?year=2026").content.decode()
    assert 'href="?org_code=T-TOWN&year=2026">松岭镇党委' in page and 'id="rollup-levels"' in page
    page = client.get("/resources/?org_code=T-TOWN&year=2026").content.decode()
    assert 'href="?org_code=T-VILLAGE&year=2026">青松村党支部' in page
    assert 'id="rollup-crumbs"' in page and 'href="?org_code=T-NORTH&year=2026">漠北县委' in page
    assert "示范市委" not in page  # above the user's scope: no link up there
    assert login(outsider).get("/resources/?org_code=T-TOWN").status_code == 404


# ---------------------------------------------------------------------------------------------------- imports

FUND_HEADERS = ["组织编码", "年度", "来源", "用途", "列入预算", "预算金额（元）", "已支出（元）"]
PROJECT_HEADERS = ["组织编码", "年度", "项目名称", "类别", "状态", "负责人", "目标", "计划投入（元）", "已投入（元）",
                   "参与党员", "成效"]  # fmt: skip


def run(kind, tmp_path, headers, rows, *args):
    path = write_xlsx(tmp_path / f"{kind}.xlsx", [headers, *rows], title=None)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", kind, str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), str(exc)
    return out.getvalue(), err.getvalue(), ""


def test_dangjian_import_funds_and_projects(region, tmp_path):
    out, _, failed = run("funds", tmp_path, FUND_HEADERS, [
        ["T-VILLAGE", 2026, "财政预算", "活动经费", "是", "5,000.25", 1200],
        ["T-TOWN", 2026, "单位自筹", "阵地维护", "否", None, None],
    ])  # fmt: skip
    assert not failed and "共 2 行，新增 2" in out
    fund = Fund.objects.get(purpose="活动经费")
    assert (fund.budget_fen, fund.spent_fen, fund.in_budget, fund.source) == (500_025, 120_000, True, "budget")
    assert Fund.objects.get(purpose="阵地维护").budget_fen == 0
    out, _, failed = run("projects", tmp_path, PROJECT_HEADERS, [
        ["T-VILLAGE", 2026, "党建+乡村振兴", "党建+中心工作", "", "王春生", "三年见效", 20000, 8000,
         "王春生、李秋实", ""],
        ["T-TOWN", 2026, "红色代办", "特色项目（X）", "已完成", "", "", None, None, "", "办结120件"],
    ])  # fmt: skip
    assert not failed and "共 2 行，新增 2" in out
    project = Project.objects.get(title="党建+乡村振兴")
    money = (project.budget_fen, project.spent_fen)
    assert (project.category, project.status, money) == ("central", "active", (2_000_000, 800_000))
    assert sorted(project.members.values_list("name", flat=True)) == ["李秋实", "王春生"]
    assert Project.objects.get(title="红色代办").status == "done"


def test_dry_run_writes_nothing(region, tmp_path):
    out, _, failed = run("funds", tmp_path, FUND_HEADERS, [["T-VILLAGE", 2026, "财政预算", "活动经费", "是", 1, 1]],
                         "--dry-run")  # fmt: skip
    assert not failed and "新增 1" in out and not Fund.objects.exists()


def test_imports_with_bad_rows_write_nothing_and_name_each_row_and_column(region, tmp_path):
    clerk = persona("county_clerk", region.north, Role.EDIT)
    audit = AuditLog.objects.count()
    _, err, failed = run("funds", tmp_path, FUND_HEADERS, [
        ["T-VILLAGE", 2026, "财政预算", "活动经费", "是", 100, 10],
        ["T-SVILLAGE", 2026, "财政预算", "南岭", "是", 100, 10],
        ["T-VILLAGE", 1999, "财政预算", "旧账", "是", 100, 10],
        ["T-VILLAGE", 2026, "财政预算", "活动经费", "是", 5, 5],
        ["T-VILLAGE", 2026, "捐款", "其他", "也许", "-5", 0],
    ], "--as", clerk.username)  # fmt: skip
    assert "全部未写入" in failed
    assert "第 3 行「组织编码」：组织编码“T-SVILLAGE”不存在或不在您的管理范围内" in err
    assert "第 4 行「年度」：年度须在 2000 至 2027 之间" in err
    assert "第 5 行「用途」：与第 2 行是同一笔经费" in err
    assert "第 6 行「来源」" in err and "第 6 行「列入预算」：“也许”应填“是”或“否”" in err
    assert "第 6 行「预算金额（元）」" in err
    assert not Fund.objects.exists()
    _, err, failed = run("projects", tmp_path, PROJECT_HEADERS, [
        ["T-VILLAGE", 2026, "项目一", "党建+中心工作", "", "", "", 1, 1, "孙白桦", ""],
        ["T-VILLAGE", 2026, "", "党建+中心工作", "", "", "", 1, 1, "", ""],
        ["T-VILLAGE", 2026, "项目三", "党建+其他", "", "", "", 1, 1, "", ""],
    ], "--as", clerk.username)  # fmt: skip
    assert "全部未写入" in failed
    assert "第 2 行「参与党员」：孙白桦 不是青松村党支部（含下级）的党员" in err
    assert "第 3 行「项目名称」" in err
    assert "第 4 行「类别」" in err
    assert not Project.objects.exists()
    assert AuditLog.objects.count() == audit


def test_the_templates_of_funds_and_projects_have_the_columns(tmp_path):
    for kind, headers in [("funds", FUND_HEADERS), ("projects", PROJECT_HEADERS)]:
        path = tmp_path / f"{kind}.xlsx"
        call_command("import", kind, "--template", str(path), stdout=io.StringIO())
        header = [str(c.value).lstrip("*") for c in openpyxl.load_workbook(path).active[2]]
        assert header == headers


def test_the_lists_offer_the_imports(region, county_user, login):
    client = login(county_user)
    assert "dangjian import funds --template" in client.get("/resources/funds/").content.decode()
    assert "dangjian import projects --template" in client.get("/resources/projects/").content.decode()
