"""Importing members: the messes people really send, every rejection, all or nothing, upsert, scope, audit."""

from __future__ import annotations

import datetime

import openpyxl
import pytest

from dangjian.core import changesets
from dangjian.core.audit_verify import verify_chain
from dangjian.core.changesets import read_rows
from dangjian.core.citizen_id import check_digit
from dangjian.core.crypto import digest
from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.models import Member, MemberTransfer
from dangjian.members.services import member_snapshot
from dangjian.sheets.imports import run_import, write_error_sheet
from sheets_files import MEMBER_HEADERS, read_xlsx, write_csv, write_xlsx

from conftest import id_number

pytestmark = pytest.mark.usefixtures("both_import_ways")

NEW1 = id_number(101)  # male (odd sequence)
NEW2 = id_number(102, datetime.date(1990, 5, 17))  # female


def _row(code="T-VILLAGE", name="新党员", gender="男", idn=NEW1, birth="", phone="", join="2010-07-01"):
    return [code, name, gender, idn, birth, phone, join]


def _member(idn: str) -> Member:
    return Member.objects.get(id_number_digest=digest(idn))


def test_it_imports_an_xlsx_with_a_title_row_reordered_and_extra_columns(region, tmp_path):
    headers = ["序号", "姓名", "公民身份号码", "备注", "所在党组织编码", "性别", "入党日期"]
    path = write_xlsx(
        tmp_path / "m.xlsx",
        [
            headers,
            [1, "新党员", NEW1, "无", "T-VILLAGE", "男", "2010-07-01"],
            [2, "新党员乙", NEW2, "", "T-BIRCH", "女", ""],
        ],
    )
    report = run_import("members", path, None)
    assert report.ok, report.errors
    assert (report.total, report.created, report.updated) == (2, 2, 0)
    assert report.header_rows == [2]
    assert report.ignored_columns == ["序号", "备注"]
    first = _member(NEW1)
    assert (first.name, first.org, first.gender, first.join_date) == (
        "新党员",
        region.village,
        "male",
        datetime.date(2010, 7, 1),
    )
    assert first.birth_date == datetime.date(1980, 1, 1)  # taken from the ID number
    second = _member(NEW2)
    assert (second.org, second.birth_date, second.ethnicity, second.status) == (
        region.birch,
        datetime.date(1990, 5, 17),
        "汉族",
        "full",
    )


def test_it_reads_a_two_row_header_with_merged_cells(region, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["党员花名册"])
    sheet.merge_cells("A1:E1")
    sheet.append(["所在党组织编码", "姓名", "公民身份号码", "日期", None])
    sheet.append([None, None, None, "出生日期", "入党日期"])
    for col in "ABC":
        sheet.merge_cells(f"{col}2:{col}3")
    sheet.merge_cells("D2:E2")
    sheet.append(["T-VILLAGE", "合并表头", NEW1, datetime.date(1980, 1, 1), datetime.date(2011, 7, 1)])
    book.save(tmp_path / "merged.xlsx")
    report = run_import("members", tmp_path / "merged.xlsx", None)
    assert report.ok, report.errors
    assert report.header_rows == [2, 3]
    assert _member(NEW1).join_date == datetime.date(2011, 7, 1)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_it_reads_csv_in_utf8_with_or_without_bom_and_gbk(region, tmp_path, encoding):
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, _row(name="欧阳修文", phone="138 0000 2222")], encoding)
    report = run_import("members", path, None)
    assert report.ok, report.errors
    member = _member(NEW1)
    assert (member.name, member.phone) == ("欧阳修文", "13800002222")


