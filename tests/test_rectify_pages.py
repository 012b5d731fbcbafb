"""The rectification pages: the list and its filters, a case worked to closure through the forms, the evidence
download, the ledger rolled up per level, and who sees which button or gets a 404."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.accounts.models import Role
from dangjian.rectify import services
from dangjian.rectify.models import Case, CaseStatus, LedgerFile, MeasureStatus, SupporterRole
from test_rectify_services import published_assessment

from conftest import persona

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _spring_2027():
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def case(region, county_user, town_user):
    published_assessment(region, county_user, town_user)
    return Case.objects.get(org=region.birch)


def test_the_list_shows_cases_in_scope_with_filters(login, case, county_user, outsider):
    client = login(county_user)
    body = client.get("/rectify/").content.decode()
    assert "白桦村党支部" in body and "新增整顿对象" in body
    assert "白桦村党支部" not in client.get("/rectify/?status=closed").content.decode()
    assert "白桦村党支部" in client.get("/rectify/?year=2026&kind=soft").content.decode()
    assert "白桦村党支部" not in client.get("/rectify/?overdue=true").content.decode()
    assert "白桦村党支部" in client.get(f"/rectify/?assessment={case.assessment_id}").content.decode()
    assert "白桦村党支部" not in login(outsider).get("/rectify/").content.decode()


def test_the_results_page_links_to_the_cases_once_published(login, case, county_user):
    body = login(county_user).get(f"/assess/{case.assessment_id}/results/").content.decode()
    assert f"/rectify/?assessment={case.assessment_id}" in body


def test_a_case_worked_to_closure_through_the_pages(login, case, county_user, town_user):
    town, county = login(town_user), login(county_user)
    detail = town.get(f"/rectify/{case.pk}/").content.decode()
    assert "新增整改措施" in detail and "乡镇初验" in detail and "验收销号" not in detail

    response = town.post(
        f"/rectify/{case.pk}/measures/add/",
        {
            "problem": "书记空缺",
            "action": "选配村党组织书记",
            "responsible": "松岭镇组织委员",
            "deadline": "2027-04-30",
        },
    )
    assert response.status_code == 302
    measure = case.measures.get()
    photo = SimpleUploadedFile("选举现场.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    note = SimpleUploadedFile("选举报告.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = town.post(
        f"/rectify/measures/{measure.pk}/entries/add/",
        {"date": "2027-02-20", "content": "召开党员大会选举书记", "files": [photo, note]},
    )
    assert response.status_code == 302
    assert sorted(LedgerFile.objects.values_list("original_name", flat=True)) == ["选举报告.pdf", "选举现场.jpg"]
    response = town.post(
        f"/rectify/{case.pk}/supporters/",
        {f"{SupporterRole.FIRST_SECRETARY}_name": "周立新", f"{SupporterRole.FIRST_SECRETARY}_unit": "县财政局"},
    )
    assert response.status_code == 302 and case.supporters.get().name == "周立新"
    assert (
        town.post(
            f"/rectify/{case.pk}/funds/add/", {"amount": "50000", "source": "县级专项", "date": "2027-01-10"}
        ).status_code
        == 302
    )
    assert town.post(f"/rectify/measures/{measure.pk}/done/", {"date": "2027-02-21"}).status_code == 302
    assert town.post(f"/rectify/{case.pk}/town-check/", {"opinion": "已选配书记，同意上报"}).status_code == 302

    # The town cannot accept (closing level: county); the county sees the button and closes.
    assert town.get(f"/rectify/{case.pk}/close/").status_code == 404
    assert "验收销号" in county.get(f"/rectify/{case.pk}/").content.decode()
    assert county.post(f"/rectify/{case.pk}/close/", {"opinion": "验收合格"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    detail = county.get(f"/rectify/{case.pk}/").content.decode()
    assert "已销号" in detail and "重新打开" in detail and "选举现场.jpg" in detail and "周立新" in detail

    file = LedgerFile.objects.get(original_name="选举现场.jpg")
    response = town.get(f"/rectify/files/{file.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"\xff\xd8\xff"


def test_the_town_check_refuses_an_open_measure_in_its_own_words(login, case, town_user):
    services.add_measure(
        case, actor=town_user, problem="p", action="a", responsible="r", deadline=datetime.date(2027, 5, 1)
    )
    response = login(town_user).post(f"/rectify/{case.pk}/town-check/", {"opinion": "同意"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "还有 1 项整改措施未完成，不能初验。" in body and "不能验收销号" not in body
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_reopen_through_the_page_needs_a_reason(login, case, town_user, county_user):
    measure = services.add_measure(
        case, actor=town_user, problem="p", action="a", responsible="r", deadline=datetime.date(2027, 5, 1)
    )
    services.complete_measure(measure, actor=town_user, date=datetime.date(2027, 2, 1))
    services.town_check(case, actor=town_user, opinion="同意")
    services.close_case(case, actor=county_user, opinion="同意")
    county = login(county_user)
    response = county.post(f"/rectify/{case.pk}/reopen/", {"reason": ""})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()
    response = county.post(f"/rectify/{case.pk}/reopen/", {"reason": "回访发现问题反弹"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert "回访发现问题反弹" in county.get(f"/rectify/{case.pk}/").content.decode()


def test_the_branch_sees_its_case_works_its_plan_but_has_no_check_or_close(login, region, case, town_user):
    birch = persona("birch_secretary", region.birch, Role.EDIT)
    client = login(birch)
    detail = client.get(f"/rectify/{case.pk}/").content.decode()
    assert "新增整改措施" in detail and "乡镇初验" not in detail and "设置包扶责任人" not in detail
    assert client.get(f"/rectify/{case.pk}/town-check/").status_code == 404
    assert client.post(f"/rectify/{case.pk}/close/", {"opinion": "x"}).status_code == 404
    assert client.post(f"/rectify/{case.pk}/supporters/", {}).status_code == 404
    assert client.get("/rectify/new/").status_code == 404


def test_a_bad_form_is_refused_in_chinese_and_nothing_is_written(login, case, town_user):
    client = login(town_user)
    response = client.post(f"/rectify/{case.pk}/measures/add/", {"problem": "", "action": "a", "responsible": "r"})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()
    response = client.post(
        f"/rectify/{case.pk}/measures/add/",
        {"problem": "p", "action": "a", "responsible": "r", "deadline": "2027-05-01", "responsible_username": "无此人"},
    )
    assert response.status_code == 400 and "未找到该账号" in response.content.decode()
    assert not case.measures.exists()
    measure = services.add_measure(
        case, actor=town_user, problem="p", action="a", responsible="r", deadline=datetime.date(2027, 5, 1)
    )
    bad = SimpleUploadedFile("病毒.exe", b"MZ")
    response = client.post(
        f"/rectify/measures/{measure.pk}/entries/add/", {"date": "2027-02-01", "content": "x", "files": [bad]}
    )
    assert response.status_code == 400 and "只接受 PDF、图片" in response.content.decode()
    assert not measure.entries.exists()
    assert measure.status == MeasureStatus.OPEN


def test_opening_a_case_by_hand_from_an_inspection(login, region, county_user):
    client = login(county_user)
    assert client.get("/rectify/new/").status_code == 200
    response = client.post(
        "/rectify/new/",
        {"org_code": "T-VILLAGE", "year": "2027", "source": "inspection", "note": "督查发现党费未按时收缴"},
    )
    case = Case.objects.get(org=region.village)
    assert response.status_code == 302 and case.source == "inspection" and case.reasons == ["督查发现党费未按时收缴"]
    response = client.post(
        "/rectify/new/", {"org_code": "T-SVILLAGE", "year": "2027", "source": "manual", "note": "跨县"}
    )
    assert response.status_code == 400 and "不存在" in response.content.decode()
    assert "南岭" not in response.content.decode()


def test_the_ledger_rolls_up_per_level(login, case, region, county_user, town_user):
    services.add_measure(
        case, actor=town_user, problem="p", action="a", responsible="r", deadline=datetime.date(2027, 2, 1)
    )
    county = login(county_user)
    body = county.get("/rectify/ledger/").content.decode()
    assert "整改台账 · 漠北县委" in body and "松岭镇党委" in body and "白桦村党支部" not in body.split("未销号案件")[0]
    body = county.get(f"/rectify/ledger/{region.town.pk}/").content.decode()
    assert "白桦村党支部" in body
    rows = county.get(f"/rectify/ledger/{region.town.pk}/").context["rows"]
    birch = next(r for r in rows if r["label"] == "白桦村党支部")
    assert (birch["cases_open"], birch["measures_open"], birch["measures_overdue"]) == (1, 1, 1)
    assert login(town_user).get(f"/rectify/ledger/{region.north.pk}/").status_code == 404


def test_opening_the_cases_of_a_published_assessment_again_is_harmless(login, case, county_user):
    response = login(county_user).post(f"/rectify/assessment/{case.assessment_id}/open/")
    assert response.status_code == 302 and Case.objects.count() == 1


def test_roll_over_through_the_page(login, case, county_user):
    response = login(county_user).post("/rectify/rollover/", {"year": "2026"})
    assert response.status_code == 302
    assert Case.objects.filter(year=2027, rolled_from=case).exists()


def test_the_overdue_filter_finds_a_case_with_a_late_measure(login, case, county_user, town_user):
    client = login(county_user)
    assert "白桦村党支部" not in client.get("/rectify/?overdue=true").content.decode()
    services.add_measure(
        case, actor=town_user, problem="p", action="a", responsible="r", deadline=datetime.date(2027, 2, 1)
    )
    body = client.get("/rectify/?overdue=true").content.decode()
    assert "白桦村党支部" in body and 'class="weak"' in body
