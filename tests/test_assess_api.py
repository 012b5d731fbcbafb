"""The assessment through the API: assessments and schemes in scope, results only when the pages show them,
filters, one organization's explanation, raters' entries with the services' checks, and a schema without warnings."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.pagination import PageNumberPagination

from dangjian.accounts.tokens import issue_token
from dangjian.assess import services
from dangjian.assess.models import Entry, Participant
from dangjian.core.models import AuditLog
from dangjian.flows.publishing import publish_assessment
from schemes import COUNTY_SCHEME as SCHEME

pytestmark = pytest.mark.django_db

CUTOFF = datetime.date(2026, 12, 31)


def api(user) -> Client:
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {issue_token(user, actor=user)[1]}"
    return client


@pytest.fixture
def assessment(region, county_user, town_user):
    """漠北县's assessment, run: 青松村 98 points (A), 白桦村 60 (C, weak by the 15% floor)."""
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    assessment = services.open_assessment(actor=county_user, scheme=scheme, root=region.north, cutoff=CUTOFF)
    services.enter(assessment.participants.get(code="T-VILLAGE"), "G01", "78", actor=town_user)
    services.enter(assessment.participants.get(code="T-BIRCH"), "G01", "50", actor=town_user)
    services.run_assessment(assessment, actor=county_user)
    return assessment


@pytest.fixture
def south_assessment(region, outsider):
    """南岭县's own assessment: nothing of it may reach 漠北县's users."""
    text = SCHEME.replace("漠北县", "南岭县")
    scheme = services.save_scheme(actor=outsider, owner=region.south, text=text)
    assessment = services.open_assessment(actor=outsider, scheme=scheme, root=region.south, cutoff=CUTOFF)
    services.run_assessment(assessment, actor=outsider)
    return assessment


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["results"]]


def test_assessments_are_listed_within_the_scope_only(assessment, south_assessment, county_user, outsider):
    listed = api(county_user).get("/api/assessments/").json()["results"]
    assert [a["title"] for a in listed] == [assessment.title]
    item = listed[0]
    assert (item["root_code"], item["year"], item["status"], item["cutoff"]) == (
        "T-NORTH",
        2026,
        "collecting",
        "2026-12-31",
    )
    assert item["digest"] == assessment.__class__.objects.get(pk=assessment.pk).digest and item["published_at"] is None
    assert api(county_user).get(f"/api/assessments/{south_assessment.pk}/").status_code == 404
    assert api(outsider).get(f"/api/assessments/{assessment.pk}/").status_code == 404
    assert api(county_user).get("/api/assessments/", {"year": 2025}).json()["results"] == []


def test_an_assessed_branch_sees_the_assessment_but_its_results_only_once_published(
    assessment, branch_secretary, county_user
):
    client = api(branch_secretary)
    assert client.get(f"/api/assessments/{assessment.pk}/").json()["title"] == assessment.title
    assert client.get(f"/api/assessments/{assessment.pk}/results/").status_code == 404
    assert client.get(f"/api/assessments/{assessment.pk}/results/T-VILLAGE/").status_code == 404
    assert codes(api(county_user).get(f"/api/assessments/{assessment.pk}/results/")) == ["T-VILLAGE", "T-BIRCH"]

    publish_assessment(assessment, actor=county_user)
    assert codes(client.get(f"/api/assessments/{assessment.pk}/results/")) == ["T-VILLAGE"]
    assert client.get(f"/api/assessments/{assessment.pk}/results/T-VILLAGE/").status_code == 200
    assert client.get(f"/api/assessments/{assessment.pk}/results/T-BIRCH/").status_code == 404
    assert client.get(f"/api/assessments/{assessment.pk}/").json()["status"] == "published"


def test_the_other_county_gets_404_for_results_even_once_published(assessment, county_user, outsider):
    publish_assessment(assessment, actor=county_user)
    client = api(outsider)
    assert client.get(f"/api/assessments/{assessment.pk}/results/").status_code == 404
    response = client.get(f"/api/assessments/{assessment.pk}/results/T-VILLAGE/")
    assert response.status_code == 404 and "青松" not in response.content.decode()
    assert client.get("/api/assessments/999999/results/").status_code == 404


