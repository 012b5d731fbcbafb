"""Members: entered once through the pages or services, with Chinese errors, masked numbers and transfer history."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from openpyxl import load_workbook

from dangjian.accounts.models import Role
from dangjian.core.crypto import digest
from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.models import Member, MemberTransfer
from dangjian.members.services import create_member, transfer_member, update_member
from dangjian.orgs.choices import Domain, Level, OrgKind

from conftest import id_number, make_member, make_org, persona

FORM = {
    "gender": "female",
    "ethnicity": "汉族",
    "status": "full",
    "birth_date": "1990-05-01",
    "join_date": "2015-07-01",
}


def test_a_member_is_added_through_the_form_with_masked_numbers(region, town_user, login):
    client = login(town_user)
    number = id_number(77, datetime.date(1990, 5, 1))
    response = client.post(
        "/members/new/",
        {**FORM, "org": "T-BIRCH", "name": "周桦林", "id_number": number, "phone": "139-1234-5678"},
        follow=True,
    )
    body = response.content.decode()
    member = Member.objects.get(name="周桦林")
    assert member.org_id == region.birch.pk and member.phone == "13912345678"
    assert "139****5678" in body and "13912345678" not in body
    assert number[:4] + "**********" + number[-4:] in body and number not in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "12345", "公民身份号码应为18位"),
        ("id_number", "990101199002300011", "出生日期不存在"),
        ("id_number", id_number(78)[:17] + ("0" if id_number(78)[17] != "0" else "1"), "校验码错误"),
        ("phone", "12", "联系电话应为11位手机号"),
        ("join_date", "1980-01-01", "入党日期应晚于出生日期"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(region, town_user, login, field, value, message):
    before = Member.objects.count()
    data = {**FORM, "org": "T-BIRCH", "name": "错误录入", field: value}
    response = login(town_user).post("/members/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Member.objects.count() == before


def test_a_mobile_member_needs_a_destination(region, town_user, login):
    response = login(town_user).post("/members/new/", {**FORM, "org": "T-BIRCH", "name": "流动者", "is_mobile": "on"})
    assert "流动党员请填写流入地" in response.content.decode()


def test_a_registered_id_number_is_refused_and_nothing_half_written(region, city_admin):
    taken = Member.objects.get(name="王春生").id_number
    audit_before = AuditLog.objects.count()
    with pytest.raises(ValidationError, match="该公民身份号码已登记"):
        create_member(actor=city_admin, org=region.birch, name="重复者", gender="male", id_number=taken)
    assert not Member.objects.filter(name="重复者").exists()
    assert AuditLog.objects.count() == audit_before


def test_the_same_id_number_through_the_edit_page_is_shown_as_an_error(region, town_user, login):
    other = Member.objects.get(name="孙白桦")
    taken = Member.objects.get(name="王春生").id_number
    data = {**FORM, "name": "孙白桦", "id_number": taken, "birth_date": "1980-01-01"}  # the birth date in the number
    response = login(town_user).post(f"/members/{other.pk}/edit/", data)
    assert response.status_code == 400
    assert "该公民身份号码已登记" in response.content.decode()
    assert Member.objects.get(pk=other.pk).id_number == id_number(4)


def test_a_transfer_moves_the_member_and_keeps_history(region, town_user, login):
    member = Member.objects.get(name="孙白桦")
    response = login(town_user).post(
        f"/members/{member.pk}/transfer/", {"to_org": "T-VILLAGE", "date": "2026-03-01", "reason": "搬迁"}, follow=True
    )
    assert Member.objects.get(pk=member.pk).org_id == region.village.pk
    history = MemberTransfer.objects.get(member=member)
    assert (history.from_org_id, history.to_org_id, history.date) == (
        region.birch.pk,
        region.village.pk,
        datetime.date(2026, 3, 1),
    )
    body = response.content.decode()
    assert "白桦村党支部" in body and "青松村党支部" in body and "搬迁" in body
    assert AuditLog.objects.filter(action=AuditAction.TRANSFER, object_id=str(member.pk)).exists()


def test_a_transfer_out_of_the_actors_scope_is_refused(region, town_user):
    from dangjian.core.services import OutOfScope

    member = Member.objects.get(name="孙白桦")
    with pytest.raises(OutOfScope):
        transfer_member(member, region.south_village, actor=town_user)
    assert Member.objects.get(pk=member.pk).org_id == region.birch.pk
    assert not MemberTransfer.objects.exists()


def test_id_number_and_phone_are_encrypted_at_rest_and_found_by_exact_value(region):
    member = Member.objects.get(name="欧阳南风")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM members_member WHERE id = %s", [member.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert member.id_number not in stored_id and "13800001111" not in stored_phone
    assert Member.objects.get(pk=member.pk).phone == "13800001111"
    assert Member.objects.get(phone_digest=digest("13800001111")).pk == member.pk


def test_editing_keeps_digests_in_step(region, city_admin):
    member = Member.objects.get(name="欧阳南风")
    update_member(member, actor=city_admin, phone="13911112222")
    assert Member.objects.filter(phone_digest=digest("13911112222")).exists()
    assert not Member.objects.filter(phone_digest=digest("13800001111")).exists()


def test_the_list_filters_by_subtree_status_and_exact_id_number(region, county_user, login):
    client = login(county_user)
    make_member(region.birch, "预备甲", 30, status="probationary")
    page = client.get("/members/", {"org_code": "T-TOWN"})
    assert page.context["page"].paginator.count == 5
    page = client.get("/members/", {"status": "probationary"})
    assert [m.name for m in page.context["page"]] == ["预备甲"]
    page = client.get("/members/", {"id_number": id_number(2)})
    assert [m.name for m in page.context["page"]] == ["李秋实"]
    page = client.get("/members/", {"q": "欧阳"})
    assert page.context["page"].paginator.count == 0


def test_the_list_finds_a_member_by_exact_phone_as_people_type_it_and_only_within_scope(region, county_user, login):
    make_member(region.birch, "电话甲", 31, phone="13912345678")
    make_member(region.south_village, "电话乙", 32, phone="13987654321")
    client = login(county_user)
    for typed in ("13912345678", "139 1234 5678", "139-1234-5678"):
        page = client.get("/members/", {"phone": typed})
        assert [m.name for m in page.context["page"]] == ["电话甲"], typed
    assert 'name="phone" value="139 1234 5678"' in client.get("/members/", {"phone": "139 1234 5678"}).text
    assert client.get("/members/", {"phone": "1391234"}).context["page"].paginator.count == 0  # no partial match
    assert client.get("/members/", {"phone": "不是电话"}).context["page"].paginator.count == 0
    # The other county's member is not found by its number either.
    assert client.get("/members/", {"phone": "13987654321"}).context["page"].paginator.count == 0
    assert client.get("/api/members/", {"phone": "13987654321"}).json()["count"] == 0


def test_the_list_pages_by_fifty(region, county_user, login):
    for seq in range(100, 160):
        make_member(region.birch, f"成员{seq}", seq)
    client = login(county_user)
    first = client.get("/members/")
    assert len(first.context["page"]) == 50 and first.context["page"].paginator.count == 64
    second = client.get("/members/", {"page": 2})
    assert len(second.context["page"]) == 14
    assert len(client.get("/members/", {"page": 99}).context["page"]) == 14  # past the end: the last page


def test_audit_of_a_member_change_never_holds_the_clear_numbers(region, city_admin):
    member = Member.objects.get(name="欧阳南风")
    update_member(member, actor=city_admin, phone="13922223333", job="村医")
    entry = AuditLog.objects.filter(action=AuditAction.UPDATE, object_id=str(member.pk)).get()
    text = repr(entry.before) + repr(entry.after)
    assert "13922223333" not in text and "13800001111" not in text and member.id_number not in text
    assert entry.after["job"] == "村医" and entry.user == city_admin
    assert entry.org_path == region.south_village.path


def test_a_list_longer_than_the_cap_says_so_and_still_pages(region, county_user, login, monkeypatch):
    from dangjian.core import paging

    monkeypatch.setattr(paging, "LIST_CAP", 3)
    page = login(county_user).get("/members/")
    assert page.context["page"].paginator.capped
    assert len(page.context["page"]) == 3
    assert "共 4 人，仅列出前 3 人" in page.content.decode()  # the scope's total is known (the roll-ups)
    filtered = login(county_user).get("/members/", {"org_code": "T-NORTH"})  # counted, to the cap
    assert filtered.context["page"].paginator.capped and "超过 3 人，仅列出前 3 人" in filtered.content.decode()
    assert not login(county_user).get("/members/", {"org_code": "T-BIRCH"}).context["page"].paginator.capped


def test_the_list_the_api_and_the_export_show_members_in_the_trees_order(region, county_user, login):
    """Grouped by organization in the tree's order (its path), not in the order the organizations were made: a
    village added later under the town comes before 南岭县's, and 松岭镇's villages stay together."""
    later = make_org(region.town, "后建村党支部", "T-LATER", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    make_member(later, "后来人", 30)
    make_member(region.village, "青松新人", 31)  # a newer member of the first village: after its others
    client = login(persona("tree_reader", region.city, Role.READ))
    expected = ["王春生", "李秋实", "赵冬梅", "青松新人", "孙白桦", "后来人", "欧阳南风"]
    assert [m.name for m in client.get("/members/").context["page"]] == expected
    assert [m["name"] for m in client.get("/api/members/").json()["results"]] == expected
    export = b"".join(client.get("/sheets/export/members/").streaming_content)
    book = load_workbook(io.BytesIO(export), read_only=True)
    cells = [cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert [cell for cell in cells if cell in expected] == expected
