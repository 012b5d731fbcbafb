"""The assessment in the browser's terms: schemes, opening, the entry grid, results, explanation, export."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.assess import services
from dangjian.assess.models import Adjustment, Assessment, Entry, Evidence, Participant, Result, SchemeRecord
from dangjian.core.models import AuditLog
from schemes import Y01, county_scheme, given

pytestmark = pytest.mark.django_db

SCHEME = county_scheme(given(90), Y01, total="100", weak_floors="{农村: 15%}")


@pytest.fixture
def assessment(region, county_user):
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    return services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )


def test_a_scheme_is_created_from_yaml_and_shown_as_a_table(region, county_user, login):
    client = login(county_user)
    page = client.get("/assess/schemes/new/")
    assert "year: 2026" in page.content.decode()  # starts from the shipped example
    response = client.post("/assess/schemes/new/", {"owner_code": "T-NORTH", "text": SCHEME})
    scheme = SchemeRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assess/schemes/{scheme.pk}/"
    body = client.get(response["Location"]).content.decode()
    assert "工作成效" in body and "农村 15%" in body and "A（优秀）≥ 90.00 分" in body
    yaml_file = client.get(f"/assess/schemes/{scheme.pk}/scheme.yaml")
    assert yaml_file.content.decode() == SCHEME


def test_a_bad_scheme_shows_the_reason_and_saves_nothing(region, county_user, login):
    client = login(county_user)
    response = client.post("/assess/schemes/new/", {"owner_code": "T-NORTH", "text": SCHEME.replace("90,", "80,")})
    assert response.status_code == 400
    assert "基础指标合计 90 分，应为 100 分" in response.content.decode()
    response = client.post("/assess/schemes/new/", {"owner_code": "T-SOUTH", "text": SCHEME})
    assert "该组织不存在或不在您的管理范围内" in response.content.decode()
    assert not SchemeRecord.objects.exists()


def test_a_scheme_uploaded_as_a_file(region, county_user, login):
    client = login(county_user)
    upload = SimpleUploadedFile("方案.yaml", SCHEME.encode("utf-8"))
    response = client.post("/assess/schemes/new/", {"owner_code": "T-NORTH", "text": "", "upload": upload})
    assert response.status_code == 302
    assert SchemeRecord.objects.get().text == SCHEME


def test_opening_an_assessment_from_the_page(region, county_user, login):
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    client = login(county_user)
    response = client.post(
        "/assess/new/", {"scheme": scheme.pk, "root_code": "T-NORTH", "cutoff": "2026-12-31", "review_weight": "0"}
    )
    assessment = Assessment.objects.get()
    assert response["Location"] == f"/assess/{assessment.pk}/"
    body = client.get(response["Location"]).content.decode()
    assert "青松村党支部" in body and "白桦村党支部" in body and "0/2" in body


def test_grid_saves_a_whole_column_or_nothing(assessment, town_user, login):
    client = login(town_user)
    village = Participant.objects.get(code="T-VILLAGE")
    birch = Participant.objects.get(code="T-BIRCH")
    page = client.get(f"/assess/{assessment.pk}/grid/G01/")
    assert page.status_code == 200 and "0～90.00 分" in page.content.decode()
    bad = client.post(f"/assess/{assessment.pk}/grid/G01/", {f"v{village.pk}": "80", f"v{birch.pk}": "95"})
    assert bad.status_code == 400
    assert "分值应在 0 到 90.00 分之间" in bad.content.decode()
    assert not Entry.objects.exists()  # the good row was not kept either
    ok = client.post(f"/assess/{assessment.pk}/grid/G01/", {f"v{village.pk}": "80", f"v{birch.pk}": "70.5"})
    assert ok.status_code == 302
    assert sorted(Entry.objects.values_list("points", flat=True)) == [Decimal("70.50"), Decimal("80.00")]


def test_the_branch_cannot_score_itself(assessment, branch_secretary, login):
    client = login(branch_secretary)
    assert client.get(f"/assess/{assessment.pk}/grid/G01/").status_code == 404
    village = Participant.objects.get(code="T-VILLAGE")
    page = client.get(f"/assess/orgs/{village.pk}/")
    assert page.status_code == 200 and 'name="i_G01"' not in page.content.decode()
    assert client.post(f"/assess/orgs/{village.pk}/", {"i_G01": "90"}).status_code == 404
    assert not Entry.objects.exists()


def test_evidence_is_attached_by_the_organization_and_type_checked(
    assessment, branch_secretary, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = login(branch_secretary)
    village = Participant.objects.get(code="T-VILLAGE")
    bad = SimpleUploadedFile("脚本.exe", b"MZ")
    client.post(f"/assess/orgs/{village.pk}/evidence/", {"file": bad, "indicator": "G01"})
    assert not Evidence.objects.exists()
    good = SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4 test")
    response = client.post(f"/assess/orgs/{village.pk}/evidence/", {"file": good, "indicator": "G01"}, follow=True)
    assert "佐证材料已上传" in response.content.decode()
    item = Evidence.objects.get()
    download = client.get(f"/assess/evidence/{item.pk}/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"


def test_results_are_for_the_department_until_published_then_each_sees_its_own(
    assessment, county_user, town_user, branch_secretary, login, settings
):
    settings.JOBS_INLINE = True  # the run's job runs in the request (test_background_jobs.py: through the worker)
    village = Participant.objects.get(code="T-VILLAGE")
    birch = Participant.objects.get(code="T-BIRCH")
    services.enter(village, "G01", "85", actor=town_user)
    services.enter(village, "Y01", "是", actor=town_user)
    services.enter(birch, "G01", "60", actor=town_user)
    services.enter(birch, "Y01", "否", actor=town_user)
    manager = login(county_user)
    started = manager.post(f"/assess/{assessment.pk}/run/")
    assert started.status_code == 302 and started["Location"].startswith("/jobs/")
    page = manager.get(started["Location"]).content.decode()
    assert "已计算：" in page, page[page.find("<main") :]
    body = manager.get(f"/assess/{assessment.pk}/results/").content.decode()
    assert "农村 2 个 × 15% = 1" in body and "<svg" in body and "白桦村党支部" in body
    secretary = login(branch_secretary)
    assert secretary.get(f"/assess/{assessment.pk}/results/").status_code == 404
    assert secretary.get(f"/assess/orgs/{village.pk}/result/").status_code == 404

    manager.post(f"/assess/{assessment.pk}/publish/", {"confirm": "on"})
    own = secretary.get(f"/assess/{assessment.pk}/results/").content.decode()
    assert "青松村党支部" in own and "白桦村党支部" not in own
    assert "农村 2 个" not in own  # the county's quota arithmetic is the department's
    explain = secretary.get(f"/assess/orgs/{village.pk}/result/").content.decode()
    assert "95.00" in explain and "工作成效" in explain and "评分" in explain
    assert secretary.get(f"/assess/orgs/{birch.pk}/result/").status_code == 404


def test_adjustment_from_the_explanation_page(assessment, county_user, town_user, login, settings):
    settings.JOBS_INLINE = True
    village = Participant.objects.get(code="T-VILLAGE")
    services.enter(village, "G01", "50", actor=town_user)
    services.run_assessment(assessment, actor=county_user)
    client = login(county_user)
    missing = client.post(f"/assess/orgs/{village.pk}/result/", {"indicator": "G01", "points": "70", "reason": ""})
    assert missing.status_code == 400 and "调整理由" in missing.content.decode()
    response = client.post(
        f"/assess/orgs/{village.pk}/result/", {"indicator": "G01", "points": "70", "reason": "补充材料复核"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")  # the run, done by then
    assert Adjustment.objects.get().reason == "补充材料复核"
    assert Result.objects.get(participant=village).total == Decimal("70.00")
    job_page = client.get(response["Location"]).content.decode()
    assert "复核调整已保存，结果正在后台重新计算。" in job_page and "已计算" in job_page
    explain = client.get(f"/assess/orgs/{village.pk}/result/").content.decode()
    assert "复核调整：50.00 → 70.00 分（补充材料复核）" in explain


def test_results_export_matches_the_page(assessment, county_user, town_user, login):
    for code, points in (("T-VILLAGE", "85"), ("T-BIRCH", "60")):
        services.enter(Participant.objects.get(code=code), "G01", points, actor=town_user)
    services.run_assessment(assessment, actor=county_user)
    client = login(county_user)
    response = client.get(f"/assess/{assessment.pk}/results.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [r for r in book.active.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r and r[0] == "组织编码"))
    data = {r[0]: r for r in rows[header + 1 :]}
    assert data["T-VILLAGE"][4] in (85, "85.00", Decimal("85.00"))
    assert data["T-BIRCH"][8] == "是" and data["T-VILLAGE"][8] == "否"
    assert AuditLog.objects.filter(action="export", username="county_user").exists()


def test_an_unclosed_case_of_last_year_is_shown_on_the_organization_page(assessment, region, county_user, login):
    from dangjian.rectify.models import Case, CaseSource

    village = Participant.objects.get(code="T-VILLAGE")
    client = login(county_user)
    assert "上年度整顿" not in client.get(f"/assess/orgs/{village.pk}/").content.decode()
    Case.objects.create(org=region.village, year=2025, source=CaseSource.MANUAL)
    assert "未销号（已结转本年度）" in client.get(f"/assess/orgs/{village.pk}/").content.decode()
