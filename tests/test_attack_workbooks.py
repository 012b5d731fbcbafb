"""Import files made to hurt the server (issue 13, items 1, 3 and 10): a 1.7 KB workbook declaring a cell at
XFD1048576, a zip bomb of a million rows, what a killed import leaves behind. Each is refused in seconds with a
message saying which limit it passed, or read in a process of its own whose death fails the import, not the server;
leftovers are cleaned at the next start and by the daily cleanup; the files an import writes are private."""

from __future__ import annotations

import datetime
import io
import multiprocessing
import os
import socket
import stat
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.cadence.models import RunStatus
from dangjian.core import changesets
from dangjian.flows import schedule
from dangjian.members.models import Member
from dangjian.sheets import jobs, read
from dangjian.sheets.imports import run_import
from dangjian.sheets.models import ImportJob, JobStatus
from sheets_files import MEMBER_HEADERS, write_csv, write_xlsx

from conftest import id_number

pytestmark = pytest.mark.django_db

XFD_DECLARED = "工作表声明的范围达到 XFD1048576（16384 列），超过上限 200 列：请删除多余的列后重新导入。"
XFD_USED = "工作表的单元格用到 XFD 列（第 16384 列），超过上限 200 列：请删除多余的列后重新导入。"
TOO_MANY_ROWS = "工作表的数据超过上限 200000 行：请删除多余的行，或分成几个文件分批导入。"
TOO_LARGE = "文件解压后超过 5 MB 的上限：请删除多余的行、列和格式，或分成几个文件分批导入。"
READER_DIED = (
    "读取文件时处理进程意外终止（文件可能过大、范围异常或已损坏），未写入任何数据。"
    "请检查文件，或用 Excel 另存为新的 .xlsx 文件后重新导入。"
)

_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="党员" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> str:
    return '<row r="1">' + "".join(text_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(MEMBER_HEADERS)) + "</row>"


