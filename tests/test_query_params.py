"""Numbers in the query string that no database column can hold, or that are no whole number: 400 with the reason in
Chinese (a page, or JSON on the API), never a server error. Before, each of the four addresses of the report ended
in a 500: SQLite and PostgreSQL hold signed 64-bit integers, and the value went to the query as it was."""

import pytest
from django.test import Client

HUGE = "99999999999999999999999"


@pytest.fixture
def client(branch_secretary):
    # The report's requests would raise inside the test client rather than answer 500: let them answer.
    client = Client(raise_request_exception=False)
    client.force_login(branch_secretary)
    return client


def test_a_tree_offset_too_large_for_the_database_is_refused_with_400(client, region):
    response = client.get(f"/orgs/{region.village.pk}/children/?offset={HUGE}")
    assert response.status_code == 400
    assert "参数“offset”应为 0 到 9223372036854775807 之间的整数。" in response.content.decode()


def test_a_case_list_assessment_too_large_for_the_database_is_refused_with_400(client):
    response = client.get(f"/rectify/?assessment={HUGE}")
    assert response.status_code == 400
    assert "筛选条件有误：考核：确保该值小于或等于9223372036854775807。" in response.content.decode()


def test_an_api_parent_just_past_the_bigint_range_is_refused_with_400(client):
    response = client.get("/api/orgs/?parent=9223372036854775808")
    assert response.status_code == 400
    assert response.json() == {"parent": ["确保该值小于或等于9223372036854775807。"]}


def test_an_api_assessment_written_as_a_huge_float_is_refused_with_400(client):
    response = client.get("/api/cases/?assessment=-1.9e70")
    assert response.status_code == 400
    assert response.json() == {"assessment": ["输入整数。"]}


@pytest.mark.parametrize("page", [HUGE, "abc", "0", "-1"])
def test_a_page_number_that_is_no_page_is_refused_with_400_on_pages_and_api(client, page):
    response = client.get(f"/members/?page={page}")
    assert response.status_code == 400
    assert "参数“page”应为 1 到 9223372036854775807 之间的整数。" in response.content.decode()
    response = client.get(f"/api/members/?page={page}")
    assert response.status_code == 400
    assert response.json() == {"detail": "参数“page”应为 1 到 9223372036854775807 之间的整数。"}


def test_a_page_past_the_last_shows_the_last_page_and_the_api_answers_404(client):
    response = client.get("/members/?page=99")
    assert response.status_code == 200 and response.context["page"].number == 1
    assert client.get("/api/members/?page=99").json() == {"detail": "无效页面。"}


def test_a_filter_the_page_cannot_read_is_refused_rather_than_ignored(client):
    """django-filter leaves an invalid filter out: `?org=abc` showed every member as if no organization was named."""
    response = client.get("/members/?org=abc")
    assert response.status_code == 400
    assert "筛选条件有误：所在组织（含下级）：输入整数。" in response.content.decode()
    assert "王春生" not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        f"/members/?org={HUGE}",
        f"/api/members/?org={HUGE}",
        f"/sheets/export/orgs/?parent={HUGE}",
        f"/api/cases/?year={HUGE}",
        f"/accountability/?year={HUGE}",
        f"/api/accountability/records/?year={HUGE}",
        f"/api/assessments/?year={HUGE}",
        f"/orgs/new/?parent={HUGE}",
        f"/members/new/?org={HUGE}",
        f"/accountability/commendations/?year={HUGE}",
        "/api/orgs/?parent=-9223372036854775809",
    ],
)
def test_every_integer_parameter_is_bounded_to_the_database(client, url):
    assert client.get(url).status_code == 400


def test_an_unmatched_api_address_answers_json(client):
    response = client.get("/api/assessments/abc/results/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该页面或记录，或它不在您的数据范围内。"}


@pytest.mark.parametrize("path", ["/api/problems/", "/api/opinions/"])
def test_a_year_no_date_can_hold_is_refused_with_400_not_a_server_error(client, path):
    response = client.get(f"{path}?year=0")
    assert response.status_code == 400
    assert response.json() == {"year": ["确保该值大于或等于2000。"]}
    assert client.get(f"{path}?year=2026").status_code == 200


@pytest.mark.parametrize("path", ["/problems/", "/opinions/"])
def test_a_page_filtered_by_a_year_no_date_can_hold_is_refused_with_400(client, path):
    response = client.get(f"{path}?year=10000")
    assert response.status_code == 400
    assert "确保该值小于或等于2100。" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/api/opinions/", "/api/problems/", "/api/inspections/draws/", "/api/inspections/visits/", "/opinions/"],
)
@pytest.mark.parametrize("year, message", [("0", "确保该值大于或等于2000。"), ("10000", "确保该值小于或等于2100。")])
def test_a_year_of_a_date_outside_2000_to_2100_is_refused_with_400(client, url, year, message):
    # The databases' date functions take no year 0 or 10000: the filter was a server error on the API.
    response = client.get(f"{url}?year={year}")
    assert response.status_code == 400
    assert message in response.content.decode()
