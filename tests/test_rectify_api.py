"""The rectification API: cases within scope with the list page's filters, one case with its plan, supporters, funds,
ledger and history; another county's case is 404 like a missing one; nothing can be written through it."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dangjian.rectify import services
from dangjian.rectify.models import Case, CaseSource, CaseStatus, SupporterRole, WeaknessKind

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def cases(region, county_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    village = services.open_case(
        region.village,
        year=2026,
        source=CaseSource.MANUAL,
        actor=county_user,
        reasons=["班子不团结"],
        kind=WeaknessKind.SOFT,
    )
    late = services.add_measure(
        village,
        actor=county_user,
        problem="班子不团结",
        action="调整班子",
        responsible="王春生",
        deadline=today - datetime.timedelta(days=3),
    )
    services.add_measure(
        village,
        actor=county_user,
        problem="制度不落实",
        action="建立三会一课台账",
        responsible="李秋实",
        deadline=today + datetime.timedelta(days=30),
    )
    services.add_entry(
        late,
        actor=county_user,
        date=today,
        content="已召开班子会议",
        files=[SimpleUploadedFile("会议记录.txt", "会议记录".encode())],
    )
    services.add_fund(village, actor=county_user, amount="50000", source="县财政", date=today)
    services.add_fund(village, actor=county_user, amount="1234.56", source="帮扶单位", date=today)
    services.set_supporter(village, SupporterRole.FIRST_SECRETARY, actor=county_user, name="刘第一", unit="县委办")
    birch = services.open_case(
        region.birch,
        year=2025,
        source=CaseSource.MANUAL,
        actor=county_user,
        reasons=["集体经济空壳"],
        kind=WeaknessKind.POOR,
    )
    south = services.open_case(
        region.south_village, year=2026, source=CaseSource.MANUAL, actor=None, reasons=["南岭问题"]
    )
    return {"village": village, "birch": birch, "south": south}


def names(response) -> list[str]:
    return [row["org_name"] for row in response.json()["results"]]


def test_the_list_shows_the_cases_in_scope_with_their_progress(county_user, cases, login):
    response = login(county_user).get("/api/cases/")
    assert response.status_code == 200
    assert names(response) == ["青松村党支部", "白桦村党支部"]  # newest year first; never 南岭村
    row = response.json()["results"][0]
    assert row["status"] == CaseStatus.OPEN and row["status_display"] == "整改中"
    assert row["kind_display"] == "班子软弱（软）" and row["reasons"] == ["班子不团结"]
    assert (row["measures_total"], row["measures_done"], row["measures_overdue"]) == (2, 0, 1)
    assert row["funds_total"] == "51234.56"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("year=2026", ["青松村党支部"]),
        ("year=2025", ["白桦村党支部"]),
        ("kind=poor", ["白桦村党支部"]),
        ("status=closed", []),
        ("overdue=true", ["青松村党支部"]),
        ("overdue=false", ["白桦村党支部"]),
        ("org_code=T-BIRCH", ["白桦村党支部"]),
        ("org_code=T-TOWN", ["青松村党支部", "白桦村党支部"]),
        ("org_code=T-SVILLAGE", []),  # another county's code narrows to nothing
        ("search=青松", ["青松村党支部"]),
    ],
)
def test_the_list_filters_like_the_list_page(county_user, cases, login, query, expected):
    assert names(login(county_user).get(f"/api/cases/?{query}")) == expected


def test_a_bad_filter_is_refused_in_chinese(county_user, cases, login):
    response = login(county_user).get("/api/cases/?status=nonsense")
    assert response.status_code == 400
    assert "status" in response.json()


def test_one_case_carries_plan_supporters_funds_ledger_and_history(county_user, cases, login):
    response = login(county_user).get(f"/api/cases/{cases['village'].pk}/")
    assert response.status_code == 200
    case = response.json()
    assert case["org_code"] == "T-VILLAGE" and case["parent_name"] == "松岭镇党委"
    assert [m["action"] for m in case["measures"]] == ["调整班子", "建立三会一课台账"]
    entry = case["measures"][0]["entries"][0]
    assert entry["content"] == "已召开班子会议" and entry["author"] == "county_user"
    assert entry["files"][0]["original_name"] == "会议记录.txt"
    assert entry["files"][0]["url"].startswith("/rectify/files/")
    assert case["supporters"] == [
        {
            "role": "first_secretary",
            "role_display": "驻村第一书记",
            "name": "刘第一",
            "unit": "县委办",
            "notified_at": None,
        }
    ]
    assert sorted(f["amount"] for f in case["funds"]) == ["1234.56", "50000.00"]
    assert case["history"][0]["kind"] == "opened" and case["history"][0]["kind_display"] == "立案"


def test_another_county_s_case_is_404_like_a_missing_one(outsider, county_user, cases, login):
    client = login(outsider)
    for pk in (cases["village"].pk, 999999):
        response = client.get(f"/api/cases/{pk}/")
        assert response.status_code == 404
        assert "青松" not in response.content.decode()
    assert names(client.get("/api/cases/")) == ["南岭村党支部"]
    assert names(login(county_user).get("/api/cases/")) == ["青松村党支部", "白桦村党支部"]


def test_a_branch_secretary_sees_only_the_own_case(branch_secretary, cases, login):
    client = login(branch_secretary)
    assert names(client.get("/api/cases/")) == ["青松村党支部"]
    assert client.get(f"/api/cases/{cases['birch'].pk}/").status_code == 404


def test_nothing_can_be_written_through_the_api(county_user, cases, login):
    client = login(county_user)
    url = f"/api/cases/{cases['village'].pk}/"
    for method in (client.put, client.patch, client.delete):
        assert method(url, data={"status": "closed"}, content_type="application/json").status_code in (403, 405)
    assert client.post("/api/cases/", data={"org_code": "T-BIRCH"}, content_type="application/json").status_code in (
        403,
        405,
    )
    assert Case.objects.get(pk=cases["village"].pk).status == CaseStatus.OPEN


def test_the_list_takes_a_fixed_number_of_queries(county_user, cases, login, django_assert_max_num_queries):
    client = login(county_user)
    client.get("/api/cases/")  # warm the session and the scope
    with django_assert_max_num_queries(8):
        client.get("/api/cases/")


def test_the_schema_describes_the_cases(county_user, login):
    schema = login(county_user).get("/api/schema/?format=json").json()
    assert "/api/cases/" in schema["paths"] and "/api/cases/{id}/" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/cases/"]["get"]["parameters"]}
    assert {"year", "status", "kind", "overdue", "org_code", "search"} <= parameters
