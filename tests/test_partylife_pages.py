"""Party-records pages, API, import and export as the users meet them: a secretary records a meeting by tapping
names, a county reads held against required, a step too early is refused on the page, imports are all or nothing."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command

from dangjian.core.models import AuditLog
from dangjian.members.models import Member
from dangjian.partylife.choices import MeetingKind, Stage
from dangjian.partylife.models import Applicant, Attendance, Meeting
from dangjian.partylife.services import Presence, record_meeting, register_applicant
from sheets_files import write_xlsx

from conftest import id_number

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC)
HEADERS = ["组织编码", "会议类别", "日期", "主题", "党小组", "出席人员", "缺席人员", "会议记录"]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def ids(*names):
    return [str(Member.objects.get(name=n).pk) for n in names]


def test_a_secretary_records_a_meeting_by_tapping_names(region, branch_secretary, login):
    client = login(branch_secretary)
    page = client.get("/partylife/meetings/new/")
    body = page.content.decode()
    assert page.status_code == 200 and "青松村党支部" in body  # their own branch, without asking
    assert body.count('name="present"') == 3  # the roster: 王春生, 李秋实, 赵冬梅
    zhao = Member.objects.get(name="赵冬梅")
    response = client.post(
        "/partylife/meetings/new/",
        {
            "org_code": "T-VILLAGE",
            "kind": MeetingKind.THEME_DAY,
            "date": "2026-05-12",
            "topic": "重温入党誓词",
            "shown": ids("王春生", "李秋实", "赵冬梅"),
            "present": ids("王春生", "李秋实"),
            f"reason_{zhao.pk}": "away",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/partylife/meetings/{meeting.pk}/"
    assert list(meeting.attendance.filter(present=False).values_list("name", "reason")) == [("赵冬梅", "away")]
    detail = client.get(response["Location"]).content.decode()
    assert "赵冬梅（外出（流动））" in detail and "2 人：" in detail


def test_the_meeting_page_refuses_a_member_of_another_branch_and_writes_nothing(region, town_user, login):
    client = login(town_user)  # may see both branches of the town
    audit = AuditLog.objects.count()
    response = client.post(
        "/partylife/meetings/new/",
        {"org_code": "T-VILLAGE", "kind": MeetingKind.ASSEMBLY, "date": "2026-05-12", "topic": "学习",
         "shown": ids("王春生"), "present": ids("王春生", "孙白桦")},
    )  # fmt: skip
    assert response.status_code == 400
    assert "出席、缺席人员须是青松村党支部的党员：孙白桦 不是。" in response.content.decode()
    assert not Meeting.objects.exists() and AuditLog.objects.count() == audit


def test_a_member_id_from_another_county_reads_as_missing(region, branch_secretary, login):
    outsider = Member.objects.get(name="欧阳南风")
    response = login(branch_secretary).post(
        "/partylife/meetings/new/",
        {"org_code": "T-VILLAGE", "kind": MeetingKind.ASSEMBLY, "date": "2026-05-12", "topic": "学习",
         "shown": ids("王春生"), "present": [*ids("王春生"), str(outsider.pk)]},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 400 and "所选人员不在您的数据范围内的党员名册中。" in body
    assert "欧阳南风" not in body and not Meeting.objects.exists()


def test_the_county_sees_held_against_required_with_the_rules_and_their_sources(region, county_user, login):
    people = [Presence(m, True) for m in Member.objects.filter(org=region.village)]
    record_meeting(actor=None, org=region.village, kind=MeetingKind.ASSEMBLY, date=datetime.date(2026, 2, 3),
                   topic="学习", people=people)  # fmt: skip
    body = login(county_user).get("/partylife/completion/?org_code=T-TOWN&year=2026").content.decode()
    assert "青松村党支部" in body and "白桦村党支部" in body
    assert "地方惯例" in body and "第十一条" in body
    assert "白桦村党支部 第一季度" in body  # the town's table names the branch that missed it
    branch = login(county_user).get("/partylife/completion/?org_code=T-VILLAGE&year=2026").content.decode()
    assert "1/1" in branch


def test_a_step_too_early_is_refused_on_the_page_with_the_rule(region, branch_secretary, login):
    with time_machine.travel(datetime.datetime(2026, 1, 10, tzinfo=datetime.UTC), tick=False):
        applicant = register_applicant(actor=None, org=region.village, name="周青年", gender="male",
                                       id_number=id_number(701, datetime.date(1999, 1, 1)),
                                       applied_on=datetime.date(2026, 1, 5))  # fmt: skip
    client = login(branch_secretary)
    wang = Member.objects.get(name="王春生")
    ok = client.post(f"/partylife/development/{applicant.pk}/",
                     {"kind": "activist", "date": "2026-03-01", "contacts": [wang.pk]})  # fmt: skip
    assert ok.status_code == 302
    early = client.post(f"/partylife/development/{applicant.pk}/", {"kind": "candidate", "date": "2026-05-01"})
    assert early.status_code == 400
    assert "最早 2027-03-01 可确定为发展对象" in early.content.decode()
    assert Applicant.objects.get(pk=applicant.pk).stage == Stage.ACTIVIST


def test_an_application_is_entered_on_its_page_and_the_id_number_is_shown_masked(region, branch_secretary, login):
    client = login(branch_secretary)
    response = client.post(
        "/partylife/development/new/",
        {"org_code": "T-VILLAGE", "name": "吴申请", "gender": "female",
         "id_number": id_number(702, datetime.date(2001, 3, 3)), "applied_on": "2026-04-01"},
    )  # fmt: skip
    applicant = Applicant.objects.get(name="吴申请")
    assert response.status_code == 302
    body = client.get(f"/partylife/development/{applicant.pk}/").content.decode()
    assert id_number(702, datetime.date(2001, 3, 3)) not in body and applicant.id_number_masked in body
    listing = client.get("/partylife/development/?org_code=T-VILLAGE").content.decode()
    assert "吴申请" in listing


def test_the_api_lists_meetings_and_development_within_scope_with_id_numbers_masked(
    region, county_user, outsider, login
):
    people = [Presence(m, True) for m in Member.objects.filter(org=region.village)]
    record_meeting(actor=None, org=region.village, kind=MeetingKind.LECTURE, date=datetime.date(2026, 4, 3),
                   topic="党课", people=people)  # fmt: skip
    number = id_number(703, datetime.date(1998, 1, 1))
    register_applicant(actor=None, org=region.village, name="郑积极", gender="male", id_number=number,
                       applied_on=datetime.date(2026, 4, 1))  # fmt: skip
    meetings = login(county_user).get("/api/meetings/").json()
    assert meetings["count"] == 1 and len(meetings["results"][0]["attendance"]) == 3
    development = login(county_user).get("/api/development/").json()
    assert development["results"][0]["id_number"] == "9901**********703" + number[-1]
    assert number not in str(development)
    assert login(outsider).get("/api/meetings/").json()["count"] == 0
    assert login(outsider).get("/api/development/").json()["count"] == 0


def test_the_export_can_be_imported_back_elsewhere(region, county_user, login, tmp_path):
    zhao = Member.objects.get(name="赵冬梅")
    people = [Presence(m, True) for m in Member.objects.filter(org=region.village).exclude(pk=zhao.pk)]
    people.append(Presence(zhao, False, "illness"))
    record_meeting(actor=None, org=region.village, kind=MeetingKind.COMMITTEE, date=datetime.date(2026, 3, 3),
                   topic="研究工作", people=people)  # fmt: skip
    response = login(county_user).get("/partylife/meetings.xlsx")
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
    rows = [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True) if any(r)]
    header = next(i for i, r in enumerate(rows) if r[0] == "组织编码")
    line = dict(zip(rows[header], rows[header + 1], strict=False))
    assert (line["会议类别"], line["出席人员"], line["缺席人员"]) == ("支委会", "王春生、李秋实", "赵冬梅（因病）")


def run_import(tmp_path, rows):
    path = write_xlsx(tmp_path / "meetings.xlsx", [HEADERS, *rows], title="组织生活记录导入表")
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "meetings", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


GOOD = ["T-VILLAGE", "主题党日", "2026-04-12", "志愿服务", "", "王春生、李秋实", "赵冬梅（因病）", "清扫村道"]


def test_dangjian_import_meetings_writes_meetings_with_attendance(region, tmp_path):
    out, _ = run_import(tmp_path, [GOOD, ["T-BIRCH", "党课", "2026-03-10", "党课", "", "孙白桦", "", ""]])
    assert "组织生活记录导入：共 2 行，新增 2" in out
    meeting = Meeting.objects.get(org=region.village)
    assert (meeting.kind, meeting.topic, meeting.minutes) == (MeetingKind.THEME_DAY, "志愿服务", "清扫村道")
    assert list(meeting.attendance.order_by("-present", "name").values_list("name", "present", "reason")) == [
        ("李秋实", True, ""), ("王春生", True, ""), ("赵冬梅", False, "illness")
    ]  # fmt: skip


def test_an_import_with_broken_rows_writes_nothing_and_names_each_row(region, tmp_path):
    rows = [
        GOOD,
        ["T-VILLAGE", "支委会", "2026-06-01", "未来的会", "", "王春生", "", ""],
        ["T-VILLAGE", "党课", "2026-04-02", "党课", "", "王春生、孙白桦", "", ""],
        ["T-VILLAGE", "党课", "2026-04-03", "党课二", "", "王春生", "李秋实", ""],
        ["T-SVILLAGE", "党课", "2026-04-03", "别县", "", "欧阳南风", "", ""],
    ]
    clerk = _county_clerk(region)
    audit = AuditLog.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match="全部未写入"):
        call_command("import", "meetings", str(write_xlsx(tmp_path / "m.xlsx", [HEADERS, *rows])), "--as",
                     clerk.username, stdout=io.StringIO(), stderr=err)  # fmt: skip
    text = err.getvalue()
    assert "第 4 行「日期」：会议日期 2026-06-01 晚于今天（2026-05-20），不能登记尚未召开的会议" in text
    assert "第 5 行「出席人员」：孙白桦 不是青松村党支部的党员（出席、缺席人员须从本组织党员名册中选取）" in text
    assert "第 6 行「缺席人员」：“李秋实”须写成“姓名（缺席原因）”" in text
    assert "第 7 行「组织编码」：组织编码“T-SVILLAGE”不存在或不在您的管理范围内" in text
    assert not Meeting.objects.exists() and not Attendance.objects.exists()
    assert AuditLog.objects.count() == audit


def _county_clerk(region):
    from dangjian.accounts.models import Role

    from conftest import persona

    return persona("county_clerk", region.north, Role.EDIT)


def test_the_template_has_the_meeting_columns(tmp_path):
    path = tmp_path / "t.xlsx"
    call_command("import", "meetings", "--template", str(path), stdout=io.StringIO())
    header = [c.value for c in openpyxl.load_workbook(path).active[2]]
    assert header == ["*组织编码", "*会议类别", "*日期", "*主题", "党小组", "*出席人员", "缺席人员", "会议记录"]
