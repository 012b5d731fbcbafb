"""The organization tree: its rules in Chinese, moves that carry the subtree, and the pages that change it."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditAction, AuditLog
from dangjian.orgs.choices import Domain, Level, OrgKind, Post
from dangjian.orgs.models import Organization
from dangjian.orgs.queries import org_warnings
from dangjian.orgs.services import create_org, delete_org, move_org, set_post, update_org

from conftest import make_member, make_org


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def warning_codes(org):
    return {w.code for w in org_warnings(Organization.objects.get(pk=org.pk))}


def test_moving_under_its_own_branch_is_refused_as_a_cycle(region, city_admin):
    with pytest.raises(ValidationError) as err:
        move_org(region.north, region.town, actor=city_admin)
    assert "循环" in str(err.value)
    assert Organization.objects.get(pk=region.north.pk).parent_id == region.city.pk


def test_a_child_kind_must_fit_its_parent(region, city_admin):
    with pytest.raises(ValidationError) as err:
        create_org(
            actor=city_admin,
            parent=region.village,
            name="错误的乡镇党委",
            code="T-BAD",
            kind=OrgKind.TOWN_COMMITTEE,
            level=Level.TOWN,
        )
    assert "“党支部”下不能设立“乡镇党委”" in str(err.value)
    assert not Organization.objects.filter(code="T-BAD").exists()


def test_a_duplicate_code_is_refused_in_chinese(region, city_admin):
    with pytest.raises(ValidationError) as err:
        create_org(
            actor=city_admin,
            parent=region.town,
            name="另一个支部",
            code="T-VILLAGE",
            kind=OrgKind.BRANCH,
            level=Level.VILLAGE,
            domain=Domain.VILLAGE,
        )
    assert "已被使用" in str(err.value)


def test_moving_a_town_carries_its_whole_subtree(region, city_admin):
    move_org(region.town, region.south, actor=city_admin)
    south_path = Organization.objects.get(pk=region.south.pk).path
    moved = Organization.objects.filter(code__in=["T-TOWN", "T-VILLAGE", "T-BIRCH"])
    assert all(o.path.startswith(south_path) for o in moved)
    assert {o.depth for o in moved} == {2, 3}
    assert codes(Organization.objects.in_subtree(region.south)) == [
        "T-BIRCH",
        "T-SOUTH",
        "T-SVILLAGE",
        "T-TOWN",
        "T-VILLAGE",
    ]
    entry = AuditLog.objects.filter(action=AuditAction.MOVE).get()
    assert "漠北县委" in entry.detail and "南岭县委" in entry.detail


def test_a_county_cannot_move_its_town_into_another_county(region, county_user):
    with pytest.raises(ValidationError):
        from dangjian.orgs.forms import OrgMoveForm

        form = OrgMoveForm({"new_parent": "T-SOUTH"}, user=county_user)
        assert not form.is_valid()
        raise ValidationError(form.errors["new_parent"])
    # And the service refuses it too, whatever a form would have said.
    from dangjian.core.services import OutOfScope

    with pytest.raises(OutOfScope):
        move_org(region.town, region.south, actor=county_user)
    assert Organization.objects.get(pk=region.town.pk).parent_id == region.north.pk


def test_an_organization_with_children_or_members_is_not_deleted(region, city_admin):
    with pytest.raises(ValidationError, match="下级组织"):
        delete_org(region.town, actor=city_admin)
    with pytest.raises(ValidationError, match="党员"):
        delete_org(region.village, actor=city_admin)
    assert Organization.objects.filter(pk__in=[region.town.pk, region.village.pk]).count() == 2


def test_a_branch_above_fifty_members_and_one_from_seven_without_committee_are_warned(region):
    for seq in range(10, 61):
        make_member(region.birch, f"党员{seq}", seq)
    assert "branch_too_big" in warning_codes(region.birch)
    assert "branch_needs_committee" in warning_codes(region.birch)
    for post in (Post.SECRETARY, Post.ORGANIZATION, Post.PROPAGANDA):
        set_post(region.birch, actor=None, post=post, holder_name="某某")
    assert "branch_needs_committee" not in warning_codes(region.birch)
    assert "secretary_vacant" not in warning_codes(region.birch)


def test_a_small_branch_is_told_to_join_with_others_and_a_vacant_secretary_is_shown(region):
    assert {"branch_too_small", "secretary_vacant"} <= warning_codes(region.birch)
    assert "secretary_vacant" not in warning_codes(region.village)


def test_an_overdue_election_is_warned_only_after_the_due_date(region, city_admin):
    update_org(region.village, actor=city_admin, term_start=datetime.date(2021, 6, 1), term_years=5)
    village = Organization.objects.get(pk=region.village.pk)
    assert village.election_due == datetime.date(2026, 6, 1)
    with time_machine.travel(datetime.date(2026, 5, 31)):
        assert "election_overdue" not in warning_codes(village)
    with time_machine.travel(datetime.date(2026, 6, 2)):
        assert "election_overdue" in warning_codes(village)


def test_the_detail_page_shows_committee_warnings_members_and_children(region, county_user, login):
    body = login(county_user).get(f"/orgs/{region.town.pk}/").content.decode()
    assert "青松村党支部" in body and "白桦村党支部" in body
    body = login(county_user).get(f"/orgs/{region.birch.pk}/").content.decode()
    assert "书记空缺" in body and "孙白桦" in body


def test_creating_an_org_through_the_form_lands_under_its_parent(region, county_user, login):
    client = login(county_user)
    response = client.post(
        "/orgs/new/",
        {
            "parent": "T-TOWN",
            "name": "红旗村党支部",
            "code": "T-RED",
            "kind": OrgKind.BRANCH,
            "level": Level.VILLAGE,
            "domain": Domain.VILLAGE,
            "committee_seats": 3,
            "staff_total": 0,
            "party_staff_fulltime": 0,
            "party_staff_parttime": 0,
            "unit_count": 1,
            "activity_funds": "0",
        },
        follow=True,
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    created = Organization.objects.get(code="T-RED")
    assert created.parent_id == region.town.pk
    assert "已新建“红旗村党支部”" in response.content.decode()
    assert AuditLog.objects.filter(action=AuditAction.CREATE, object_id=str(created.pk), user=county_user).exists()


def test_a_form_with_a_bad_parent_kind_shows_the_rule_and_saves_nothing(region, county_user, login):
    before = Organization.objects.count()
    response = login(county_user).post(
        "/orgs/new/",
        {
            "parent": "T-VILLAGE",
            "name": "错误乡镇",
            "code": "T-WRONG",
            "kind": OrgKind.TOWN_COMMITTEE,
            "level": Level.TOWN,
            "committee_seats": 0,
            "staff_total": 0,
            "party_staff_fulltime": 0,
            "party_staff_parttime": 0,
            "unit_count": 1,
            "activity_funds": "0",
        },
    )
    assert response.status_code == 400
    assert "下不能设立" in response.content.decode()
    assert Organization.objects.count() == before


def test_editing_moving_and_deleting_through_the_pages(region, city_admin, login):
    client = login(city_admin)
    empty = make_org(region.town, "待撤销支部", "T-EMPTY", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    response = client.post(f"/orgs/{empty.pk}/move/", {"new_parent": "T-SOUTH"}, follow=True)
    assert Organization.objects.get(pk=empty.pk).parent_id == region.south.pk
    assert response.status_code == 200
    response = client.post(f"/orgs/{empty.pk}/delete/", follow=True)
    assert not Organization.objects.filter(pk=empty.pk).exists()
    assert "已删除“待撤销支部”" in response.content.decode()


def test_deleting_a_town_with_branches_shows_why_and_keeps_it(region, city_admin, login):
    response = login(city_admin).post(f"/orgs/{region.town.pk}/delete/")
    assert response.status_code == 400
    assert "还有下级组织" in response.content.decode()
    assert Organization.objects.filter(pk=region.town.pk).exists()


def test_a_reader_sees_but_cannot_change(region, reader, login):
    client = login(reader)
    assert client.get(f"/orgs/{region.village.pk}/").status_code == 200
    assert "编辑" not in client.get(f"/orgs/{region.village.pk}/").content.decode().split("基本情况")[0]
    for url in (
        f"/orgs/{region.village.pk}/edit/",
        f"/orgs/{region.village.pk}/move/",
        f"/orgs/{region.village.pk}/delete/",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "改名"}).status_code == 404
    assert Organization.objects.get(pk=region.village.pk).name == "青松村党支部"


def test_a_branch_secretary_edits_own_branch_but_cannot_create_or_delete(region, branch_secretary, login):
    client = login(branch_secretary)
    assert client.get(f"/orgs/{region.village.pk}/edit/").status_code == 200
    assert client.post(f"/orgs/{region.village.pk}/delete/").status_code == 404
    assert client.get(f"/orgs/{region.birch.pk}/").status_code == 404
    assert Organization.objects.filter(pk=region.village.pk).exists()


def test_tree_children_are_paged_and_scoped(region, town_user, login):
    client = login(town_user)
    data = client.get(f"/orgs/{region.town.pk}/children/").json()
    assert sorted(n["name"] for n in data["nodes"]) == ["白桦村党支部", "青松村党支部"]
    assert data["more"] is False
    assert client.get(f"/orgs/{region.north.pk}/children/").status_code == 404


def test_a_town_with_hundreds_of_branches_opens_page_by_page(region, town_user, login):
    for i in range(205):
        make_org(region.town, f"第{i:03d}支部", f"T-P{i:03d}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    client = login(town_user)
    first = client.get(f"/orgs/{region.town.pk}/children/").json()
    assert len(first["nodes"]) == 200 and first["more"] is True
    rest = client.get(f"/orgs/{region.town.pk}/children/", {"offset": first["next_offset"]}).json()
    assert len(rest["nodes"]) == 7 and rest["more"] is False
    seen = [n["name"] for n in first["nodes"] + rest["nodes"]]
    assert len(set(seen)) == 207
