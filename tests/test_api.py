"""The REST API: tokens, scoped lists with filters, masked members, the schema; and every login attempt audited."""

import pytest
from django.test import Client

from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.models import Member

from conftest import PASSWORD, id_number


@pytest.fixture
def api(county_user):
    client = Client()
    token = client.post("/api/token/", {"username": "county_user", "password": PASSWORD}).json()["token"]
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    return client


def names(response):
    return sorted(item["name"] for item in response.json()["results"])


def test_a_token_is_given_for_the_right_password_only_and_both_are_audited(county_user):
    client = Client()
    good = client.post("/api/token/", {"username": "county_user", "password": PASSWORD})
    assert good.status_code == 200 and len(good.json()["token"]) == 43
    bad = client.post("/api/token/", {"username": "county_user", "password": "wrong"})
    assert bad.status_code == 400 and bad.json()["detail"] == "用户名或密码不正确。"
    assert AuditLog.objects.filter(action=AuditAction.TOKEN, user=county_user).count() == 1
    failed = AuditLog.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (failed.username, failed.success) == ("county_user", False)


def test_org_list_holds_the_scope_only_and_filters(region, api):
    assert names(api.get("/api/orgs/")) == ["松岭镇党委", "漠北县委", "白桦村党支部", "青松村党支部"]
    assert names(api.get("/api/orgs/", {"code": "T-BIRCH"})) == ["白桦村党支部"]
    assert names(api.get("/api/orgs/", {"parent": region.town.pk})) == ["白桦村党支部", "青松村党支部"]
    assert names(api.get("/api/orgs/", {"domain": "village"})) == ["白桦村党支部", "青松村党支部"]
    assert names(api.get("/api/orgs/", {"search": "青松"})) == ["青松村党支部"]
    assert names(api.get("/api/orgs/", {"code": "T-SOUTH"})) == []


def test_org_detail_in_scope_and_out_of_scope(region, api):
    detail = api.get(f"/api/orgs/{region.village.pk}/").json()
    assert (detail["code"], detail["name"]) == ("T-VILLAGE", "青松村党支部")
    assert api.get(f"/api/orgs/{region.south.pk}/").status_code == 404
    assert api.get("/api/orgs/999999/").status_code == 404


def test_members_leave_the_api_masked(region, api):
    response = api.get("/api/members/", {"search": "王春生"})
    [item] = response.json()["results"]
    number = id_number(1)
    assert item["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in response.content.decode()
    assert api.get(f"/api/members/{Member.objects.get(name='欧阳南风').pk}/").status_code == 404


def test_the_api_is_read_only(region, api):
    response = api.post("/api/orgs/", {"name": "新组织"}, content_type="application/json")
    assert response.status_code == 405


def test_without_a_token_the_api_refuses(region):
    assert Client().get("/api/orgs/").status_code in (401, 403)
    assert Client().get("/api/orgs/", HTTP_AUTHORIZATION="Token nonsense").status_code == 401


def test_the_openapi_schema_describes_the_endpoints():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/orgs/" in body and "/api/members/" in body and "/api/token/" in body


def test_page_logins_and_logouts_are_audited(county_user):
    client = Client()
    response = client.post("/accounts/login/", {"username": "county_user", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    client.post("/accounts/login/", {"username": "county_user", "password": PASSWORD})
    client.post("/accounts/logout/")
    sessions = AuditLog.objects.filter(action__in=[AuditAction.LOGIN, AuditAction.LOGIN_FAILED, AuditAction.LOGOUT])
    actions = list(sessions.order_by("id").values_list("action", "success", "username"))
    assert actions == [
        (AuditAction.LOGIN_FAILED, False, "county_user"),
        (AuditAction.LOGIN, True, "county_user"),
        (AuditAction.LOGOUT, True, "county_user"),
    ]


def test_writes_through_a_page_carry_the_request_id_and_address(region, county_user, login):
    client = login(county_user)
    client.post(
        f"/orgs/{region.village.pk}/posts/add/",
        {"post": "organization", "holder_name": "李秋实"},
        REMOTE_ADDR="10.1.2.3",
    )
    entry = AuditLog.objects.get(action=AuditAction.CREATE, object_type="committeepost", user=county_user)
    assert entry.ip == "10.1.2.3" and len(entry.request_id) >= 8
    assert entry.user == county_user and entry.org_path == region.village.path
    assert entry.after["holder_name"] == "李秋实"


def test_the_whole_openapi_schema_validates_without_warnings(tmp_path):
    """Every API of every app in one schema: valid, and no name collisions drf-spectacular would paper over."""
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/cases/" in out.read_text() and "/api/assessments/" in out.read_text()