def test_it_cleans_what_people_really_type(region, tmp_path):
    lower_x = id_number(7, datetime.date(1985, 3, 9))
    while not lower_x.endswith("X"):  # find a sequence whose check digit is X
        seq = int(lower_x[14:17]) + 1
        lower_x = id_number(seq, datetime.date(1985, 3, 9))
    fullwidth_id = NEW2.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    rows = [
        MEMBER_HEADERS,
        # full-width code and digits, invisible characters, spaced name, date with 年月日, phone with +86 and dashes
        [
            "Ｔ-VILLAGE\u200b",
            "王  芳",
            " 女 ",
            fullwidth_id,
            "1990年5月17日",
            "+86 138-0000-3333",
            "２０１６．１１．１６",
        ],
        # lowercase x, dates with slashes and as an Excel serial number, phone with parentheses
        ["T-VILLAGE", "\ufeff李\u00a0明", "男", lower_x.lower(), "1985/3/9", "(0471) 1234567", 42690],
        # dates as 20161116 text and a serial stored as text; numbers as text elsewhere
        ["T-BIRCH", "张三", "", NEW1, "19800101", "13800004444", "42690"],
    ]
    report = run_import("members", write_xlsx(tmp_path / "messy.xlsx", rows), None)
    assert report.ok, report.errors
    wang = _member(NEW2)
    assert (wang.org.code, wang.name, wang.gender, wang.birth_date) == (
        "T-VILLAGE",
        "王芳",
        "female",
        datetime.date(1990, 5, 17),
    )
    assert (wang.phone, wang.join_date) == ("13800003333", datetime.date(2016, 11, 16))
    li = _member(lower_x)
    assert (li.id_number, li.name, li.phone) == (lower_x, "李明", "04711234567")
    assert li.join_date == datetime.date(2016, 11, 16)  # serial 42690
    zhang = _member(NEW1)
    assert (zhang.gender, zhang.join_date) == ("male", datetime.date(2016, 11, 16))  # gender from the ID number


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            _row(idn=NEW1[:17] + ("0" if NEW1[17] != "0" else "1")),
            f"「公民身份号码」：校验码错误（按前 17 位应为 {NEW1[17]}）",
        ),
        (_row(idn="99010119800230" + "0011"), "「公民身份号码」：公民身份号码中的出生日期不存在"),
        (_row(idn="12345"), "「公民身份号码」：公民身份号码应为18位"),
        (_row(idn=""), "「公民身份号码」：必填，不能为空"),
        (_row(name=""), "「姓名」：必填，不能为空"),
        (_row(birth="1981-01-01"), "「出生日期」：与公民身份号码中的出生日期 1980-01-01 不一致"),
        (_row(gender="未知"), "「性别」：“未知”不是可选的值（可选：男、女）"),
        (_row(join="2016-13-40"), "「入党日期」：日期“2016-13-40”不存在"),
        (_row(join="去年七月"), "「入党日期」：“去年七月”不是可识别的日期"),
        (_row(join="1979-01-01"), "「入党日期」：入党日期应晚于出生日期"),
        (_row(phone="1380000"), None),  # seven digits: a local fixed line, accepted
        (_row(phone="138000011112"), None),
        (_row(phone="1380"), "「联系电话」：联系电话应为11位手机号或固定电话号码"),
        (_row(code="NO-SUCH"), "「所在党组织编码」：组织编码“NO-SUCH”不存在或不在您的管理范围内"),
        (_row(name="名" * 51), "「姓名」：不能超过 50 个字"),
    ],
)
def test_it_rejects_each_bad_value_with_the_row_and_column(region, tmp_path, cells, message):
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, cells])
    report = run_import("members", path, None)
    if message is None:
        assert report.ok, report.errors
        return
    assert not report.ok
    assert report.errors[0].row_number == 2
    assert report.errors[0].message.startswith(f"第 2 行{message}"), report.errors[0].message
    assert not Member.objects.filter(id_number_digest=digest(NEW1)).exists()


def test_a_wrong_row_is_told_everything_wrong_with_it_at_once(region, tmp_path):
    # An unknown organization, a bad phone or ID number do not hide the rules across fields on the same row.
    headers = [*MEMBER_HEADERS, "流动党员", "转正日期"]
    rows = [
        [*_row(code="NO-SUCH", join="2999-01-01"), "", ""],
        [*_row(idn=NEW2, phone="1380", join="1979-01-01"), "", ""],
        [*_row(idn="12345", birth="1980-01-01", join="2010-07-01"), "", "2009-07-01"],
    ]
    report = run_import("members", write_csv(tmp_path / "m.csv", [headers, *rows]), None)
    assert [(e.row_number, e.message) for e in report.errors] == [
        (2, "第 2 行「所在党组织编码」：组织编码“NO-SUCH”不存在或不在您的管理范围内"),
        (2, "第 2 行「入党日期」：入党日期不能晚于今天"),
        (3, "第 3 行「联系电话」：联系电话应为11位手机号或固定电话号码"),
        (3, "第 3 行「入党日期」：入党日期应晚于出生日期"),
        (4, "第 4 行「公民身份号码」：公民身份号码应为18位，最后一位可以是数字或X"),
        (4, "第 4 行「转正日期」：转正日期不能早于入党日期"),
    ]
    assert not Member.objects.filter(name="新党员").exists()


