"""Accountability pages, export and API: what each level sees and may do, the block in the form, other counties 404."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from dangjian.accountability import services
from dangjian.accountability.choices import RecordKind
from dangjian.accountability.models import ChiefRating, Commendation, Proposal, Record
from dangjian.core.models import AuditLog
from dangjian.orgs.models import Workstation

pytestmark = pytest.mark.django_db


def talk(org, actor, name, **extra):
    fields = {"kind": RecordKind.TALK, "date": datetime.date(2026, 5, 8), "reason": "三会一课长期不落实"} | extra
    return services.record_accountability(actor=actor, org=org, person_name=name, person_post="书记", **fields)


@pytest.fixture
def records(region):
    """One talk in each county, recorded by the system."""
    return talk(region.village, None, "王春生"), talk(region.south_village, None, "欧阳南风", reason="南岭事由")


@pytest.fixture
def station(region):
    return Workstation.objects.create(name="松岭第一工作站", code="T-WS1", town=region.town, chief_name="周站长")


def test_the_list_shows_the_own_county_only_and_filters(region, records, login, county_user, outsider):
    body = login(county_user).get("/accountability/").content.decode()
    assert "王春生" in body and "欧阳南风" not in body and "南岭" not in body
    assert "记录约谈、诫勉谈话或免职" in body
    filtered = login(county_user).get("/accountability/?kind=removal").content.decode()
    assert "王春生" not in filtered
    by_org = login(county_user).get("/accountability/?org_code=T-BIRCH&year=2026").content.decode()
    assert "王春生" not in by_org
    assert "欧阳南风" in login(outsider).get("/accountability/").content.decode()


def test_another_countys_record_is_404(region, records, login, county_user):
    assert login(county_user).get(f"/accountability/{records[1].pk}/").status_code == 404
    page = login(county_user).get(f"/accountability/{records[0].pk}/")
    assert page.status_code == 200 and "2026 年度不得提拔或表彰" in page.content.decode()


def test_the_county_records_a_talk_through_the_form(region, login, county_user):
    response = login(county_user).post(
        "/accountability/new/",
        {
            "org_code": "T-VILLAGE",
            "person_name": "王春生",
            "person_post": "党支部书记",
            "kind": "talk",
            "date": "2026-06-01",
            "reason": "组织生活不正常",
            "for_party_duty": "on",
        },
    )
    rec = Record.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/accountability/{rec.pk}/"
    assert (rec.org, rec.year, rec.recorded_by, rec.blocks) == (region.village, 2026, county_user, True)


def test_the_form_refuses_a_user_below_the_deciding_level_and_other_counties(region, login, town_user, outsider):
    data = {"org_code": "T-VILLAGE", "person_name": "王春生", "kind": "talk", "date": "2026-06-01", "reason": "x"}
    response = login(town_user).post("/accountability/new/", data)
    assert response.status_code == 400 and "上级党组织" in response.content.decode()
    response = login(outsider).post("/accountability/new/", data)
    assert response.status_code == 400 and "不在您的数据范围内" in response.content.decode()
    response = login(town_user).post("/accountability/new/", {"person_name": "王春生", "kind": "talk"})
    assert response.status_code == 400 and "请填写所在党组织编码" in response.content.decode()
    assert not Record.objects.exists()


def test_the_person_page_shows_the_block(region, records, login, county_user):
    body = login(county_user).get("/accountability/person/?q=王春生&org_code=T-TOWN").content.decode()
    assert "2026 年度不得提拔或表彰" in body and f"问责记录第 {records[0].pk} 号" in body
    clear = login(county_user).get("/accountability/person/?q=李秋实").content.decode()
    assert "不受此限制" in clear
    hidden = login(county_user).get("/accountability/person/?q=欧阳南风").content.decode()
    assert "南岭事由" not in hidden and "不受此限制" in hidden


def test_the_commendation_form_warns_on_check_and_refuses_on_save(region, records, login, town_user):
    client = login(town_user)
    check = client.get("/accountability/commendations/new/?person_name=王春生&org_code=T-VILLAGE&year=2026&check=1")
    body = check.content.decode()
    assert check.status_code == 200 and "2026 年度不得提拔或表彰" in body and f"第 {records[0].pk} 号" in body
    assert 'value="王春生"' in body  # the check fills the form below
    fine = client.get("/accountability/commendations/new/?person_name=李秋实&org_code=T-VILLAGE&year=2026&check=1")
    assert "未见限制" in fine.content.decode()

    data = {"org_code": "T-VILLAGE", "person_name": "王春生", "year": "2026", "kind": "promotion", "reason": "拟提拔"}
    response = client.post("/accountability/commendations/new/", data)
    assert response.status_code == 400 and "2026 年度不得提拔" in response.content.decode()
    assert not Commendation.objects.exists()
    response = client.post("/accountability/commendations/new/", data | {"person_name": "李秋实"})
    assert response.status_code == 302 and Commendation.objects.get().person_name == "李秋实"


def test_the_commendation_check_says_nothing_of_another_county(region, records, login, town_user):
    url = "/accountability/commendations/new/?person_name=欧阳南风&org_code=T-SVILLAGE&year=2026&check=1"
    body = login(town_user).get(url).content.decode()
    assert "不在您的数据范围内" in body
    assert "南岭事由" not in body and "年度不得提拔" not in body


def test_proposals_are_generated_confirmed_and_dismissed_through_the_pages(region, login, county_user, station):
    client = login(county_user)
    response = client.post(
        "/accountability/ratings/new/", {"workstation_code": "T-WS1", "year": "2026", "rating": "basic"}
    )
    assert response.status_code == 302
    assert ChiefRating.objects.get().chief_name == "周站长"  # the registered chief when left blank
    proposal = Proposal.objects.get()
    assert "诫勉谈话" in client.get("/accountability/proposals/").content.decode()
    assert client.post("/accountability/proposals/generate/", {"year": "2026"}).status_code == 302
    assert Proposal.objects.count() == 1

    page = client.get(f"/accountability/proposals/{proposal.pk}/").content.decode()
    assert "确认并生成问责记录" in page
    response = client.post(f"/accountability/proposals/{proposal.pk}/dismiss/", {"reason": ""})
    assert response.status_code == 400 and "不予采纳须写明理由" in response.content.decode()
    response = client.post(f"/accountability/proposals/{proposal.pk}/confirm/", {"date": "2026-12-20"})
    assert response.status_code == 302
    rec = Record.objects.get()
    assert (rec.kind, rec.person_name, rec.workstation) == (RecordKind.ADMONITION, "周站长", station)


def test_a_user_who_may_not_decide_sees_no_decision_forms_and_changes_nothing(region, login, town_user, station):
    services.rate_chief(actor=None, workstation=station, year=2026, chief_name="周站长", rating="basic")
    proposal = Proposal.objects.get()
    client = login(town_user)
    page = client.get(f"/accountability/proposals/{proposal.pk}/").content.decode()
    assert "确认并生成问责记录" not in page and "待其上级党组织" in page
    client.post(f"/accountability/proposals/{proposal.pk}/confirm/", {"date": "2026-12-20"})
    assert Proposal.objects.get().pending and not Record.objects.exists()
    response = client.post(
        "/accountability/ratings/new/", {"workstation_code": "T-WS1", "year": "2026", "rating": "competent"}
    )
    assert response.status_code == 400 and "不在您的管理范围内" in response.content.decode()


def test_generating_from_another_countys_assessment_is_refused(region, login, county_user):
    response = login(county_user).post("/accountability/proposals/generate/", {"assessment": "999"})
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_the_export_holds_the_filtered_records_and_is_audited(region, records, login, county_user):
    talk(region.birch, None, "孙白桦", kind=RecordKind.ADMONITION)
    response = login(county_user).get("/accountability/records.xlsx?kind=talk")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "问责记录" and "问责方式：约谈" in rows[1][0]
    assert [r[2] for r in rows[3:]] == ["王春生"]
    assert AuditLog.objects.filter(action="export", detail__startswith="问责记录").exists()


def test_the_api_lists_records_and_proposals_within_scope(region, records, login, county_user, station):
    services.rate_chief(actor=None, workstation=station, year=2026, chief_name="周站长", rating="basic")
    client = login(county_user)
    data = client.get("/api/accountability/records/").json()
    assert [r["person_name"] for r in data["results"]] == ["王春生"]
    assert data["results"][0]["blocks"] is True
    assert client.get(f"/api/accountability/records/{records[1].pk}/").status_code == 404
    proposals = client.get("/api/accountability/proposals/?status=pending").json()["results"]
    assert [p["person_name"] for p in proposals] == ["周站长"]


def test_a_record_names_its_case_and_a_case_of_another_county_cannot_be_chosen(region, login, county_user):
    from dangjian.rectify.models import Case

    own = Case.objects.create(org=region.village, year=2026, source="manual")
    other = Case.objects.create(org=region.south_village, year=2026, source="manual")
    data = {
        "org_code": "T-VILLAGE",
        "person_name": "王春生",
        "kind": "talk",
        "date": "2026-06-01",
        "reason": "整改不力",
    }
    client = login(county_user)
    response = client.post("/accountability/new/", data | {"case": other.pk})
    assert response.status_code == 400 and not Record.objects.exists()
    response = client.post("/accountability/new/", data | {"case": own.pk})
    assert response.status_code == 302 and Record.objects.get().case == own
    assert "2026 青松村党支部" in client.get(response["Location"]).content.decode()
