"""Sensitive fields are masked everywhere; “显示明文” is a permission, a POST, and an audit record."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.models import Member

from conftest import PASSWORD, id_number


def allow_unmask(user):
    user.user_permissions.add(Permission.objects.get(codename="unmask_member", content_type__app_label="members"))


@pytest.fixture
def member(region):
    return Member.objects.get(name="王春生")


@pytest.fixture
def south_member(region):
    return Member.objects.get(name="欧阳南风")


def unmask_records(**filters):
    return AuditLog.objects.filter(action=AuditAction.UNMASK, **filters)


def test_without_the_permission_there_is_no_button_and_the_post_is_refused(county_user, login, member):
    client = login(county_user)
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert "显示明文" not in page and "/unmask/" not in page

    response = client.post(f"/members/{member.pk}/unmask/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    assert member.id_number not in response.content.decode()
    refused = unmask_records(success=False).get()
    assert refused.user == county_user and refused.object_id == str(member.pk)


def test_with_the_permission_the_button_shows_the_clear_values_once_and_is_audited(county_user, login, member):
    allow_unmask(county_user)
    client = login(county_user)
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert "显示明文" in page and member.id_number not in page
    assert not unmask_records().exists()  # looking at the masked page is not an unmask

    response = client.post(f"/members/{member.pk}/unmask/")
    body = response.content.decode()
    assert response.status_code == 200
    assert member.id_number in body and "已记入审计日志" in body
    assert "no-store" in response["Cache-Control"]
    entry = unmask_records(success=True).get()
    assert (entry.user, entry.object_id, entry.org_path) == (county_user, str(member.pk), member.org.path)

    again = client.get(f"/members/{member.pk}/").content.decode()
    assert member.id_number not in again  # the next visit is masked again


def test_the_unmask_button_only_takes_a_post_with_the_csrf_token(county_user, member):
    allow_unmask(county_user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_user)
    assert client.get(f"/members/{member.pk}/unmask/").status_code == 405
    response = client.post(f"/members/{member.pk}/unmask/")
    assert response.status_code == 403 and member.id_number not in response.content.decode()
    assert not unmask_records().exists()


def test_the_permission_does_not_reach_beyond_the_scope(county_user, login, south_member):
    allow_unmask(county_user)
    response = login(county_user).post(f"/members/{south_member.pk}/unmask/")
    assert response.status_code == 404
    assert south_member.id_number not in response.content.decode()
    assert not unmask_records().exists()


def test_anonymous_unmask_goes_to_login(member):
    response = Client().post(f"/members/{member.pk}/unmask/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_api_masks_and_refuses_unmask_without_the_permission(county_user, login, member):
    client = login(county_user)
    row = client.get(f"/api/members/{member.pk}/").json()
    assert row["id_number"] == member.id_number_masked and member.id_number not in str(row)

    for url in (f"/api/members/{member.pk}/?unmask=1", "/api/members/?unmask=true"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "没有查看明文的权限" in response.json()["detail"]
        assert member.id_number not in response.content.decode()
    assert unmask_records(success=False).count() == 2


def test_the_api_unmasks_for_the_permission_and_audits_each_member_returned(county_user, region):
    allow_unmask(county_user)
    client = Client()
    token = client.post("/api/token/", {"username": "county_user", "password": PASSWORD}).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}

    masked = client.get("/api/members/", **auth).json()
    assert all("*" in row["id_number"] for row in masked["results"])
    assert not unmask_records().exists()

    clear = client.get("/api/members/?unmask=1&org_code=T-VILLAGE", **auth).json()
    numbers = {row["id_number"] for row in clear["results"]}
    assert numbers == {id_number(1), id_number(2), id_number(3)}
    assert set(unmask_records(success=True).values_list("object_id", flat=True)) == {
        str(pk) for pk in Member.objects.filter(org=region.village).values_list("pk", flat=True)
    }

    one = Member.objects.get(name="孙白桦")
    detail = client.get(f"/api/members/{one.pk}/?unmask=1", **auth).json()
    assert detail["id_number"] == one.id_number
    assert unmask_records(object_id=str(one.pk)).count() == 1


def test_the_edit_form_never_carries_the_clear_values_and_an_empty_field_keeps_them(town_user, login, member):
    member.phone = "13912345678"
    member.save()
    client = login(town_user)
    page = client.get(f"/members/{member.pk}/edit/").content.decode()
    assert member.id_number not in page and "13912345678" not in page
    assert member.id_number_masked in page and "留空则不修改" in page

    data = {
        "name": "王春生",
        "gender": "male",
        "ethnicity": "汉族",
        "status": "full",
        "birth_date": "1980-01-01",
        "job": "村医",
        "id_number": "",
        "phone": "",
    }
    response = client.post(f"/members/{member.pk}/edit/", data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.job == "村医" and member.id_number == id_number(1) and member.phone == "13912345678"

    client.post(f"/members/{member.pk}/edit/", {**data, "phone": "13700001234"})
    member.refresh_from_db()
    assert member.phone == "13700001234"