def test_a_wrong_row_is_not_told_of_a_value_the_member_may_have(region, tmp_path):
    # A mobile member without the destination's column: the member may have a destination; with the column left
    # blank, the row asks for one.
    without = [[*MEMBER_HEADERS, "流动党员"], [*_row(code="NO-SUCH"), "是"]]
    report = run_import("members", write_csv(tmp_path / "a.csv", without), None)
    assert [e.message for e in report.errors] == [
        "第 2 行「所在党组织编码」：组织编码“NO-SUCH”不存在或不在您的管理范围内"
    ]
    blank = [[*MEMBER_HEADERS, "流动党员", "流入地"], [*_row(code="NO-SUCH"), "是", ""]]
    report = run_import("members", write_csv(tmp_path / "b.csv", blank), None)
    assert [e.message.split("：")[0] for e in report.errors] == ["第 2 行「所在党组织编码」", "第 2 行「流入地」"]


def test_it_rejects_an_id_number_stored_as_a_number(region, tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, _row(idn=float(NEW1[:17] + "0"))], title=None)
    report = run_import("members", path, None)
    assert "被存成了数字" in report.errors[0].message


def test_it_requires_a_destination_for_mobile_members(region, tmp_path):
    path = write_csv(
        tmp_path / "m.csv", [["所在党组织编码", "姓名", "公民身份号码", "流动党员"], ["T-VILLAGE", "甲", NEW1, "是"]]
    )
    report = run_import("members", path, None)
    assert report.errors[0].message == "第 2 行「流入地」：流动党员请填写流入地"


def test_it_rejects_duplicate_rows_within_the_file(region, tmp_path):
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, _row(), _row(name="又一个", idn=NEW1.lower())])
    report = run_import("members", path, None)
    assert [e.message for e in report.errors] == ["第 3 行「公民身份号码」：与第 2 行的公民身份号码重复"]


def test_one_bad_row_writes_nothing_and_the_error_sheet_shows_it_beside_the_row(region, tmp_path):
    before = (Member.objects.count(), AuditLog.objects.count())
    rows = [MEMBER_HEADERS, _row(), _row(name="坏行", idn=NEW2[:17] + "9" if NEW2[17] != "9" else "0"), _row(idn=NEW2)]
    rows[3][1] = "好行"
    path = write_xlsx(tmp_path / "m.xlsx", rows)
    report = run_import("members", path, None)
    assert not report.ok
    assert (Member.objects.count(), AuditLog.objects.count()) == before
    assert (report.created, report.updated) == (0, 0)
    [error] = report.errors
    assert error.row_number == 4  # title row, header row, first member, then the bad one
    out = tmp_path / "errors.xlsx"
    write_error_sheet(path, report, out)
    sheet = read_xlsx(out)
    assert sheet[1][0] == "错误信息" and sheet[1][1:3] == ["所在党组织编码", "姓名"]
    assert sheet[3][0] == error.message and sheet[3][2] == "坏行"
    assert sheet[2][0] in (None, "") and sheet[4][0] in (None, "")
    assert sheet[4][2] == "好行"


def test_importing_the_same_file_twice_changes_nothing(region, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [MEMBER_HEADERS, _row(phone="13800005555"), _row(name="乙", gender="女", idn=NEW2, birth="1990-05-17")],
    )
    first = run_import("members", path, None)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    logs = AuditLog.objects.count()
    stamp = _member(NEW1).updated_at
    second = run_import("members", path, None)
    assert second.ok
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert AuditLog.objects.count() == logs + 1  # only the summary of the run
    assert _member(NEW1).updated_at == stamp


