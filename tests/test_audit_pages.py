"""The auditor's pages: search, detail with a diff, export and the chain check — for auditors, within their scope,
and a 404 for everyone else."""

import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.accounts.duties import Duty
from dangjian.accounts.models import Role
from dangjian.accounts.services import assign_duty
from dangjian.core.audit import record
from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.models import Member
from dangjian.members.services import update_member

from conftest import PASSWORD, persona

pytestmark = pytest.mark.django_db


def duty_holder(username, org, duty=Duty.AUDITOR, role=Role.READ):
    user = persona(username, org, role)
    assign_duty(user, duty, actor=None)
    return user


@pytest.fixture
def north_auditor(region):
    """Audits 漠北县: sees its records and its users' logins, nothing of 南岭县."""
    return duty_holder("north_auditor", region.north)


@pytest.fixture
def south_auditor(region):
    return duty_holder("south_auditor", region.south)


@pytest.fixture
def city_auditor(region):
    return duty_holder("city_auditor", region.city)


def body(response):
    return response.content.decode()


def listed(client, query=""):
    response = client.get(f"/audit/{query}")
    assert response.status_code == 200
    return response


def seqs(response):
    return [row.seq for row in response.context["rows"]]


# ------------------------------------------------------------------ who may look


def test_the_auditor_sees_the_records_of_their_county(login, north_auditor, region):
    page = body(listed(login(north_auditor)))
    assert "青松村党支部" in page and "漠北县委" in page
    assert "南岭" not in page


def test_an_auditor_of_one_county_sees_nothing_of_the_other(login, south_auditor, north_auditor, region):
    client = login(south_auditor)
    page = body(listed(client))
    assert "南岭村党支部" in page
    for name in ("漠北县委", "青松村党支部", "王春生", "north_auditor"):
        assert name not in page
    north_entry = AuditLog.objects.filter(org_path__startswith=region.north.path).first()
    assert client.get(f"/audit/{north_entry.pk}/").status_code == 404
    assert seqs(listed(client, "?org_code=T-VILLAGE")) == []
    assert "不存在或不在您的数据范围内" in body(listed(client, "?org_code=T-VILLAGE"))


def test_logins_without_an_organization_are_seen_by_the_auditor_of_the_users_scope(
    login, north_auditor, south_auditor, city_auditor, county_user
):
    for username, password in [("county_user", PASSWORD), ("county_user", "错误的密码-1"), ("ghost", "错误的密码-1")]:
        Client().post("/accounts/login/", {"username": username, "password": password})
    query = "?action=login&user=county_user"
    assert len(seqs(listed(login(north_auditor), query))) == 1
    assert seqs(listed(login(south_auditor), query)) == []
    failed = "?action=login_failed"
    assert [r.username for r in listed(login(north_auditor), failed).context["rows"]] == ["county_user"]
    assert seqs(listed(login(south_auditor), failed)) == []
    # An unknown account belongs to no county: only an auditor of the whole region sees it.
    assert {r.username for r in listed(login(city_auditor), failed).context["rows"]} == {"county_user", "ghost"}


@pytest.mark.parametrize("who", ["security_admin", "data_manager", "city_admin"])
def test_everyone_but_an_auditor_gets_404(login, region, city_admin, county_user, who):
    user = {
        "security_admin": lambda: duty_holder("sec", region.city, Duty.SECADMIN),
        "data_manager": lambda: county_user,
        "city_admin": lambda: city_admin,
    }[who]()
    client = login(user)
    entry = AuditLog.objects.first()
    for url in ("/audit/", f"/audit/{entry.pk}/", "/audit/export/"):
        assert client.get(url).status_code == 404, url
    assert client.post("/audit/verify/").status_code == 404
    assert "审计日志" not in body(client.get("/"))


