"""`dangjian import`: exit codes, errors printed in Chinese with row numbers, --as, --dry-run, --errors, --template,
and the files other programs write (.xls and .xlsx saved by LibreOffice, committed under tests/fixtures/sheets)."""

from __future__ import annotations

import datetime
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from dangjian.core.crypto import digest
from dangjian.members.models import Member
from dangjian.sheets.imports import run_import
from sheets_files import MEMBER_HEADERS, read_xlsx, write_csv

from conftest import id_number

pytestmark = pytest.mark.usefixtures("both_import_ways")

FIXTURES = Path(__file__).parent / "fixtures" / "sheets"
GOOD = ["T-VILLAGE", "命令行", "男", id_number(401), "", "", "2010-07-01"]
BAD = ["T-VILLAGE", "坏号码", "男", id_number(402)[:17] + "0", "", "", ""]


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_imports_and_prints_the_counts(region, tmp_path):
    out, _err = _run("members", str(write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, GOOD])))
    assert "党员导入：共 1 行，新增 1，修改 0，无变化 0。" in out
    assert Member.objects.filter(name="命令行").exists()


def test_a_bad_file_exits_non_zero_prints_the_errors_and_writes_the_error_sheet(region, tmp_path):
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, GOOD, BAD])
    out_sheet = tmp_path / "errors.xlsx"
    err = io.StringIO()
    with pytest.raises(CommandError, match="有 1 处错误，全部未写入"):
        call_command("import", "members", str(path), "--errors", str(out_sheet), stdout=io.StringIO(), stderr=err)
    assert "第 3 行「公民身份号码」：校验码错误" in err.getvalue()
    assert not Member.objects.filter(name="命令行").exists()
    rows = read_xlsx(out_sheet)
    assert rows[2][0].startswith("第 3 行「公民身份号码」") and rows[2][2] == "坏号码"


def test_the_command_exits_with_status_one(region, tmp_path):
    """Through the real console entry point, as an operator runs it."""
    import subprocess
    import sys

    path = write_csv(tmp_path / "m.csv", [["编号", "名字"], ["1", "甲"]])
    # The child process has its own empty database: a file refused before any lookup is what it can check.
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "dangjian.cli", "import", "members", str(path), "--dry-run"],
        capture_output=True,
        text=True,
        env={"DANGJIAN_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1
    assert "文件：未找到表头行" in result.stderr


def test_as_user_applies_that_users_scope(region, tmp_path, county_user):
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, ["T-SVILLAGE", *GOOD[1:]]])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "members", str(path), "--as", "county_user", stdout=io.StringIO(), stderr=err)
    assert "第 2 行「所在党组织编码」：组织编码“T-SVILLAGE”不存在或不在您的管理范围内" in err.getvalue()
    _run("members", str(path))  # without --as: full scope
    assert Member.objects.get(name="命令行").org == region.south_village


def test_as_an_unknown_user_is_refused(region, tmp_path):
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, GOOD])
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        _run("members", str(path), "--as", "nobody")


def test_dry_run_writes_nothing(region, tmp_path):
    out, _err = _run("members", str(write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, GOOD])), "--dry-run")
    assert "试导入（未写入）：共 1 行，新增 1" in out
    assert not Member.objects.filter(name="命令行").exists()


def test_template_is_written_and_imports_once_filled_in(region, tmp_path):
    target = tmp_path / "template.xlsx"
    _run("members", "--template", str(target))
    book = openpyxl.load_workbook(target)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[2]]
    assert headers[:3] == ["*所在党组织编码", "*姓名", "性别"]
    assert sheet["A2"].comment is not None and "必填" in sheet["A2"].comment.text
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert any("C3" in str(dv.sqref) for dv in lists)  # 性别 has a dropdown
    assert book["选项"].sheet_state == "hidden" and [c.value for c in book["选项"]["A"]][:3] == ["性别", "男", "女"]
    assert "填写说明" in book.sheetnames
    # Printed to be filled in by hand: landscape, the columns across one page, the header on every page.
    assert (sheet.page_setup.orientation, sheet.page_setup.fitToWidth, sheet.print_title_rows) == (
        "landscape",
        1,
        "$2:$2",
    )
    # The example row left in is skipped; a filled row below it imports.
    example = [c.value for c in sheet[3]]
    row = list(example)
    row[0], row[1], row[3] = "T-VILLAGE", "模板用户", id_number(403)
    sheet.append(row)
    book.save(target)
    report = run_import("members", target, None)
    assert report.ok, report.errors
    assert (report.total, report.created) == (1, 1)
    member = Member.objects.get(name="模板用户")
    assert (member.education, member.join_date) == ("bachelor", datetime.date(2005, 7, 1))


def test_the_orgs_template_has_the_kind_dropdown(tmp_path, db):
    target = tmp_path / "orgs.xlsx"
    _run("orgs", "--template", str(target))
    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert [c.value for c in sheet[2]][:4] == ["*组织名称", "*组织编码", "上级组织编码", "*组织类别"]
    assert run_import("orgs", target, None).errors[0].message.startswith("文件中没有可导入的数据行")


@pytest.mark.parametrize("name", ["members-libreoffice.xls", "members-libreoffice.xlsx"])
def test_it_reads_files_written_by_libreoffice(region, tmp_path, name):
    path = tmp_path / name
    shutil.copy(FIXTURES / name, path)
    report = run_import("members", path, None)
    assert report.ok, report.errors
    assert report.created == 2
    zhou = Member.objects.get(id_number_digest=digest(id_number(301, datetime.date(1975, 6, 1))))
    assert (zhou.name, zhou.phone, zhou.birth_date) == ("周立波", "13800006666", datetime.date(1975, 6, 1))
    wu = Member.objects.get(name="吴桂芳")
    assert (wu.org, wu.join_date, wu.phone) == (region.birch, datetime.date(2010, 7, 1), "13800007777")