@pytest.mark.parametrize("both_import_ways", ["fast"], indirect=True)  # one change set: the fast way
def test_it_updates_by_id_number_and_audits_before_and_after_in_the_change_set(region, tmp_path):
    existing = Member.objects.get(name="王春生")
    headers = ["所在党组织编码", "姓名", "公民身份号码", "联系电话", "学历"]
    path = write_csv(
        tmp_path / "m.csv", [headers, ["T-VILLAGE", "王春生", existing.id_number, "13900001111", "大学本科"]]
    )
    report = run_import("members", path, None)
    assert (report.created, report.updated) == (0, 1)
    existing.refresh_from_db()
    assert (existing.phone, existing.education, existing.gender) == ("13900001111", "bachelor", "male")
    assert not AuditLog.objects.filter(action=AuditAction.UPDATE, object_id=str(existing.pk)).exists()
    summary = AuditLog.objects.filter(action=AuditAction.IMPORT).get()
    assert summary.after["updated"] == 1
    assert summary.org_id_snapshot == region.village.pk  # filed under the one organization it changed
    [line] = read_rows(summary.after["changeset"])
    assert (line["id"], line["action"], line["org"], line["repr"]) == (
        existing.pk,
        "update",
        region.village.pk,
        "王春生",
    )
    assert line["before"]["education"] == "" and line["after"]["education"] == "bachelor"
    assert line["after"] == member_snapshot(existing)
    assert "phone" not in line["after"] and "id_number" not in line["after"]


@pytest.mark.parametrize("both_import_ways", ["fast"], indirect=True)  # the plain way reads each member
def test_a_reimport_changes_each_member_only_where_its_row_differs_without_reading_members_one_by_one(region, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = [id_number(110 + i) for i in range(6)]
    rows = [_row(name=f"党员{i}", idn=idn, phone=f"1380000{i:04d}") for i, idn in enumerate(ids)]
    assert run_import("members", write_csv(tmp_path / "a.csv", [MEMBER_HEADERS, *rows]), None).created == 6
    rows[0][5] = "13911112222"  # a new phone
    rows[1][1] = "党员一改"  # a new name, the same phone
    rows[2][5] = "138-0000-0002"  # the same phone, typed with dashes
    rows[3][2] = ""  # the gender left blank: the member's stays
    rows[4][6] = ""  # the joining date left blank: cleared, as a blank date cell says
    with CaptureQueriesContext(connection) as queries:
        report = run_import("members", write_csv(tmp_path / "b.csv", [MEMBER_HEADERS, *rows]), None)
    assert (report.created, report.updated, report.unchanged) == (0, 3, 3)
    assert (_member(ids[3]).gender, _member(ids[4]).join_date) == ("male", None)
    one_by_one = [q["sql"] for q in queries if 'FROM "members_member" WHERE "members_member"."id" =' in q["sql"]]
    assert one_by_one == []
    members = [_member(idn) for idn in ids]
    assert [(m.name, m.phone) for m in members[:3]] == [
        ("党员0", "13911112222"),
        ("党员一改", "13800000001"),
        ("党员2", "13800000002"),
    ]
    assert members[0].phone_digest == digest("13911112222") and members[1].phone_digest == digest("13800000001")
    assert members[2].updated_at == members[3].updated_at != members[0].updated_at  # untouched by the second run


def test_it_moves_a_member_and_records_the_transfer(region, tmp_path, town_user):
    member = Member.objects.get(name="孙白桦")
    path = write_csv(
        tmp_path / "m.csv", [["所在党组织编码", "姓名", "公民身份号码"], ["T-VILLAGE", "孙白桦", member.id_number]]
    )
    report = run_import("members", path, town_user)
    assert report.ok, report.errors
    member.refresh_from_db()
    assert member.org == region.village
    transfer = MemberTransfer.objects.get(member=member)
    assert (transfer.from_name, transfer.to_name, transfer.actor) == ("白桦村党支部", "青松村党支部", town_user)


@pytest.mark.parametrize("both_import_ways", ["fast"], indirect=True)  # one change set: the fast way
def test_an_import_is_one_audit_record_naming_its_change_set(region, tmp_path, county_user):
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, _row(), _row(idn=NEW2, gender="女")])
    logs = AuditLog.objects.count()
    run_import("members", path, county_user)
    assert AuditLog.objects.count() == logs + 1
    entry = AuditLog.objects.get(action=AuditAction.IMPORT, user=county_user)
    assert (
        not AuditLog.objects.filter(action=AuditAction.CREATE, object_type="member").exclude(seq__lt=entry.seq).exists()
    )
    assert entry.org_path == region.village.path  # both rows went to 青松村党支部
    changeset = entry.after["changeset"]
    assert changeset["rows"] == 2 and len(changeset["sha256"]) == 64
    file = changesets.path_of(changeset["file"])
    assert file.parent == changesets.folder() and file.stat().st_mode & 0o077 == 0  # personal data: owner only
    ids = sorted([_member(NEW1).pk, _member(NEW2).pk])
    assert changesets.in_ranges(ids[0], changeset["ids"]) and changesets.in_ranges(ids[1], changeset["ids"])