def crafted_xlsx(path: Path, rows: str, dimension: str | None = None, part: str = "xl/worksheets/sheet1.xml") -> Path:
    """An .xlsx written by hand (as an attacker would): the parts a reader needs and the sheet XML given."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + f"<sheetData>{rows}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", _TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.replace("worksheets/sheet1.xml", part[3:]))
        book.writestr(part, sheet)
    return path


def xfd_workbook(path: Path, dimension: str | None = "A1:XFD1048576", **kwargs) -> Path:
    """The attack of issue 13: a header row and one cell at XFD1048576, 1.7 KB."""
    cell = f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>'
    return crafted_xlsx(path, header_row() + cell, dimension, **kwargs)


def lie_about_size(path: Path, name: str, size: int) -> None:
    """Make the archive claim `size` bytes for `name` once inflated, in its local header and central directory."""
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(name)
    data[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    at = data.find(b"PK\x01\x02" + bytes(data[info.header_offset + 4 : info.header_offset + 6]))
    while at >= 0:
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == name.encode():
            data[at + 24 : at + 28] = size.to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def upload(client, path: Path, mode: str = "import"):
    file = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post("/sheets/import/members/", {"file": file, "mode": mode})


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.IMPORT_JOBS_INLINE = True
    return settings.DATA_DIR


@pytest.fixture
def never_read(monkeypatch):
    """Fails the test if any reader opens the workbook: the limits must refuse it before."""

    def opened(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(read, "WorkbookStream", opened)


# -- the crafted workbook: refused before calamine sees it ----------------------------------------------------


def test_it_refuses_a_workbook_declaring_xfd1048576_in_seconds_without_reading_it(region, tmp_path, never_read):
    path = xfd_workbook(tmp_path / "攻击.xlsx")
    assert path.stat().st_size < 2_000
    started = time.monotonic()
    report = run_import("members", path, None)
    assert [(e.row_number, e.message) for e in report.errors] == [(0, XFD_DECLARED)]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("dimension", [None, "A1:C2"], ids=["no dimension", "a lying dimension"])
def test_it_finds_the_cell_at_xfd1048576_when_the_dimension_is_missing_or_lies(region, tmp_path, never_read, dimension):
    report = run_import("members", xfd_workbook(tmp_path / "攻击.xlsx", dimension), None)
    assert [e.message for e in report.errors] == [XFD_USED]


def test_a_sheet_kept_where_no_writer_puts_one_is_checked_all_the_same(region, tmp_path, never_read):
    report = run_import("members", xfd_workbook(tmp_path / "攻击.xlsx", part="xl/data/attack.xml"), None)
    assert [e.message for e in report.errors] == [XFD_DECLARED]


def test_a_cell_without_its_reference_is_counted_in_its_place(region, tmp_path, never_read, settings):
    settings.IMPORT_MAX_COLUMNS = 10
    cells = "".join("<c><v>1</v></c>" for _ in range(11))  # no `r`: each goes one column right of the last
    report = run_import("members", crafted_xlsx(tmp_path / "m.xlsx", header_row() + f"<row>{cells}</row>"), None)
    assert [e.message for e in report.errors] == [
        "工作表的单元格用到 K 列（第 11 列），超过上限 10 列：请删除多余的列后重新导入。"
    ]


def test_an_upload_of_the_crafted_workbook_fails_its_job_with_the_message_and_keeps_no_upload(
    county_user, login, data_dir, never_read, tmp_path
):
    client = login(county_user)
    response = upload(client, xfd_workbook(tmp_path / "攻击.xlsx"))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sheets/jobs/{job.pk}/"
    assert (job.status, job.message) == (JobStatus.FAILED, XFD_DECLARED)
    assert not job.path.exists()
    assert XFD_DECLARED in client.get(f"/sheets/jobs/{job.pk}/").content.decode()


def test_the_score_sheet_reader_refuses_the_crafted_workbook(region, tmp_path, never_read):
    from dangjian.assess.batch import BatchError, _rows

    with pytest.raises(BatchError) as caught:
        list(_rows(xfd_workbook(tmp_path / "成绩表.xlsx")))
    assert caught.value.problems == [XFD_DECLARED]


# -- a reader that dies: the job fails, the server goes on ----------------------------------------------------


def test_a_workbook_that_kills_its_reader_fails_the_job_and_the_server_goes_on(
    county_user, login, data_dir, settings, tmp_path
):
    # With the limits raised past the attack, the workbook reaches calamine, which asks for half a terabyte for
    # the range and aborts: in the reader process, under its memory limit.
    settings.IMPORT_MAX_COLUMNS, settings.IMPORT_MAX_ROWS = 20_000, 2_000_000
    settings.IMPORT_MEMORY_MB = 512
    client = login(county_user)
    upload(client, xfd_workbook(tmp_path / "攻击.xlsx"))
    job = ImportJob.objects.get()
    assert (job.status, job.message) == (JobStatus.FAILED, READER_DIED)
    assert not job.path.exists()
    assert multiprocessing.active_children() == []
    # This process is the server: still here, and the next upload imports.
    good = write_xlsx(
        tmp_path / "党员.xlsx", [MEMBER_HEADERS, ["T-VILLAGE", "新党员", "男", id_number(700), "", "", ""]], title=None
    )
    upload(client, good)
    assert ImportJob.objects.latest("id").status == JobStatus.DONE
    assert Member.objects.filter(name="新党员").exists()


def test_the_reader_runs_under_its_memory_limit(region, tmp_path, settings):
    # A legitimate file that needs more than the limit fails the same way: the limit is the reader's, not ours.
    settings.IMPORT_MEMORY_MB = 16
    # Starved of memory the child usually dies at once; once in a while it hangs inside the allocator instead, and
    # the silence watchdog fails the import all the same (below).
    settings.IMPORT_READER_SILENCE_SECONDS = 20
    # Enough rows that parsing them needs more than whatever the child's heap has free when the limit is set (a
    # one-row file was sometimes read within that slack).
    rows = [["T-VILLAGE", f"党员{n}", "男", id_number(n % 1000), "", "", ""] for n in range(30_000)]
    path = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows])
    report = run_import("members", path, None)
    assert [e.message for e in report.errors] == [READER_DIED]
    assert multiprocessing.active_children() == []


def test_a_reader_that_goes_silent_fails_the_import_instead_of_hanging_it():
    receive, send = multiprocessing.Pipe(duplex=False)  # a reader that started and then never said a word
    rows = read.PipeRows(receive, silence=0.2)
    started = time.monotonic()
    with pytest.raises(read.SheetError) as refused:
        rows.first()
    assert str(refused.value) == READER_DIED
    assert time.monotonic() - started < 5
    send.close()


# -- zip bombs and sizes --------------------------------------------------------------------------------------


def test_a_zip_bomb_of_rows_is_refused_in_seconds_by_its_rows(region, tmp_path, never_read):
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>' for n in range(2, 300_002))
    path = crafted_xlsx(tmp_path / "炸弹.xlsx", header_row() + rows)
    assert path.stat().st_size < 2_000_000
    started = time.monotonic()
    report = run_import("members", path, None)
    assert [e.message for e in report.errors] == [TOO_MANY_ROWS]
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("lying", [False, True], ids=["as declared", "declared small"])
def test_a_zip_bomb_is_refused_by_what_it_expands_to_not_by_what_it_declares(
    region, tmp_path, settings, never_read, lying
):
    settings.IMPORT_MAX_UNCOMPRESSED_MB = 5
    row = '<row><c t="inlineStr"><is><t>' + "党" * 2_000 + "</t></is></c></row>"  # no `r`: counted tag by tag
    path = crafted_xlsx(tmp_path / "炸弹.xlsx", header_row() + row * 1_500)  # 9 MB of XML
    if lying:
        lie_about_size(path, "xl/worksheets/sheet1.xml", 1_000)
    assert path.stat().st_size < 100_000
    started = time.monotonic()
    report = run_import("members", path, None)
    assert [e.message for e in report.errors] == [TOO_LARGE]
    assert time.monotonic() - started < 10


def test_a_csv_past_the_row_or_column_limit_is_refused(region, tmp_path, settings):
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS = 50, 10
    rows = [["T-VILLAGE", f"党员{i}", "男", id_number(i)] for i in range(60)]
    report = run_import("members", write_csv(tmp_path / "m.csv", [MEMBER_HEADERS[:4], *rows]), None)
    assert [e.message for e in report.errors] == ["文件有 61 行，超过上限 50 行：请分成几个文件分批导入。"]
    wide = [[*MEMBER_HEADERS[:4], *(f"备注{i}" for i in range(8))], rows[0]]
    report = run_import("members", write_csv(tmp_path / "w.csv", wide), None)
    assert [e.message for e in report.errors] == ["文件第 1 行有 12 列，超过上限 10 列：请删除多余的列后重新导入。"]


def test_a_workbook_larger_than_the_upload_limit_is_refused_by_the_command_too(region, tmp_path, settings):
    settings.IMPORT_MAX_MB = 1
    path = tmp_path / "m.csv"
    path.write_bytes(b"x" * (1024 * 1024 + 1))
    report = run_import("members", path, None)
    assert [e.message for e in report.errors] == ["文件超过 1 MB 的上限，请拆分成几个文件分批导入。"]


# -- the error sheet: the first rows with problems, and a count -----------------------------------------------


def test_the_error_sheet_lists_the_first_rows_with_problems_and_counts_the_rest(
    county_user, login, data_dir, settings, tmp_path
):
    settings.IMPORT_LISTED_ERROR_ROWS = 3
    rows = [["T-VILLAGE", f"党员{i}", "男", id_number(i), "", "", ""] for i in range(12)]
    for i in (2, 4, 5, 7, 8, 9, 10, 11):
        rows[i][3] = "123"  # not an ID number
    client = login(county_user)
    upload(client, write_xlsx(tmp_path / "党员.xlsx", [MEMBER_HEADERS, *rows], title=None))
    job = ImportJob.objects.get()
    note = "另有 5 行有误未列出：只列出前 3 行有误的行，请改正后重新导入以查看其余的行。"
    assert (job.status, job.rejected, job.message) == (JobStatus.DONE, 8, note)
    page = client.get(f"/sheets/jobs/{job.pk}/").content.decode()
    assert "其中 8 行有误" in page and note in page
    sheet = load_workbook(io.BytesIO(client.get(f"/sheets/jobs/{job.pk}/errors/").getvalue())).active
    shown = [row for row in sheet.iter_rows(values_only=True)]
    # The header, the rows down to the third with a problem (sheet row 7), then the note.
    assert len(shown) == 8 and shown[-1][0] == note
    assert [n for n, row in enumerate(shown[:-1], start=1) if row[0] and n > 1] == [4, 6, 7]
    assert stat.S_IMODE(job.error_path.stat().st_mode) == 0o600


# -- leftovers, and who may read them ------------------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603 - our own interpreter, no input
    child.wait()
    return child.pid


def left_job(user, status=JobStatus.RUNNING, runner="", age=datetime.timedelta(0)) -> ImportJob:
    """A job as a dead runner left it, with its upload."""
    folder = jobs.new_job_dir()
    job = ImportJob.objects.create(
        user=user, kind="members", original_name="党员.xlsx", file=f"{folder}/upload.xlsx", status=status, runner=runner
    )
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age, started_at=timezone.now() - age)
    job.path.write_bytes(b"ID numbers")
    return job


def aged(path: Path, minutes: int = 20) -> Path:
    then = time.time() - minutes * 60
    os.utime(path, (then, then))
    return path


def test_a_job_whose_runner_died_is_failed_at_the_next_start(county_user, data_dir, monkeypatch):
    import waitress

    monkeypatch.setattr(waitress, "serve", lambda *args, **kwargs: None)
    dead = left_job(county_user, runner=f"{socket.gethostname()}:{dead_pid()}")
    alive = left_job(county_user, runner=jobs.runner_id())  # this process: running, just now
    out = io.StringIO()
    call_command("serve", no_worker=True, stdout=out)
    dead.refresh_from_db()
    assert (dead.status, dead.message) == (JobStatus.FAILED, jobs.ABANDONED_MESSAGE)
    assert not dead.path.exists()
    assert ImportJob.objects.get(pk=alive.pk).status == JobStatus.RUNNING and alive.path.exists()
    assert "已清理导入遗留：中断的导入任务 1 个" in out.getvalue()


def test_the_daily_cleanup_fails_silent_jobs_and_removes_what_no_one_will_use(
    region, county_user, data_dir, tmp_path, fast_import
):
    silent = left_job(county_user, age=datetime.timedelta(minutes=20))
    waiting = left_job(county_user, status=JobStatus.PENDING)  # uploaded a moment ago
    done = left_job(county_user, status=JobStatus.DONE)
    (done.path.parent / "errors.xlsx").write_bytes(b"the user's to download")
    orphan = jobs.new_job_dir()  # an upload whose job row was never made
    (data_dir / "imports" / orphan / "upload.xlsx").write_bytes(b"ID numbers")
    aged(data_dir / "imports" / orphan)
    fresh = jobs.new_job_dir()  # its job row is being made right now
    # A committed import's change set, and one an import killed mid-way left, and one being written now.
    rows = [MEMBER_HEADERS, ["T-VILLAGE", "党员", "男", id_number(800), "", "", ""]]
    assert run_import("members", write_xlsx(tmp_path / "m.xlsx", rows), None).created == 1
    (kept,) = changesets.folder().iterdir()
    killed = changesets.folder() / f"{uuid.uuid4().hex}.jsonl.gz"
    killed.write_bytes(b"names, birth dates")
    aged(killed)
    writing = changesets.folder() / f"{uuid.uuid4().hex}.jsonl.gz"
    writing.write_bytes(b"...")

    outcome = schedule.run_due(timezone.now(), only="import_leftovers")[0]
    assert outcome.status == RunStatus.OK, outcome
    assert ImportJob.objects.get(pk=silent.pk).status == JobStatus.FAILED and not silent.path.exists()
    assert ImportJob.objects.get(pk=waiting.pk).status == JobStatus.PENDING and waiting.path.exists()
    assert not done.path.exists() and (done.path.parent / "errors.xlsx").exists()
    assert not (data_dir / "imports" / orphan).exists() and (data_dir / "imports" / fresh).exists()
    assert kept.exists() and writing.exists() and not killed.exists()


def test_uploads_and_their_folders_are_the_servers_alone(county_user, login, data_dir, settings, tmp_path):
    settings.IMPORT_JOBS_INLINE = False  # the job starts after the commit, which this test never makes
    old = os.umask(0o022)
    try:
        upload(login(county_user), xfd_workbook(tmp_path / "党员.xlsx"))
    finally:
        os.umask(old)
    job = ImportJob.objects.get()
    assert job.status == JobStatus.PENDING
    assert stat.S_IMODE(job.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(job.path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / "imports").stat().st_mode) == 0o700


def test_the_start_makes_the_change_set_folder_private(db, data_dir, settings, tmp_path):
    settings.AUDIT_CHANGESET_DIR = tmp_path / "audit" / "changesets"
    settings.AUDIT_CHANGESET_DIR.mkdir(parents=True, mode=0o755)
    settings.AUDIT_CHANGESET_DIR.chmod(0o755)
    from dangjian.sheets.leftovers import clean_leftovers

    clean_leftovers()
    assert stat.S_IMODE(settings.AUDIT_CHANGESET_DIR.stat().st_mode) == 0o700
