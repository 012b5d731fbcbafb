"""Every list the command line imports is imported from the web page too, through the same upload, background job,
error sheet, scope checks and audit as the organization and member lists: a good file is written, a file with one
bad row writes nothing and its error sheet names the row and the reason, a row of another county is refused."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from dangjian.core.models import AuditAction, AuditLog
from dangjian.dues.models import DuesPayment
from dangjian.members.models import Member
from dangjian.opinions.models import Opinion
from dangjian.orgs.models import Organization, Workstation
from dangjian.partylife.models import Meeting
from dangjian.resources.models import Fund, Project, Training, Venue
from dangjian.sheets.columns import COLUMNS, TITLES
from dangjian.sheets.models import ImportJob, JobStatus
from dangjian.staffing.models import PartyWorker

from conftest import id_number

pytestmark = pytest.mark.django_db

# kind → (a good row by header, the header whose cell is blanked to make the row bad, the header naming the
# organization and the other county's code put there, the records a written row adds to)
KINDS = {
    "orgs": (
        {
            "组织名称": "青山村党支部",
            "组织编码": "T-NEWV",
            "上级组织编码": "T-TOWN",
            "组织类别": "党支部",
            "层级": "村（社区）",
        },
        "组织名称",
        ("上级组织编码", "T-SOUTH"),
        Organization,
    ),
    "members": (
        {"所在党组织编码": "T-VILLAGE", "姓名": "周新人", "性别": "男", "公民身份号码": id_number(21)},
        "姓名",
        ("所在党组织编码", "T-SVILLAGE"),
        Member,
    ),
    "stations": (
        {
            "工作站编码": "T-WS1",
            "工作站名称": "松岭镇第九党建工作站",
            "所属乡镇党委编码": "T-TOWN",
            "联系村（社区）组织编码": "T-VILLAGE、T-BIRCH、T-RED",
            "站长": "周明",
        },
        "工作站名称",
        ("联系村（社区）组织编码", "T-VILLAGE、T-BIRCH、T-SVILLAGE"),
        Workstation,
    ),
    "opinions": (
        {"村（社区）组织编码": "T-VILLAGE", "意见内容": "村口路灯坏了，希望尽快修好。", "日期": "2026-03-02"},
        "意见内容",
        ("村（社区）组织编码", "T-SVILLAGE"),
        Opinion,
    ),
    "meetings": (
        {
            "组织编码": "T-VILLAGE",
            "会议类别": "支委会",
            "日期": "2026-03-15",
            "主题": "学习贯彻全会精神",
            "出席人员": "王春生、李秋实",
        },
        "主题",
        ("组织编码", "T-SVILLAGE"),
        Meeting,
    ),
    "venues": (
        {"组织编码": "T-VILLAGE", "类别": "党群服务中心", "名称": "青松村党群服务中心", "面积（平方米）": "120"},
        "名称",
        ("组织编码", "T-SVILLAGE"),
        Venue,
    ),
    "trainings": (
        {
            "组织编码": "T-VILLAGE",
            "培训名称": "村党组织书记专题培训班",
            "开班日期": "2026-03-15",
            "参训党员": "王春生、李秋实",
        },
        "培训名称",
        ("组织编码", "T-SVILLAGE"),
        Training,
    ),
    "funds": (
        {"组织编码": "T-VILLAGE", "年度": "2026", "来源": "财政预算", "用途": "村级党组织活动经费", "列入预算": "是"},
        "用途",
        ("组织编码", "T-SVILLAGE"),
        Fund,
    ),
    "projects": (
        {"组织编码": "T-VILLAGE", "年度": "2026", "项目名称": "党建+乡村振兴", "类别": "党建+中心工作"},
        "项目名称",
        ("组织编码", "T-SVILLAGE"),
        Project,
    ),
    "staff": (
        {"单位党组织编码": "T-TOWN", "姓名": "陈红", "专职": "是", "职务": "组织委员"},
        "姓名",
        ("单位党组织编码", "T-SOUTH"),
        PartyWorker,
    ),
    "dues": (
        {
            "组织编码": "T-VILLAGE",
            "姓名": "王春生",
            "月份": "2026-03",
            "缴纳类别": "在职",
            "月缴纳基数（元）": "4200.00",
            "实缴金额（元）": "42.00",
            "缴纳日期": "2026-03-20",
        },
        "姓名",
        ("组织编码", "T-SVILLAGE"),
        DuesPayment,
    ),
}
FAR_AWAY = "不存在或不在您的管理范围内"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.IMPORT_JOBS_INLINE = True
    return tmp_path


def xlsx(kind: str, rows: list[dict]) -> SimpleUploadedFile:
    """A file as a user fills in the template: its headers, one row per dict."""
    headers = [column.header for column in COLUMNS[kind]]
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append([row.get(header, "") for header in headers])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(f"{TITLES[kind]}.xlsx", out.getvalue())


def upload(client, kind: str, rows: list[dict], mode: str = "import") -> ImportJob:
    response = client.post(f"/sheets/import/{kind}/", {"file": xlsx(kind, rows), "mode": mode})
    job = ImportJob.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/sheets/jobs/{job.pk}/"
    return job


def error_rows(client, job: ImportJob) -> list[tuple]:
    response = client.get(f"/sheets/jobs/{job.pk}/errors/")
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))


@pytest.fixture
def county(county_user, login, station):
    """漠北县's manager, whose town has the three villages a station needs."""
    return login(county_user)


