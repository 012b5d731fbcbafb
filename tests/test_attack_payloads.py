"""Hostile text in every field, search box and filter: never a 500, stored as plain data, shown escaped,
and nothing of the other county changes."""

import hashlib

import pytest

from dangjian.members.models import Member, MemberTransfer
from dangjian.orgs.choices import Domain, Level, OrgKind, Post
from dangjian.orgs.models import CommitteePost, Organization

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1",
    "'; DROP TABLE members_member; --",
    "{{7*7}}",
    "../../etc/passwd",
    "长" * 5000,
    "名\x00字",
]
# What must never reach a page unescaped: the markup that would run.
RAW_MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
ORG_NUMBERS = {
    "committee_seats": 3,
    "staff_total": 0,
    "party_staff_fulltime": 0,
    "party_staff_parttime": 0,
    "unit_count": 1,
    "activity_funds": "0",
}
MEMBER_BASE = {"gender": "female", "ethnicity": "汉族", "status": "full", "birth_date": "1990-05-01"}


def south_fingerprint(region) -> str:
    """Everything stored about the other county (南岭县), as one hash."""
    path = region.south.path
    rows = [
        list(Organization.objects.filter(path__startswith=path).order_by("pk").values_list()),
        list(Member.objects.filter(org__path__startswith=path).order_by("pk").values_list()),
        list(CommitteePost.objects.filter(org__path__startswith=path).order_by("pk").values_list()),
        list(MemberTransfer.objects.filter(member__org__path__startswith=path).order_by("pk").values_list()),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def assert_safe(response):
    assert response.status_code < 500, (response.request["PATH_INFO"], response.status_code)
    body = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        return body  # data, not markup: the scripts put it in with textContent, and nosniff keeps it JSON
    for markup in RAW_MARKUP:
        assert markup not in body, f"{response.request['PATH_INFO']} shows unescaped {markup!r}"
    return body


def stored_or_refused(response, payload, stored: str | None) -> None:
    """Either the value was kept exactly, as data, or the form refused it in Chinese with a 400."""
    if response.status_code == 400:
        assert stored is None or stored != payload
        return
    assert response.status_code == 302, response.status_code
    assert stored == payload.strip()


@pytest.fixture
def guard(region):
    """Checks after the test that the other county is untouched and the member table still exists."""
    before = south_fingerprint(region)
    yield
    assert south_fingerprint(region) == before
    assert Member.objects.filter(name="欧阳南风").exists()


def test_member_text_fields_keep_payloads_as_escaped_text(region, county_user, login, guard):
    client = login(county_user)
    for i, payload in enumerate(PAYLOADS):
        for field in ("name", "job", "mobile_destination"):
            name = payload if field == "name" else f"攻击测试{i}{field}"
            data = {**MEMBER_BASE, "org": "T-BIRCH", "name": name, field: payload, "is_mobile": "on"}
            response = client.post("/members/new/", data)
            assert_safe(response)
            # A NUL cannot be in a stored name (the form refuses it), and PostgreSQL cannot even compare one.
            member = None if "\x00" in name else Member.objects.filter(name=name.strip()).first()
            stored_or_refused(response, payload, getattr(member, field) if member else None)
            if member:
                body = assert_safe(client.get(f"/members/{member.pk}/"))
                if payload.startswith("<script"):
                    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
                if payload == "{{7*7}}":
                    assert "{{7*7}}" in body  # shown as typed, never evaluated
                assert_safe(client.get(f"/members/{member.pk}/edit/"))
                member.delete()
    assert_safe(client.get("/members/"))


def test_member_edit_and_transfer_reason_keep_payloads_as_text(region, county_user, login, guard):
    client = login(county_user)
    member = Member.objects.get(name="赵冬梅")
    for payload in PAYLOADS:
        data = {**MEMBER_BASE, "name": "赵冬梅", "job": payload, "birth_date": "1980-01-01"}
        response = client.post(f"/members/{member.pk}/edit/", data)
        assert_safe(response)
        member.refresh_from_db()
        stored_or_refused(response, payload, member.job)
        assert_safe(client.get(f"/members/{member.pk}/"))

    for i, payload in enumerate(PAYLOADS):
        target = "T-VILLAGE" if i % 2 == 0 else "T-BIRCH"
        if Member.objects.get(pk=member.pk).org.code == target:
            target = "T-BIRCH" if target == "T-VILLAGE" else "T-VILLAGE"
        response = client.post(
            f"/members/{member.pk}/transfer/", {"to_org": target, "date": "2026-01-02", "reason": payload}
        )
        assert_safe(response)
        latest = MemberTransfer.objects.filter(member=member).first()
        stored_or_refused(response, payload, latest.reason if latest else None)
        assert_safe(client.get(f"/members/{member.pk}/"))
        # The organization code field takes the payload too: an unknown code, refused.
        refused = client.post(f"/members/{member.pk}/transfer/", {"to_org": payload, "date": "2026-01-02"})
        assert assert_safe(refused) and refused.status_code == 400


def test_org_text_fields_keep_payloads_as_escaped_text(region, county_user, login, guard):
    client = login(county_user)
    for i, payload in enumerate(PAYLOADS):
        code = f"T-ATK{i}"
        data = {
            "parent": "T-TOWN",
            "name": payload,
            "code": code,
            "kind": OrgKind.BRANCH,
            "level": Level.VILLAGE,
            "domain": Domain.VILLAGE,
            "address": payload,
            **ORG_NUMBERS,
        }
        response = client.post("/orgs/new/", data)
        assert_safe(response)
        org = Organization.objects.filter(code=code).first()
        stored_or_refused(response, payload, org.name if org else None)
        if org:
            assert org.address == payload
            for url in (f"/orgs/{org.pk}/", f"/orgs/{region.town.pk}/children/", f"/orgs/{org.pk}/edit/", "/orgs/"):
                assert_safe(client.get(url))
        # The code is text like the name; the parent code must name an organization in scope.
        response = client.post("/orgs/new/", {**data, "name": f"编码攻击{i}", "code": payload})
        assert_safe(response)
        org = Organization.objects.filter(name=f"编码攻击{i}").first()
        stored_or_refused(response, payload, org.code if org else None)
        if org:
            assert_safe(client.get(f"/orgs/{org.pk}/"))
            assert_safe(client.get(f"/orgs/search/?q={org.code[:20]}"))
        response = client.post("/orgs/new/", {**data, "name": f"上级攻击{i}", "code": f"T-P{i}", "parent": payload})
        assert assert_safe(response) and response.status_code == 400
        assert not Organization.objects.filter(name=f"上级攻击{i}").exists()
        response = client.post(f"/orgs/{region.birch.pk}/move/", {"new_parent": payload})
        assert assert_safe(response) and response.status_code == 400
    assert Organization.objects.get(pk=region.birch.pk).parent_id == region.town.pk


def test_committee_post_holder_names_are_kept_as_text(region, county_user, login, guard):
    client = login(county_user)
    for payload in PAYLOADS:
        response = client.post(
            f"/orgs/{region.birch.pk}/posts/add/", {"post": Post.DEPUTY, "holder_name": payload, "full_time": ""}
        )
        assert_safe(response)
        body = assert_safe(client.get(f"/orgs/{region.birch.pk}/"))
        post = CommitteePost.objects.filter(org=region.birch, post=Post.DEPUTY).first()
        if post and post.holder_name == payload:
            if payload.startswith("<script"):
                assert "&lt;script&gt;" in body
            post.delete()


SEARCHES = [
    "/orgs/search/?q={}",
    "/orgs/search/?format=json&q={}",
    "/orgs/?q={}",
    "/members/?q={}",
    "/members/?org_code={}",
    "/members/?status={}",
    "/members/?org={}",
    "/members/?page={}",
    "/api/orgs/?search={}",
    "/api/orgs/?code={}",
    "/api/orgs/?q={}",
    "/api/orgs/?parent={}",
    "/api/members/?search={}",
    "/api/members/?q={}",
    "/api/members/?id_number={}",
    "/api/members/?org_code={}",
    "/api/members/?ordering={}",
    "/api/members/?page={}",
]


@pytest.mark.parametrize("template", SEARCHES)
def test_search_boxes_and_api_filters_take_payloads_without_error_or_leak(region, county_user, login, template):
    from urllib.parse import quote

    client = login(county_user)
    before = south_fingerprint(region)
    for payload in PAYLOADS:
        response = client.get(template.format(quote(payload)))
        body = assert_safe(response)
        assert response.status_code in (200, 400, 404), (template, payload[:20], response.status_code)
        assert "欧阳南风" not in body and "南岭村党支部" not in body  # an SQL trick never widens the scope
    assert south_fingerprint(region) == before
    assert Member.objects.count() == 5


def test_import_cells_with_payloads_are_stored_as_text_and_shown_escaped(region, county_user, login, tmp_path, guard):
    from dangjian.sheets.imports import run_import
    from sheets_files import write_xlsx

    from conftest import id_number

    headers = ["所在党组织编码", "姓名", "性别", "公民身份号码", "入党日期", "工作岗位"]
    client = login(county_user)
    for i, payload in enumerate(p for p in PAYLOADS if "\x00" not in p):  # a NUL cannot be in an .xlsx at all
        number = id_number(300 + i)
        path = write_xlsx(
            tmp_path / f"attack{i}.xlsx", [headers, ["T-BIRCH", f"导入{i}", "男", number, "2010-07-01", payload]]
        )
        report = run_import("members", path, county_user)
        member = Member.objects.filter(name=f"导入{i}").first()
        if not report.ok:  # refused as a whole, with a message per cell, nothing half-written
            assert member is None and report.errors
            continue
        assert member is not None and member.job == payload.strip()
        assert member.org_id == region.birch.pk
        body = assert_safe(client.get(f"/members/{member.pk}/"))
        if payload.startswith("<script"):
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    # A payload in the organization code column never reaches another county.
    path = write_xlsx(tmp_path / "code.xlsx", [headers, ["' OR '1'='1", "越界者", "男", id_number(399), "", ""]])
    assert not run_import("members", path, county_user).ok
    assert not Member.objects.filter(name="越界者").exists()