@pytest.mark.parametrize("both_import_ways", ["fast"], indirect=True)  # one change set: the fast way
def test_each_created_member_is_in_the_change_set_with_its_snapshot_and_the_chain_holds(region, tmp_path, county_user):
    path = write_csv(
        tmp_path / "m.csv", [MEMBER_HEADERS, _row(phone="13800005555"), _row(idn=NEW2, gender="女", join="")]
    )
    assert run_import("members", path, county_user).created == 2
    entry = AuditLog.objects.get(action=AuditAction.IMPORT)
    lines = {line["id"]: line for line in read_rows(entry.after["changeset"])}
    for idn in (NEW1, NEW2):
        member = _member(idn)
        line = lines[member.pk]
        assert line["after"] == member_snapshot(member)  # what the member services record for one member
        assert (line["action"], line["repr"], line["org"], line["before"]) == (
            "create",
            member.name,
            member.org_id,
            None,
        )
    assert _member(NEW1).phone == "13800005555" and _member(NEW2).join_date is None
    assert verify_chain().ok


def test_an_import_across_villages_is_filed_under_their_town(region, tmp_path, county_user):
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, _row(), _row(code="T-BIRCH", idn=NEW2, gender="女")])
    assert run_import("members", path, county_user).ok
    assert AuditLog.objects.get(action=AuditAction.IMPORT).org_path == region.town.path


def test_an_import_that_is_not_kept_leaves_no_change_set(region, tmp_path, monkeypatch):
    from dangjian.sheets import imports

    def broken(*args, **kwargs):
        raise imports.IntegrityError("meanwhile")

    monkeypatch.setattr(imports, "_record_import", broken)  # fails after the change set is written
    report = run_import("members", write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, _row()]), None)
    assert "全部未写入" in report.errors[0].message
    assert list(changesets.folder().iterdir()) == []
    assert not Member.objects.filter(id_number_digest=digest(NEW1)).exists()


def test_an_out_of_scope_code_reads_like_a_missing_one(region, tmp_path, county_user):
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, _row(code="T-SVILLAGE"), _row(code="T-NOWHERE", idn=NEW2)])
    report = run_import("members", path, county_user)
    assert [e.message for e in report.errors] == [
        "第 2 行「所在党组织编码」：组织编码“T-SVILLAGE”不存在或不在您的管理范围内",
        "第 3 行「所在党组织编码」：组织编码“T-NOWHERE”不存在或不在您的管理范围内",
    ]


def test_a_reader_may_not_import_into_their_own_county(region, tmp_path, reader):
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, _row()])
    report = run_import("members", path, reader)
    assert "不存在或不在您的管理范围内" in report.errors[0].message


def test_moving_a_member_needs_change_rights_at_its_current_organization(region, tmp_path, branch_secretary):
    outside = Member.objects.get(name="孙白桦")  # in 白桦村, outside the secretary's branch
    path = write_csv(
        tmp_path / "m.csv", [["所在党组织编码", "姓名", "公民身份号码"], ["T-VILLAGE", "孙白桦", outside.id_number]]
    )
    report = run_import("members", path, branch_secretary)
    assert "其所在党组织不在您的管理范围内" in report.errors[0].message
    outside.refresh_from_db()
    assert outside.org == region.birch