def test_the_import_index_offers_every_list_with_its_template(county):
    body = county.get("/sheets/import/").content.decode()
    for kind, title in TITLES.items():
        assert f'href="/sheets/import/{kind}/"' in body, kind
        assert f'href="/sheets/import/{kind}/template/"' in body, kind
        assert f"导入{title}" in body
    page = county.get("/sheets/import/venues/").content.decode()
    assert "<h1>导入阵地</h1>" in page and 'href="/sheets/import/stations/"' in page  # the other lists beside it


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_lists_template_has_chinese_headers_an_example_and_instructions(county, kind):
    response = county.get(f"/sheets/import/{kind}/template/")
    assert response.status_code == 200
    assert quote(f"{TITLES[kind]}导入模板.xlsx") in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headers = [str(cell).lstrip("*") for cell in next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))]
    assert headers == [column.header for column in COLUMNS[kind]]
    example = next(sheet.iter_rows(min_row=3, max_row=3, values_only=True))
    assert any(cell not in (None, "") for cell in example)
    assert "填写说明" in book.sheetnames


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_good_file_of_each_list_is_imported_and_audited(county, county_user, kind):
    good, _, _, model = KINDS[kind]
    before = model.objects.count()
    job = upload(county, kind, [good])
    assert (job.status, job.rejected) == (JobStatus.DONE, 0), error_rows(county, job) if job.rejected else job.message
    assert job.created + job.updated >= 1
    assert model.objects.count() == before + job.created  # the station of the fixture is renamed, the rest added
    record = AuditLog.objects.filter(action=AuditAction.IMPORT, user=county_user).latest("pk")
    assert record.after["kind"] == kind and record.after["total"] == 1
    body = county.get(f"/sheets/jobs/{job.pk}/").content.decode()
    assert "导入完成" in body and f"{TITLES[kind]}导入" in body


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_file_with_one_bad_row_writes_nothing_and_names_the_row_and_reason(county, kind):
    good, blanked, _, model = KINDS[kind]
    before, audit_before = model.objects.count(), AuditLog.objects.count()
    job = upload(county, kind, [good, good | {blanked: ""}])
    assert (job.status, job.rejected, job.created) == (JobStatus.DONE, 1, 0)
    assert model.objects.count() == before and AuditLog.objects.count() == audit_before  # the good row too
    rows = error_rows(county, job)
    assert rows[0][0] == "错误信息"
    assert not rows[1][0]  # the good row comes back as it was
    assert "第 3 行" in rows[2][0] and blanked in rows[2][0], rows[2][0]  # the row as the user counts it, the column
    assert "全部未写入" in county.get(f"/sheets/jobs/{job.pk}/").content.decode()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_row_of_another_county_is_refused_in_chinese(county, kind):
    good, _, (header, far), model = KINDS[kind]
    before, audit_before = model.objects.count(), AuditLog.objects.count()
    job = upload(county, kind, [good | {header: far}])
    assert (job.rejected, job.created, job.updated) == (1, 0, 0)
    assert model.objects.count() == before and AuditLog.objects.count() == audit_before
    message = error_rows(county, job)[1][0]
    assert header in message and FAR_AWAY in message, message


def test_a_list_whose_import_needs_managing_is_not_offered_to_an_editor(town_user, login):
    client = login(town_user)  # edits 松岭镇: may import meetings, may not set up workstations
    assert client.get("/sheets/import/meetings/").status_code == 200
    response = client.get("/sheets/import/stations/")
    assert response.status_code == 403 and "管理" in response.content.decode()
    assert client.post("/sheets/import/stations/", {"file": xlsx("stations", []), "mode": "import"}).status_code == 403
    assert not ImportJob.objects.exists()
    assert 'href="/sheets/import/stations/"' not in client.get("/sheets/import/").content.decode()


def test_a_reader_and_an_unknown_list_are_refused(reader, county, login):
    assert login(reader).get("/sheets/import/").status_code == 403
    assert login(reader).get("/sheets/import/venues/").status_code == 403
    assert county.get("/sheets/import/nonsense/").status_code == 404
    assert county.get("/sheets/import/nonsense/template/").status_code == 404
