"""The import pages: template download, upload checked by name, size and content, the background job with its
progress, the result and the error sheet, each job visible to its uploader only."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dangjian.core.models import AuditLog
from dangjian.members.models import Member
from dangjian.sheets import jobs
from dangjian.sheets.columns import COLUMNS
from dangjian.sheets.models import ImportJob, JobStatus

from conftest import id_number

pytestmark = pytest.mark.django_db

MEMBER_HEADERS = [column.header for column in COLUMNS["members"]]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.IMPORT_JOBS_INLINE = True
    return tmp_path


def member_row(name: str, seq: int, org_code: str = "T-VILLAGE", **values) -> dict:
    return {"所在党组织编码": org_code, "姓名": name, "性别": "男", "公民身份号码": id_number(seq)} | values


def xlsx(rows: list[dict], name: str = "党员.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(MEMBER_HEADERS)
    for row in rows:
        sheet.append([row.get(header, "") for header in MEMBER_HEADERS])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def upload(client, file, mode="import", kind="members"):
    return client.post(f"/sheets/import/{kind}/", {"file": file, "mode": mode})


def test_the_import_page_offers_the_template_and_the_two_modes(county_user, login):
    client = login(county_user)
    body = client.get("/sheets/import/members/").content.decode()
    assert "/sheets/import/members/template/" in body
    assert "仅校验（试导入）" in body and "正式导入" in body

    response = client.get("/sheets/import/members/template/")
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    headers = [
        cell for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True) for cell in row
    ]
    assert any("公民身份号码" in str(cell) for cell in headers)


def test_list_pages_link_the_import_only_for_users_who_may_change(county_user, reader, login):
    assert 'href="/sheets/import/members/"' in login(county_user).get("/members/").content.decode()
    assert 'href="/sheets/import/orgs/"' in login(county_user).get("/orgs/").content.decode()
    assert "/sheets/import/" not in login(reader).get("/members/").content.decode()
    assert "/sheets/import/" not in login(reader).get("/orgs/").content.decode()
    assert login(reader).get("/sheets/import/members/").status_code == 403


def test_an_import_runs_as_a_job_and_shows_what_it_did(county_user, login, data_dir):
    client = login(county_user)
    response = upload(client, xlsx([member_row("周新人", 21), member_row("吴新人", 22)]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sheets/jobs/{job.pk}/"

    assert job.status == JobStatus.DONE and not job.dry_run
    assert (job.created, job.updated, job.unchanged, job.rejected, job.total) == (2, 0, 0, 0, 2)
    assert Member.objects.filter(name__in=["周新人", "吴新人"], org__code="T-VILLAGE").count() == 2
    body = client.get(f"/sheets/jobs/{job.pk}/").content.decode()
    assert "导入完成" in body and "新增" in body
    assert not job.path.exists()  # the upload, with its ID numbers, is gone once the job has ended


def test_check_only_writes_nothing_but_says_what_would_happen(county_user, login):
    client = login(county_user)
    before = Member.objects.count()
    upload(client, xlsx([member_row("周新人", 21)]), mode="check")
    job = ImportJob.objects.get()
    assert job.dry_run and job.status == JobStatus.DONE and job.created == 1
    assert Member.objects.count() == before
    assert "未写入任何数据" in client.get(f"/sheets/jobs/{job.pk}/").content.decode()


def test_bad_rows_come_back_in_an_error_sheet_with_the_reason_beside_them(county_user, login):
    client = login(county_user)
    upload(client, xlsx([member_row("周新人", 21), member_row("南岭人", 23, org_code="T-SVILLAGE")]))
    job = ImportJob.objects.get()
    assert job.rejected == 1 and job.error_file

    response = client.get(f"/sheets/jobs/{job.pk}/errors/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = {row[2]: row for row in book.active.iter_rows(values_only=True)}  # by 姓名, after the error column
    assert "范围" in rows["南岭人"][0] or "不存在" in rows["南岭人"][0]  # the reason, in Chinese, beside the row
    assert not rows["周新人"][0]  # the good row comes back as it was, without a message
    assert job.created == 0 and not Member.objects.filter(name="周新人").exists()  # all or nothing
    assert f'href="/sheets/jobs/{job.pk}/errors/"' in client.get(f"/sheets/jobs/{job.pk}/").content.decode()


def test_a_sheet_without_the_import_headers_fails_with_the_readers_chinese_message(county_user, login):
    book = Workbook()
    book.active.append(["随便", "什么"])
    book.active.append(["1", "2"])
    out = io.BytesIO()
    book.save(out)
    client = login(county_user)
    upload(client, SimpleUploadedFile("别的表.xlsx", out.getvalue()))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.FAILED and job.message
    assert job.message in client.get(f"/sheets/jobs/{job.pk}/").content.decode()
    assert client.get(f"/sheets/jobs/{job.pk}/progress/").json()["message"] == job.message


def test_the_progress_endpoint_reports_the_job(county_user, login):
    client = login(county_user)
    upload(client, xlsx([member_row("周新人", 21)]), mode="check")
    job = ImportJob.objects.get()
    data = client.get(f"/sheets/jobs/{job.pk}/progress/").json()
    assert data["finished"] and data["status"] == "done" and data["percent"] == 100
    assert (data["done"], data["total"], data["created"], data["rejected"]) == (1, 1, 1, 0)
    assert data["errors_url"] == ""


def test_a_running_job_shows_its_progress_bar_and_script(county_user, login):
    job = ImportJob.objects.create(
        user=county_user, kind="members", original_name="a.xlsx", file="x/a.xlsx", status="running", done=40, total=100
    )
    client = login(county_user)
    body = client.get(f"/sheets/jobs/{job.pk}/").content.decode()
    assert '<progress id="job-progress" max="100" value="40">' in body
    assert "dangjian/job.js" in body and "<script>" not in body
    assert client.get(f"/sheets/jobs/{job.pk}/progress/").json()["percent"] == 40


def test_a_job_cut_off_by_a_restart_says_so(county_user, login):
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=1)):
        job = ImportJob.objects.create(
            user=county_user, kind="members", original_name="a.xlsx", file="x/a.xlsx", status="running"
        )
        ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now(), heartbeat=timezone.now())
    client = login(county_user)
    assert "可能因系统重启而中断" in client.get(f"/sheets/jobs/{job.pk}/").content.decode()
    assert client.get(f"/sheets/jobs/{job.pk}/progress/").json()["stale"] is True


def test_another_user_gets_404_for_a_job_even_with_wider_scope(county_user, city_admin, login):
    client = login(county_user)
    upload(client, xlsx([member_row("周新人", 21), member_row("南岭人", 23, org_code="T-SVILLAGE")]))
    job = ImportJob.objects.get()
    assert client.get(f"/sheets/jobs/{job.pk}/errors/").status_code == 200

    other = login(city_admin)
    for url in (f"/sheets/jobs/{job.pk}/", f"/sheets/jobs/{job.pk}/progress/", f"/sheets/jobs/{job.pk}/errors/"):
        response = other.get(url)
        assert response.status_code == 404, url
        assert "周新人" not in response.content.decode()
    assert "周新人" not in other.get("/sheets/import/members/").content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("党员.txt", b"a,b\n", "只能上传 Excel 文件"),
        ("党员.xlsx", "姓名,性别\n王,男\n".encode(), "不是有效的 .xlsx"),
        ("党员.xls", b"PK\x03\x04" + b"\x00" * 100, "不是有效的 .xls"),
        ("党员.csv", b"PK\x03\x04\x00\x00\xff\xfe\x00", "不是 CSV 文本"),
        ("党员.csv", b"", "文件是空的"),
    ],
)
def test_a_file_of_the_wrong_type_is_refused_in_chinese_and_creates_nothing(county_user, login, name, content, message):
    client = login(county_user)
    members, audit = Member.objects.count(), AuditLog.objects.count()
    response = upload(client, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()
    assert (Member.objects.count(), AuditLog.objects.count()) == (members, audit)


def test_csv_in_gbk_and_utf8_passes_the_type_check(county_user, login):
    client = login(county_user)
    text = ",".join(MEMBER_HEADERS) + "\n" + f"T-VILLAGE,周新人,男,{id_number(21)}\n"
    for encoding in ("gb18030", "utf-8-sig"):
        response = upload(client, SimpleUploadedFile("党员.csv", text.encode(encoding)), mode="check")
        assert response.status_code == 302, response.content.decode()
    assert ImportJob.objects.filter(status=JobStatus.DONE, created=1).count() == 2


@pytest.mark.parametrize("size", [1024 * 1024 + 1, 3 * 1024 * 1024])  # checked by the form; refused by length
def test_an_oversized_file_is_refused_in_chinese_and_creates_nothing(county_user, login, settings, data_dir, size):
    settings.IMPORT_MAX_MB = 1
    client = login(county_user)
    response = upload(client, SimpleUploadedFile("党员.csv", b"a" * size))
    assert response.status_code == 400
    assert "文件超过 1 MB 的上限" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not (data_dir / "imports").exists() or not any((data_dir / "imports").iterdir())


@pytest.mark.django_db(transaction=True)
def test_the_upload_answers_at_once_and_the_worker_runs_the_job(region, settings):
    """The real path: the upload queues a task and answers; the worker (its loop, run here for one round) takes the
    task from the database queue, runs the import and records itself as the job's runner."""
    from dangjian.server.worker import WorkerLoop

    from conftest import persona

    settings.IMPORT_JOBS_INLINE = False
    user = persona("worker_user", region.north, "manage")
    client = Client()
    client.force_login(user)
    response = upload(client, xlsx([member_row("周新人", 21)]))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == JobStatus.PENDING and not Member.objects.filter(name="周新人").exists()
    WorkerLoop(interval=0.1).run(once=True)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.created == 1 and job.runner == jobs.runner_id()
    assert Member.objects.filter(name="周新人").exists()
    assert not job.path.exists()  # the upload, with ID numbers in clear, is gone once the job ends
