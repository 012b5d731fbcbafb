"""党建+ projects and resources as users meet them: the roll-up counted by hand, the "十有" checklist, a first
secretary's late and missing plans and ledgers, pages and API within scope, imports all or nothing."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from dangjian.core.models import AuditLog
from dangjian.members.models import Member
from dangjian.orgs.choices import Level, OrgKind
from dangjian.resources import rules
from dangjian.resources import services as svc
from dangjian.resources.models import Fund, MonthlyReport, Project, Secretary, Training, Venue, VenuePhoto
from dangjian.resources.rollup import rollup
from sheets_files import write_xlsx

from conftest import make_org

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def members(*names):
    return list(Member.objects.filter(name__in=names).select_related("org"))


@pytest.fixture
def records(region):
    """A county with two towns' worth of records, counted by hand in the tests below."""
    east = make_org(region.north, "东岗镇党委", "T-EAST", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    town, village, birch = region.town, region.village, region.birch
    p = dict(actor=None, year=2026, budget_fen=100_000, spent_fen=40_000)
    svc.create_project(org=village, title="党建+乡村振兴", category="central", members=members("王春生"), **p)
    svc.create_project(org=village, title="红色代办", category="featured", **p)
    svc.create_project(org=birch, title="党建+环境整治", category="key", **p)
    svc.create_project(org=east, title="党建+信访", category="daily", **p)
    svc.create_project(org=village, title="去年的项目", category="central", **(p | {"year": 2025}))
    svc.create_project(org=region.south_village, title="南岭项目", category="central", **p)
    full = list(rules.STANDARD_KEYS)
    centre = svc.create_venue(actor=None, org=village, kind="centre", name="青松村党群服务中心", standard=full)
    svc.create_venue(actor=None, org=birch, kind="activity", name="白桦村活动室", standard=full[:6])
    svc.create_venue(actor=None, org=town, kind="liaison", name="松岭镇党代表联络工作室")
    svc.create_venue(actor=None, org=village, kind="liaison", name="青松村党代表联络工作室", standard=full)
    east_centre = svc.create_venue(actor=None, org=east, kind="centre", name="东岗镇党群服务中心")
    svc.record_services(centre, actor=None, month=datetime.date(2026, 3, 1), items=120, people=300)
    svc.record_services(centre, actor=None, month=datetime.date(2026, 4, 1), items=80, people=200)
    svc.record_services(centre, actor=None, month=datetime.date(2025, 12, 1), items=999, people=999)  # last year
    svc.record_services(east_centre, actor=None, month=datetime.date(2026, 4, 1), items=10, people=15)
    svc.record_training(actor=None, org=town, title="村干部培训", date=datetime.date(2026, 3, 2),
                        members=members("王春生", "李秋实", "孙白桦"), others=12)  # fmt: skip
    svc.record_training(actor=None, org=village, title="党员培训", date=datetime.date(2026, 4, 2),
                        members=members("赵冬梅"))  # fmt: skip
    svc.record_training(actor=None, org=east, title="去年培训", date=datetime.date(2025, 4, 2), others=5)
    svc.record_fund(actor=None, org=village, year=2026, source="budget", purpose="活动经费", in_budget=True,
                    budget_fen=500_000, spent_fen=120_000)  # fmt: skip
    svc.record_fund(actor=None, org=east, year=2026, source="own", purpose="自筹", in_budget=False,
                    budget_fen=30_000, spent_fen=30_000)  # fmt: skip
    first = svc.add_secretary(actor=None, org=village, name="刘驻村", role="first_secretary", sent_by="县财政局",
                              start=datetime.date(2026, 1, 1))  # fmt: skip
    svc.add_secretary(actor=None, org=birch, name="陈队员", role="team_member", sent_by="县农业局",
                      team="县第一工作队", start=datetime.date(2026, 1, 1))  # fmt: skip
    return {"east": east, "first": first, "centre": centre}


def test_the_county_roll_up_matches_the_hand_count(region, records):
    result = rollup(region.north, 2026, TODAY)
    t = result.total
    # Projects of 2026 in the county: 乡村振兴, 红色代办, 环境整治, 信访 (not last year's, not 南岭's).
    assert (t.projects, t.central, t.key, t.daily, t.featured) == (4, 1, 1, 1, 1)
    assert (t.project_budget_fen, t.project_spent_fen) == (400_000, 160_000)
    assert (t.venues, t.venues_standard, t.centres) == (5, 2, 2)
    assert (t.liaison_town, t.liaison_village) == (1, 1)
    assert (t.services, t.served) == (120 + 80 + 10, 300 + 200 + 15)
    assert (t.trainings, t.attendances) == (2, 3 + 12 + 1)
    assert (t.fund_budget_fen, t.fund_in_budget_fen, t.fund_spent_fen) == (530_000, 500_000, 150_000)
    assert (t.secretaries, t.team_members, t.villages) == (1, 1, 2)
    rows = {org.code: f for org, f in result.rows}
    assert set(rows) == {"T-TOWN", "T-EAST"}
    assert (rows["T-TOWN"].projects, rows["T-EAST"].projects) == (3, 1)
    assert (rows["T-TOWN"].centres, rows["T-TOWN"].services, rows["T-EAST"].services) == (1, 200, 10)
    assert (rows["T-TOWN"].trainings, rows["T-EAST"].trainings) == (2, 0)


def test_the_venue_checklist_counts_the_ten_items_and_names_the_missing(region):
    venue = svc.create_venue(actor=None, org=region.village, kind="activity", name="活动室",
                             standard=["flag", "sign", "sign", "books"])  # fmt: skip
    assert len(rules.STANDARD_ITEMS) == 10
    assert venue.standard == ["sign", "flag", "books"]  # in the standard's order, once each
    assert (venue.standard_count, venue.standard_complete) == (3, False)
    assert "有固定活动场所" in venue.standard_missing and "有醒目标识" not in venue.standard_missing
    venue = svc.update_venue(venue, actor=None, standard=list(rules.STANDARD_KEYS))
    assert venue.standard_complete and venue.standard_missing == []
    with pytest.raises(ValidationError, match="“十有”清单中没有这些项目：spa"):
        svc.update_venue(venue, actor=None, standard=["spa"])


def test_a_first_secretarys_late_and_missing_reports_are_flagged(region):
    who = svc.add_secretary(actor=None, org=region.village, name="刘驻村", role="first_secretary",
                            sent_by="县财政局", start=datetime.date(2026, 3, 10))  # fmt: skip
    march, april, may = (datetime.date(2026, m, 1) for m in (3, 4, 5))
    svc.submit_report(
        who, actor=None, month=march, kind="plan", content="三月计划", submitted_on=datetime.date(2026, 3, 12)
    )
    svc.submit_report(
        who, actor=None, month=march, kind="ledger", content="三月台账", submitted_on=datetime.date(2026, 3, 31)
    )
    svc.submit_report(
        who, actor=None, month=april, kind="plan", content="四月计划", submitted_on=datetime.date(2026, 4, 5)
    )
    svc.submit_report(who, actor=None, month=may, kind="plan", content="五月计划")  # today, the 20th: late
    states = {(r.month, r.kind): r.late for r in MonthlyReport.objects.all()}
    assert states == {(march, "plan"): True, (march, "ledger"): False, (april, "plan"): False, (may, "plan"): True}
    assert rules.report_state(april, "ledger", None, TODAY) == "missing"  # April's ledger was due on the 30th
    assert rules.report_state(may, "ledger", None, TODAY) == "open"  # May's is not due yet
    assert rules.report_due(datetime.date(2026, 2, 1), "ledger") == datetime.date(2026, 2, 28)
    total = rollup(region.town, 2026, TODAY).total
    assert (total.reports_late, total.reports_missing) == (2, 1)
    with pytest.raises(ValidationError, match="2026年04月的月度工作计划已报送"):
        svc.submit_report(who, actor=None, month=april, kind="plan", content="重复")
    with pytest.raises(ValidationError, match="该月不在驻村期内"):
        svc.submit_report(who, actor=None, month=datetime.date(2026, 2, 1), kind="plan", content="二月")


def test_the_secretary_page_shows_late_and_missing(region, records, county_user, login):
    who = records["first"]
    svc.submit_report(who, actor=None, month=datetime.date(2026, 1, 1), kind="plan", content="一月计划",
                      submitted_on=datetime.date(2026, 1, 9))  # fmt: skip
    client = login(county_user)
    body = client.get(f"/resources/secretaries/{who.pk}/").content.decode()
    assert "迟报（01-09 报送）" in body and body.count("未报") >= 8  # Feb–Apr both, Jan's ledger
    response = client.post(f"/resources/secretaries/{who.pk}/reports/",
                           {"month": "2026-05", "kind": "plan", "content": "五月计划"})  # fmt: skip
    assert response.status_code == 302
    assert MonthlyReport.objects.get(month=datetime.date(2026, 5, 1)).late
    assert AuditLog.objects.filter(detail="第一书记月度报送").count() == 2


def test_project_members_must_come_from_the_organizations_roster(region):
    with pytest.raises(ValidationError, match="人员须是青松村党支部（含下级）的党员：孙白桦 不是"):
        svc.create_project(actor=None, org=region.village, year=2026, title="项目", category="central",
                           members=members("孙白桦"))  # fmt: skip
    with pytest.raises(ValidationError, match="请选择项目类别"):
        svc.create_project(actor=None, org=region.village, year=2026, title="项目", category="other")
    assert not Project.objects.exists()


def test_a_county_user_creates_a_project_with_milestones_and_evidence(region, county_user, login):
    client = login(county_user)
    form = client.get("/resources/projects/new/?org_code=T-VILLAGE").content.decode()
    assert form.count('name="member"') == 3  # 王春生, 李秋实, 赵冬梅
    wang, li = (str(m.pk) for m in members("王春生", "李秋实"))
    response = client.post("/resources/projects/new/", {
        "org_code": "T-VILLAGE", "year": "2026", "title": "党建+产业", "category": "featured", "status": "active",
        "budget": "1234.5", "spent": "0", "member": [wang, li],
    })  # fmt: skip
    project = Project.objects.get()
    assert response.status_code == 302 and project.budget_fen == 123450
    assert sorted(project.members.values_list("name", flat=True)) == ["李秋实", "王春生"]
    client.post(f"/resources/projects/{project.pk}/milestones/", {"title": "建成基地", "due": "2026-04-30"})
    page = client.get(f"/resources/projects/{project.pk}/").content.decode()
    assert "逾期未完成" in page
    milestone = project.milestones.get()
    client.post(f"/resources/milestones/{milestone.pk}/done/")
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY
    bad = SimpleUploadedFile("成效.pdf", b"not a pdf at all")
    response = client.post(f"/resources/projects/{project.pk}/evidence/", {"files": [bad]})
    assert response.status_code == 400 and "成效.pdf" in response.content.decode()
    good = SimpleUploadedFile("成效.pdf", b"%PDF-1.4 results")
    assert client.post(f"/resources/projects/{project.pk}/evidence/", {"files": [good]}).status_code == 302
    evidence = project.evidence.get()
    assert client.get(f"/resources/evidence/{evidence.pk}/").status_code == 200
    response = client.post(f"/resources/projects/{project.pk}/edit/", {
        "year": "2026", "title": "党建+产业（二期）", "category": "featured", "status": "done", "budget": "1234.5",
        "spent": "1000", "member": [wang],
    })  # fmt: skip
    project.refresh_from_db()
    assert (project.title, project.spent_fen, project.members.count()) == ("党建+产业（二期）", 100000, 1)


def test_a_training_records_who_attended_from_the_roster(region, town_user, login):
    client = login(town_user)
    page = client.get("/resources/trainings/new/?org_code=T-TOWN").content.decode()
    assert page.count('name="member"') == 4  # the town's roster: three of 青松村, one of 白桦村
    outsider_member = Member.objects.get(name="欧阳南风")
    response = client.post("/resources/trainings/new/", {
        "org_code": "T-TOWN", "title": "业务培训", "date": "2026-05-10", "days": "2", "hours": "16", "others": "3",
        "member": [str(outsider_member.pk)],
    })  # fmt: skip
    assert response.status_code == 400 and "不在您的数据范围内" in response.content.decode()
    assert "欧阳南风" not in response.content.decode()
    wang = members("王春生")[0]
    response = client.post("/resources/trainings/new/", {
        "org_code": "T-TOWN", "title": "业务培训", "date": "2026-05-10", "days": "2", "hours": "16", "others": "3",
        "member": [str(wang.pk)],
    })  # fmt: skip
    training = Training.objects.get()
    assert response.status_code == 302 and list(training.members.all()) == [wang] and training.others == 3
    assert "4 人次" in client.get(f"/resources/trainings/{training.pk}/").content.decode()


def test_venue_pages_show_the_checklist_and_take_photos_and_services(region, records, county_user, login):
    client = login(county_user)
    centre = records["centre"]
    page = client.get(f"/resources/venues/{centre.pk}/").content.decode()
    assert "达标 10 / 10" in page and "地区默认清单" in page
    photo = SimpleUploadedFile("中心.jpg", b"\xff\xd8\xff" + b"x" * 50)
    assert client.post(f"/resources/venues/{centre.pk}/photos/", {"files": [photo]}).status_code == 302
    assert VenuePhoto.objects.filter(venue=centre).count() == 1
    response = client.post(f"/resources/venues/{centre.pk}/services/", {"month": "2026-03", "items": "130"})
    assert response.status_code == 302
    assert centre.services.get(month=datetime.date(2026, 3, 1)).items == 130  # corrected, not doubled
    response = client.post(f"/resources/venues/{centre.pk}/services/", {"month": "2026-07", "items": "1"})
    assert response.status_code == 400 and "不能登记尚未到来的月份" in response.content.decode()
    response = client.post("/resources/venues/new/", {"org_code": "T-SVILLAGE", "kind": "activity", "name": "渗透"})
    assert response.status_code == 400 and "不在您的数据范围内" in response.content.decode()
    response = client.post("/resources/venues/new/", {"org_code": "T-BIRCH", "kind": "activity", "name": "新活动室",
                                                      "standard": ["sign", "flag"]})  # fmt: skip
    assert response.status_code == 302 and Venue.objects.get(name="新活动室").standard_count == 2


def test_lists_roll_up_and_api_show_only_the_users_scope(region, records, county_user, outsider, login):
    client = login(county_user)
    for url, own in [
        ("/resources/projects/", "红色代办"),
        ("/resources/venues/", "青松村党群服务中心"),
        ("/resources/trainings/", "村干部培训"),
        ("/resources/funds/", "活动经费"),
        ("/resources/secretaries/", "刘驻村"),
        ("/resources/", "东岗镇党委"),
    ]:
        body = client.get(url).content.decode()
        assert own in body, url
        assert "南岭" not in body, url
    assert client.get("/api/projects/").json()["count"] == 5
    assert client.get("/api/venues/").json()["count"] == 5
    assert client.get("/api/trainings/?year=2026").json()["count"] == 2
    assert client.get("/api/funds/").json()["count"] == 2
    other = login(outsider)
    assert other.get("/api/projects/").json()["count"] == 1  # 南岭项目 only
    assert other.get("/api/venues/").json()["count"] == 0
    assert other.get("/resources/?org_code=T-NORTH").status_code == 404
    assert other.get(f"/resources/secretaries/{records['first'].pk}/").status_code == 404
    assert other.get("/resources/").context["result"].total.projects == 1


def test_exports_hold_the_import_columns(region, records, county_user, login, tmp_path):
    client = login(county_user)
    for url, first in [("/resources/venues.xlsx", "青松村党群服务中心"), ("/resources/trainings.xlsx", "村干部培训")]:
        response = client.get(url)
        path = tmp_path / "x.xlsx"
        path.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
        text = "\n".join(str(c) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True) for c in r)
        assert first in text and "南岭" not in text


