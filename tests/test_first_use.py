"""What a new user tripped over (issue #19, point 5), each as the user meets it: pages and files through the test
client. The same items seen in Chromium: tests/browser/test_first_use.py."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from PIL import Image

from dangjian.accounts.duties import Duty, has_duty
from dangjian.accounts.services import assign_duty, create_user, grant_org
from dangjian.assess import services as assess
from dangjian.assess.models import Participant, Result
from dangjian.cadence.notify import notify
from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import Role
from dangjian.demo.region import CITY_NAME
from dangjian.demo.users import DEMO_PASSWORD, ensure_demo_users
from dangjian.rectify import services as rectify
from dangjian.rectify.models import CaseSource
from dangjian.sheets.models import ImportJob, JobStatus
from schemes import COUNTY_SCHEME

from conftest import PASSWORD, settled

pytestmark = pytest.mark.django_db


def auditor(username: str, org=None) -> User:
    user = settled(create_user(username, PASSWORD, actor=None))
    if org is not None:
        grant_org(user, org, Role.READ)
    assign_duty(user, Duty.AUDITOR, actor=None)
    return user


def test_the_unread_count_is_a_badge_not_red_on_red(county_user, login):
    notify([county_user], title="本周工作提示", key="test:first-use")
    body = login(county_user).get("/").content.decode()
    assert '通知 <span class="count" title="未读通知">1</span>' in body
    assert '<span class="bad">1</span>' not in body


def test_an_auditor_without_a_grant_reads_the_whole_log_and_a_granted_one_only_theirs(region, login):
    record(AuditAction.UPDATE, actor=None, org=region.south_village, detail="南岭的一条记录")
    record(AuditAction.UPDATE, actor=None, org=region.village, detail="漠北的一条记录")
    everything = login(auditor("auditor_all")).get("/audit/").content.decode()
    assert "南岭的一条记录" in everything and "漠北的一条记录" in everything and "共 0 条" not in everything
    named = login(auditor("auditor_all_2")).get("/audit/?org_code=T-SVILLAGE").content.decode()
    assert "南岭的一条记录" in named and "漠北的一条记录" not in named  # any organization may be named

    county = login(auditor("auditor_north", region.north)).get("/audit/").content.decode()
    assert "漠北的一条记录" in county and "南岭的一条记录" not in county


def test_a_user_without_the_duty_still_gets_404_on_the_audit_pages(region, login):
    plain = settled(create_user("no_duty", PASSWORD, actor=None))
    assert login(plain).get("/audit/").status_code == 404


def test_the_demo_has_a_security_administrator_and_an_auditor(region, client):
    root = region.city
    assert root.name == CITY_NAME  # the demo's city: the tests' region is built after it
    listed = {username for username, _, _ in ensure_demo_users()}
    assert {"demo_secadmin", "demo_auditor"} <= listed
    secadmin, audit = User.objects.get(username="demo_secadmin"), User.objects.get(username="demo_auditor")
    assert has_duty(secadmin, Duty.SECADMIN) and list(secadmin.grants.values_list("org", "role")) == [
        (root.pk, Role.READ)
    ]
    assert has_duty(audit, Duty.AUDITOR) and not audit.grants.exists()
    ensure_demo_users()  # again: nothing changes, nothing fails
    for username, page in (("demo_secadmin", "/users/"), ("demo_auditor", "/audit/")):
        client.logout()
        response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get(page).status_code == 200, username


def test_the_login_page_and_the_readme_list_the_two_demo_duty_logins(settings, client):
    settings.DEMO_MODE = True
    body = client.get("/accounts/login/").content.decode()
    assert "demo_secadmin（安全管理员）" in body and "demo_auditor（审计管理员）" in body
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "`demo_auditor`" in readme and "`demo_secadmin`" in readme
    assert "DANGJIAN_AUDITOR_PASSWORD" in readme  # where the three duty accounts' passwords come from


def test_the_assessment_form_shows_its_snapshot_date_in_the_date_input_s_format(region, county_user, login):
    body = login(county_user).get("/assess/new/").content.decode()
    year = timezone.localdate().year
    assert f'type="date" name="cutoff" value="{year}-12-31"' in body
    assert f"{year}/12/31" not in body


def test_the_explanation_and_the_scheme_editor_speak_chinese(region, county_user, town_user, login):
    scheme = assess.save_scheme(actor=county_user, owner=region.north, text=COUNTY_SCHEME)
    assessment = assess.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )
    village = Participant.objects.get(code="T-VILLAGE")
    assess.enter(village, "G01", "70", actor=town_user)
    assess.run_assessment(assessment, actor=county_user)
    client = login(county_user)
    explain = client.get(f"/assess/orgs/{village.pk}/result/").content.decode()
    assert "系统数据（书记在岗）完成 100.0%" in explain and "secretary_in_post" not in explain
    assert Result.objects.filter(participant=village).exists()

    editor = client.get("/assess/schemes/new/").content.decode()
    assert "<th>计分方式</th><th>说明</th><th>方案中填写</th>" in editor
    assert '<td data-label="系统数据">班子配备齐全</td>' in editor
    assert '<td data-label="计分方式">一票否决</td>' in editor
    assert "given 评分" not in editor  # the English words are only what to type, in their own column


def test_the_members_export_names_the_organization_beside_its_code(county_user, login):
    response = login(county_user).get("/sheets/export/members/?org_code=T-VILLAGE")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    header = list(rows[0])
    at = header.index("所在党组织编码")
    assert header[at + 1] == "所在党组织名称"
    assert {(row[at], row[at + 1]) for row in rows[1:]} == {("T-VILLAGE", "青松村党支部")}


def test_a_file_the_import_cannot_read_offers_no_error_sheet(county_user, login, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.IMPORT_JOBS_INLINE = True
    book = Workbook()
    book.active.append(["随便", "什么"])
    out = io.BytesIO()
    book.save(out)
    client = login(county_user)
    client.post("/sheets/import/members/", {"file": SimpleUploadedFile("别的表.xlsx", out.getvalue()), "mode": "check"})
    job = ImportJob.objects.get()
    assert job.status == JobStatus.FAILED and job.rejected == 0 and not job.error_file
    page = client.get(f"/sheets/jobs/{job.pk}/").content.decode()
    assert job.message in page and "下载错误表" not in page
    assert client.get(f"/sheets/jobs/{job.pk}/progress/").json()["errors_url"] == ""


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 20, 30)).save(out, "JPEG")
    return out.getvalue()


def test_ledger_photos_show_as_thumbnails_within_the_scope(
    region, county_user, town_user, outsider, login, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    case = rectify.open_case(region.birch, year=2026, source=CaseSource.MANUAL, actor=county_user, reasons=["上级指定"])
    measure = rectify.add_measure(
        case,
        actor=town_user,
        problem="阵地",
        action="整修活动室",
        responsible="孙白桦",
        deadline=datetime.date(2026, 12, 31),
    )
    photo = SimpleUploadedFile("活动室.jpg", jpeg(1600, 1200))
    report = SimpleUploadedFile("方案.pdf", b"%PDF-1.4 test")
    entry = rectify.add_entry(
        measure, actor=town_user, date=timezone.localdate(), content="已整修", files=[photo, report]
    )
    picture, document = entry.files.get(original_name="活动室.jpg"), entry.files.get(original_name="方案.pdf")

    client = login(town_user)
    page = client.get(f"/rectify/{case.pk}/").content.decode()
    assert f'<img src="/rectify/files/{picture.pk}/thumb.jpg" alt="活动室.jpg"' in page
    assert f"/rectify/files/{document.pk}/thumb.jpg" not in page  # a document keeps its name only
    response = client.get(f"/rectify/files/{picture.pk}/thumb.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    small = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert max(small.size) == 240 and small.size == (240, 180)  # the proportions kept
    assert client.get(f"/rectify/files/{document.pk}/thumb.jpg").status_code == 404
    assert login(outsider).get(f"/rectify/files/{picture.pk}/thumb.jpg").status_code == 404