def test_results_filter_by_grade_weak_domain_and_group(assessment, county_user):
    client = api(county_user)
    url = f"/api/assessments/{assessment.pk}/results/"
    assert codes(client.get(url, {"grade": "A"})) == ["T-VILLAGE"]
    assert codes(client.get(url, {"weak": "true"})) == ["T-BIRCH"]
    assert codes(client.get(url, {"weak": "false"})) == ["T-VILLAGE"]
    assert codes(client.get(url, {"domain": "village"})) == ["T-VILLAGE", "T-BIRCH"]
    assert codes(client.get(url, {"domain": "community"})) == []
    assert codes(client.get(url, {"group": "village"})) == ["T-VILLAGE", "T-BIRCH"]
    assert codes(client.get(url, {"search": "白桦"})) == ["T-BIRCH"]
    assert client.get(url, {"grade": "E"}).status_code == 400
    birch = client.get(url, {"weak": "true"}).json()["results"][0]
    assert birch == {
        "code": "T-BIRCH",
        "name": "白桦村党支部",
        "domain": "village",
        "domain_display": "农村",
        "group": "village",
        "total": "60.00",
        "rank": 2,
        "reverse_rank": 1,
        "grade": "C",
        "grade_display": "一般",
        "weak": True,
        "reasons": ["倒排进入比例线：农村 2 个 × 15% = 1"],
        "problems": ["班子配备不齐全", "书记业务不达标"],
        "consequences": [],
        "combined": None,
    }


def test_results_are_paginated(assessment, county_user, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "page_size", 1)
    body = api(county_user).get(f"/api/assessments/{assessment.pk}/results/", {"page": 2}).json()
    assert body["count"] == 2 and [r["code"] for r in body["results"]] == ["T-BIRCH"] and body["next"] is None


def test_one_organization_is_explained_line_by_line(assessment, county_user):
    body = api(county_user).get(f"/api/assessments/{assessment.pk}/results/T-VILLAGE/").json()
    assert (body["total"], body["base"], body["grade"], body["rank"]) == ("98.00", "98.00", "A", 1)
    assert (body["parent_code"], body["parent_name"]) == ("T-TOWN", "松岭镇党委")
    assert [line["code"] for line in body["lines"]] == ["T01", "G01", "R01", "V01"]
    assert body["lines"][1] == {
        "code": "G01",
        "name": "工作成效",
        "category": "班子",
        "method": "given",
        "max": "80.00",
        "points": "78.00",
        "source": "评分",
    }


def test_schemes_come_with_their_text_in_scope_only(assessment, south_assessment, county_user, branch_secretary):
    client = api(county_user)
    [item] = client.get("/api/schemes/").json()["results"]
    assert (item["name"], item["owner_code"]) == ("漠北县2026年度考核方案", "T-NORTH") and "text" not in item
    assert client.get(f"/api/schemes/{item['id']}/").json()["text"] == SCHEME
    assert client.get(f"/api/schemes/{south_assessment.scheme_id}/").status_code == 404
    # The scheme belongs to the county: a branch below it is assessed by it but does not read the county's files.
    assert api(branch_secretary).get("/api/schemes/").json()["results"] == []


def post_entry(client, assessment, **body):
    return client.post(f"/api/assessments/{assessment.pk}/entries/", body, content_type="application/json")