VENUE_HEADERS = ["组织编码", "类别", "名称", "地址", "面积（平方米）", "建成年份", "“十有”达标项目"]
TRAINING_HEADERS = ["组织编码", "培训名称", "开班日期", "天数", "学时", "参训党员", "其他参训人员（人次）", "培训内容"]


def run_import(kind, tmp_path, headers, rows, *args):
    path = write_xlsx(tmp_path / f"{kind}.xlsx", [headers, *rows], title=None)
    out, err = io.StringIO(), io.StringIO()
    call_command("import", kind, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dangjian_import_venues_and_trainings(region, tmp_path):
    out, _ = run_import("venues", tmp_path, VENUE_HEADERS, [
        ["T-VILLAGE", "党群服务中心", "青松村党群服务中心", "村委会", 120, 2018, "全部"],
        ["T-BIRCH", "党组织活动场所", "白桦村活动室", "", None, None, "有醒目标识、有党旗和入党誓词"],
    ])  # fmt: skip
    assert "共 2 行，新增 2" in out
    assert Venue.objects.get(name="青松村党群服务中心").standard_complete
    assert Venue.objects.get(name="白桦村活动室").standard == ["sign", "flag"]
    out, _ = run_import("trainings", tmp_path, TRAINING_HEADERS, [
        ["T-TOWN", "村干部培训", "2026-03-02", 3, 24, "王春生、孙白桦", 10, "政策解读"],
    ])  # fmt: skip
    assert "共 1 行，新增 1" in out
    training = Training.objects.get()
    assert sorted(training.members.values_list("name", flat=True)) == ["孙白桦", "王春生"] and training.others == 10


def test_an_import_with_bad_rows_writes_nothing_and_names_each_row(region, tmp_path):
    from dangjian.accounts.models import Role

    from conftest import persona

    clerk = persona("county_clerk", region.north, Role.EDIT)
    audit = AuditLog.objects.count()
    rows = [
        ["T-VILLAGE", "党群服务中心", "青松村党群服务中心", "", None, None, "全部"],
        ["T-SVILLAGE", "党群服务中心", "南岭中心", "", None, None, ""],
        ["T-BIRCH", "党组织活动场所", "白桦村活动室", "", None, None, "有党旗、有温泉"],
        ["T-VILLAGE", "党群服务中心", "青松村党群服务中心", "", None, None, ""],
    ]
    err = io.StringIO()
    with pytest.raises(CommandError, match="全部未写入"):
        call_command("import", "venues", str(write_xlsx(tmp_path / "v.xlsx", [VENUE_HEADERS, *rows], title=None)),
                     "--as", clerk.username, stdout=io.StringIO(), stderr=err)  # fmt: skip
    text = err.getvalue()
    assert "第 3 行「组织编码」：组织编码“T-SVILLAGE”不存在或不在您的管理范围内" in text
    assert "第 4 行「“十有”达标项目」：“十有”清单中没有：有党旗、有温泉" in text
    assert "第 5 行「名称」：与第 2 行是同一处阵地" in text
    assert not Venue.objects.exists()
    rows = [
        ["T-TOWN", "培训一", "2026-03-02", 1, 8, "王春生", 0, ""],
        ["T-TOWN", "培训二", "2026-06-02", 1, 8, "王春生", 0, ""],
        ["T-VILLAGE", "培训三", "2026-03-02", 1, 8, "孙白桦", 0, ""],
        ["T-VILLAGE", "培训四", "2026-03-02", 1, 8, "", 0, ""],
    ]
    err = io.StringIO()
    with pytest.raises(CommandError, match="全部未写入"):
        call_command("import", "trainings", str(write_xlsx(tmp_path / "t.xlsx", [TRAINING_HEADERS, *rows], title=None)),
                     "--as", clerk.username, stdout=io.StringIO(), stderr=err)  # fmt: skip
    text = err.getvalue()
    assert "第 3 行「开班日期」：开班日期 2026-06-02 晚于今天（2026-05-20），不能登记尚未举办的培训" in text
    assert "第 4 行「参训党员」：孙白桦 不是青松村党支部（含下级）的党员" in text
    assert "第 5 行「参训党员」：请登记参训人员" in text
    assert not Training.objects.exists()
    assert AuditLog.objects.count() == audit


def test_the_templates_have_the_columns(tmp_path):
    for kind, headers in [("venues", VENUE_HEADERS), ("trainings", TRAINING_HEADERS)]:
        path = tmp_path / f"{kind}.xlsx"
        call_command("import", kind, "--template", str(path), stdout=io.StringIO())
        header = [str(c.value).lstrip("*") for c in openpyxl.load_workbook(path).active[2]]
        assert header == headers


def test_funds_keep_fen_and_refuse_negative_amounts(region, county_user, login):
    client = login(county_user)
    response = client.post("/resources/funds/new/", {"org_code": "T-VILLAGE", "year": "2026", "source": "budget",
                                                     "purpose": "阵地维护", "in_budget": "on", "budget": "1000.25",
                                                     "spent": "-1"})  # fmt: skip
    assert response.status_code == 400 and not Fund.objects.exists()
    response = client.post("/resources/funds/new/", {"org_code": "T-VILLAGE", "year": "2026", "source": "budget",
                                                     "purpose": "阵地维护", "in_budget": "on", "budget": "1000.25",
                                                     "spent": "300"})  # fmt: skip
    fund = Fund.objects.get()
    assert response.status_code == 302 and (fund.budget_fen, fund.spent_fen, fund.in_budget) == (100025, 30000, True)
    assert "1,000.25" in client.get("/resources/funds/").content.decode()
    response = client.post("/resources/secretaries/new/", {"org_code": "T-VILLAGE", "name": "刘驻村",
                                                           "role": "first_secretary", "sent_by": "县财政局",
                                                           "start": "2026-02-01", "end": "2026-01-01"})  # fmt: skip
    assert response.status_code == 400 and "驻村结束日期早于开始日期" in response.content.decode()
    assert not Secretary.objects.exists()


def test_the_venue_standard_is_the_inspections_ten_items():
    """The venue's own "十有" record and the inspectors' example checklist ask the same ten questions."""
    from pathlib import Path

    import yaml

    import dangjian.inspections

    example = Path(dangjian.inspections.__file__).parent / "examples" / "venue_10.yaml"
    titles = [item["title"] for item in yaml.safe_load(example.read_text(encoding="utf-8"))["items"]]
    assert [label for _, label in rules.STANDARD_ITEMS] == titles