def test_a_dry_run_counts_and_writes_nothing(region, tmp_path):
    existing = Member.objects.get(name="王春生")
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["所在党组织编码", "姓名", "公民身份号码", "学历"],
            ["T-VILLAGE", "王春生", existing.id_number, "大专"],
            _row()[:2] + [NEW1, ""],
        ],
    )
    logs = AuditLog.objects.count()
    report = run_import("members", path, None, dry_run=True)
    assert report.ok and report.dry_run
    assert (report.created, report.updated) == (1, 1)
    assert AuditLog.objects.count() == logs
    assert not Member.objects.filter(id_number_digest=digest(NEW1)).exists()
    existing.refresh_from_db()
    assert existing.education == ""


def test_it_reports_progress_and_streams_in_chunks(region, tmp_path, monkeypatch):
    from dangjian.sheets import rowparse

    monkeypatch.setattr(rowparse, "CHUNK", 2)
    rows = [MEMBER_HEADERS] + [_row(name=f"党员{i}", idn=id_number(200 + i)) for i in range(5)]
    calls = []
    report = run_import(
        "members", write_xlsx(tmp_path / "m.xlsx", rows), None, progress=lambda d, t: calls.append((d, t))
    )
    assert report.created == 5
    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_an_unreadable_file_is_one_error_on_row_zero(region, tmp_path):
    bogus = tmp_path / "m.xlsx"
    bogus.write_bytes(b"not a spreadsheet")
    assert run_import("members", bogus, None).errors[0].row_number == 0
    doc = tmp_path / "m.docx"
    doc.write_bytes(b"x")
    assert "无法识别的文件类型" in run_import("members", doc, None).errors[0].message
    no_header = write_csv(tmp_path / "n.csv", [["a", "b"], ["1", "2"]])
    assert "未找到表头行" in run_import("members", no_header, None).errors[0].message
    missing = write_csv(tmp_path / "x.csv", [["姓名", "性别"], ["甲", "男"]])
    [error] = run_import("members", missing, None).errors
    assert error.message == "缺少必填列：「所在党组织编码」、「公民身份号码」。请使用导入模板，或检查表头的列名。"


def test_check_digit_helper_matches_the_fixture(region):
    assert check_digit(NEW1[:17]) == NEW1[17]


def test_a_bad_value_repeated_on_many_rows_is_reported_on_each(region, tmp_path):
    # Clean values are remembered per column (each distinct cell normalized once per file); errors never are.
    rows = [MEMBER_HEADERS, _row(gender="男的"), _row(gender="男的", idn=NEW2), _row(gender="男", idn=id_number(103))]
    report = run_import("members", write_csv(tmp_path / "m.csv", rows), None)
    assert [e.row_number for e in report.errors] == [2, 3]
    assert all("「性别」：“男的”不是可选的值" in e.message for e in report.errors)


def test_the_error_sheet_is_as_wide_as_its_values_need(region, tmp_path):
    # Opened in a spreadsheet, a date in a narrow column shows as #### and an ID number is cut off.
    rows = [MEMBER_HEADERS, _row(birth=datetime.date(1980, 1, 1)), _row(code="NOPE", idn=NEW2, name="乙")]
    path = write_xlsx(tmp_path / "m.xlsx", rows, title="一个很长很长的标题，合并在整行之上，不应撑宽第一列")
    report = run_import("members", path, None)
    out = tmp_path / "errors.xlsx"
    write_error_sheet(path, report, out)
    widths = openpyxl.load_workbook(out).active.column_dimensions
    # A: the messages; B: 所在党组织编码 (7 characters, 14 columns); E: the ID number; F: the date.
    assert widths["A"].width == 60
    assert 16 <= widths["B"].width < 30  # the header's width, not the title's above it
    assert widths["E"].width >= 20 and widths["F"].width >= 12
    # The messages wrap within their column: a row with several is read whole, not cut at the column's edge.
    sheet = openpyxl.load_workbook(out).active
    assert sheet["A4"].value.startswith("第 4 行「所在党组织编码」") and sheet["A4"].alignment.wrap_text
    assert sheet.row_dimensions[4].height == 36  # its message takes two lines (64 columns), so the row two lines
    # Printed, as an export: the columns across one landscape page, the file's header row on every page.
    assert (sheet.page_setup.orientation, sheet.page_setup.fitToWidth, sheet.print_title_rows) == (
        "landscape",
        1,
        "$2:$2",
    )