def test_a_rater_enters_through_the_api_audited_and_a_blank_value_removes(assessment, town_user):
    client = api(town_user)
    response = post_entry(client, assessment, participant="T-VILLAGE", indicator="G01", value=77.5, note="走访核实")
    assert response.status_code == 201, response.content
    assert (response.json()["points"], response.json()["participant"]) == ("77.50", "T-VILLAGE")
    entry = Entry.objects.get(participant__code="T-VILLAGE", indicator="G01", rater=town_user)
    assert (entry.points, entry.note) == (Decimal("77.50"), "走访核实")
    log = AuditLog.objects.filter(object_type="entry", username="town_user").latest("seq")
    assert (log.action, log.before["points"], Decimal(log.after["points"])) == ("update", "78.00", Decimal("77.5"))

    assert post_entry(client, assessment, participant="T-VILLAGE", indicator="R01", value="2").json()["count"] == 2
    assert post_entry(client, assessment, participant="T-VILLAGE", indicator="V01", value=True).json()["flag"] is True
    assert post_entry(client, assessment, participant="T-VILLAGE", indicator="R01", value="").status_code == 204
    assert not Entry.objects.filter(indicator="R01").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"participant": "T-VILLAGE", "indicator": "G01", "value": "81"}, "分值应在 0 到 80.00 分之间"),
        ({"participant": "T-VILLAGE", "indicator": "G01", "value": "七十"}, "不是数字"),
        ({"participant": "T-VILLAGE", "indicator": "R01", "value": 1.5}, "应填写次数"),
        ({"participant": "T-VILLAGE", "indicator": "T01", "value": "10"}, "由系统数据自动得出"),
        ({"participant": "T-VILLAGE", "indicator": "X99", "value": "10"}, "没有指标 X99"),
        ({"participant": "T-SVILLAGE", "indicator": "G01", "value": "10"}, "不在您可评分的组织之内"),
        ({"participant": "T-VILLAGE", "indicator": "G01", "value": ["10"]}, "录入值应为数字"),
        ({"participant": "T-VILLAGE", "indicator": "G01"}, "该字段是必填项"),
    ],
)
def test_bad_entries_answer_400_in_chinese_and_write_nothing(assessment, town_user, body, message):
    before = list(Entry.objects.order_by("id").values_list("id", "points", "count", "flag"))
    response = post_entry(api(town_user), assessment, **body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Entry.objects.order_by("id").values_list("id", "points", "count", "flag")) == before


def test_an_organization_never_rates_itself_and_the_other_county_cannot_rate_at_all(
    assessment, branch_secretary, outsider, county_user
):
    response = post_entry(api(branch_secretary), assessment, participant="T-VILLAGE", indicator="G01", value="80")
    assert response.status_code == 400 and "不在您可评分的组织之内" in response.content.decode()
    response = post_entry(api(outsider), assessment, participant="T-VILLAGE", indicator="G01", value="80")
    assert response.status_code == 404 and "青松" not in response.content.decode()
    assert list(Entry.objects.values_list("participant__code", "points")) == [
        ("T-VILLAGE", Decimal("78.00")),
        ("T-BIRCH", Decimal("50.00")),
    ]
    publish_assessment(assessment, actor=county_user)
    response = post_entry(api(county_user), assessment, participant="T-VILLAGE", indicator="G01", value="80")
    assert response.status_code == 400 and "考核结果已发布" in response.content.decode()
    assert Participant.objects.get(assessment=assessment, code="T-VILLAGE").entries.get().points == Decimal("78.00")


def test_the_api_offers_no_other_writes(assessment, county_user):
    client = api(county_user)
    assert client.post("/api/assessments/", {"title": "x"}).status_code == 405
    assert client.delete(f"/api/assessments/{assessment.pk}/").status_code == 405
    assert client.get(f"/api/assessments/{assessment.pk}/entries/").status_code == 405


def test_the_assessment_routes_make_a_valid_schema_without_warnings():
    """Generated for the assessment routes alone, so a warning here is this API's own."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    from dangjian import api_urls

    ours = ("assessments", "^assessments", "^schemes")
    patterns = [p for p in [*api_urls.urlpatterns, *api_urls.router.urls] if str(p.pattern).startswith(ours)]
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "drf-spectacular warned about the assessment API"
    validate_schema(schema)
    assert set(schema["paths"]) == {
        "/assessments/",
        "/assessments/{id}/",
        "/assessments/{assessment_pk}/results/",
        "/assessments/{assessment_pk}/results/{code}/",
        "/assessments/{assessment_pk}/entries/",
        "/schemes/",
        "/schemes/{id}/",
    }
    assert "AssessmentStatusEnum" in schema["components"]["schemas"]


def test_the_full_schema_lists_the_assessment_routes():
    body = Client().get("/api/schema/").content.decode()
    for route in ("/api/assessments/{id}/:", "/api/assessments/{assessment_pk}/results/{code}/:", "/api/schemes/:"):
        assert route in body, route