def test_anonymous_visitors_are_sent_to_login(region):
    entry = AuditLog.objects.first()
    for url in ("/audit/", f"/audit/{entry.pk}/", "/audit/export/", "/audit/verify/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert Client().post("/audit/verify/").status_code == 302


def test_the_auditor_has_a_navigation_link_and_no_way_to_change_anything(login, north_auditor):
    client = login(north_auditor)
    assert 'href="/audit/"' in body(client.get("/"))
    entry = AuditLog.objects.restrict(north_auditor).first()
    before = AuditLog.objects.count()
    assert client.post("/audit/", {"detail": "改"}).status_code == 405
    assert client.post(f"/audit/{entry.pk}/", {"detail": "改"}).status_code == 405
    assert client.get("/audit/verify/").status_code == 405
    assert AuditLog.objects.count() == before  # reading is not recorded either


# ------------------------------------------------------------------ search


def test_search_filters_narrow_the_list(login, north_auditor, region, county_user):
    client = login(north_auditor)
    record(AuditAction.EXPORT, actor=county_user, org=region.village, success=False, detail="导出青松村名册失败")
    assert {r.action for r in listed(client, "?action=create").context["rows"]} == {"create"}
    assert [r.detail for r in listed(client, "?success=0&action=export").context["rows"]] == ["导出青松村名册失败"]
    assert {r.username for r in listed(client, "?user=county").context["rows"]} == {"county_user"}
    assert all(r.org_path.startswith(region.town.path) for r in listed(client, "?org_code=T-TOWN").context["rows"])
    birch = listed(client, "?object=白桦").context["rows"]
    assert birch and all("白桦" in r.object_repr for r in birch)
    assert [r.detail for r in listed(client, "?q=名册").context["rows"]] == ["导出青松村名册失败"]
    assert listed(client, "?ip=10.9.").context["rows"] == []


def test_search_by_address_and_time_range(login, north_auditor, region):
    client = login(north_auditor)
    old_day = timezone.localdate() - datetime.timedelta(days=30)
    with time_machine.travel(timezone.make_aware(datetime.datetime.combine(old_day, datetime.time(10)))):
        Client(REMOTE_ADDR="10.9.8.7").post("/accounts/login/", {"username": "north_auditor", "password": "x"})
    rows = listed(client, "?ip=10.9.").context["rows"]
    assert [(r.action, r.ip) for r in rows] == [("login_failed", "10.9.8.7")]
    day = old_day.isoformat()
    assert len(listed(client, f"?start={day}&end={day}").context["rows"]) == 1
    assert listed(client, f"?end={(old_day - datetime.timedelta(days=1)).isoformat()}").context["rows"] == []


def test_bad_search_input_shows_a_chinese_message_and_no_rows(login, north_auditor):
    client = login(north_auditor)
    response = listed(client, "?start=昨天")
    assert response.context["rows"] == [] and "开始日期：" in body(response)
    response = listed(client, "?start=2026-02-01&end=2026-01-01")
    assert response.context["rows"] == [] and "开始日期不能晚于结束日期" in body(response)
    response = listed(client, "?action=nonsense")
    assert response.context["rows"] == [] and "操作：" in body(response)


def test_the_list_is_paginated(login, north_auditor, region):
    for i in range(60):
        record(AuditAction.UPDATE, org=region.village, detail=f"批量{i}")
    client = login(north_auditor)
    first = listed(client, "?q=批量")
    assert len(first.context["rows"]) == 50 and "第 1 / 2 页" in body(first)
    assert len(listed(client, "?q=批量&page=2").context["rows"]) == 10


# ------------------------------------------------------------------ detail


def test_the_detail_shows_before_and_after_side_by_side(login, north_auditor, region, county_user):
    member = Member.objects.get(name="王春生")
    update_member(member, actor=county_user, job="村会计")
    entry = AuditLog.objects.filter(action=AuditAction.UPDATE, object_id=str(member.pk)).latest("seq")
    response = login(north_auditor).get(f"/audit/{entry.pk}/")
    assert response.status_code == 200
    changed = {line["field"]: line for line in response.context["lines"] if line["changed"]}
    assert set(changed) <= {"job", "updated_at"}
    assert (changed["job"]["before"], changed["job"]["after"]) == ("", "村会计")
    page = body(response)
    assert f"修改前后对比（{len(changed)} 项变化）" in page and 'class="changed"' in page and entry.hash in page
    assert "99010119800101" not in page  # the ID number is never in an audit record


def test_an_unknown_record_is_404(login, north_auditor):
    assert login(north_auditor).get("/audit/999999/").status_code == 404


# ------------------------------------------------------------------ chain status


def test_the_chain_is_checked_only_on_request(login, north_auditor):
    client = login(north_auditor)
    assert "尚未校验" in body(listed(client))
    response = client.post("/audit/verify/?action=create")
    last = AuditLog.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert response.status_code == 200
    assert f"哈希链校验通过，截至第 {last - 1} 条" in body(response)
    assert {r.action for r in response.context["rows"]} == {"create"}  # the search stays as it was
    entry = AuditLog.objects.get(seq=last)
    assert entry.action == AuditAction.AUDIT_VERIFY and entry.user == north_auditor


def test_the_chain_status_lists_the_breaks(login, north_auditor):
    target = AuditLog.objects.order_by("seq")[3]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET username = 'someone' WHERE id = %s", [target.pk])
    page = body(login(north_auditor).post("/audit/verify/"))
    assert "校验未通过：发现 1 处问题" in page
    assert f"第 {target.seq} 条（编号 {target.pk}）：内容与哈希不符（记录被修改）" in page


# ------------------------------------------------------------------ export


def test_export_writes_the_current_search_and_is_audited(login, north_auditor, region):
    client = login(north_auditor)
    response = client.get("/audit/export/?action=create&org_code=T-TOWN")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "审计日志" and "操作：新增" in rows[1][0]
    header, data = rows[2], rows[3:]
    assert header[:5] == ("序号", "时间", "用户", "地址", "操作")
    names = {row[8] for row in data}
    assert {"松岭镇党委", "青松村党支部", "白桦村党支部"} <= names
    assert not any("南岭" in str(cell) for row in data for cell in row)
    export = AuditLog.objects.filter(action=AuditAction.EXPORT).get()
    assert export.user == north_auditor and export.org_path == region.town.path
    assert f"共 {len(data)} 行" in export.detail


def test_export_refuses_an_organization_out_of_scope(login, north_auditor):
    client = login(north_auditor)
    response = client.get("/audit/export/?org_code=T-SVILLAGE", follow=True)
    assert "不存在或不在您的数据范围内" in body(response)
    response = client.get("/audit/export/?start=坏日期", follow=True)
    assert "筛选条件有误" in body(response)
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()
