"""Workstations as working units [003]: created, changed and retired by the town, their coverage (3–5 villages of
their own town, one station per village), their people, and their accounts whose scope is exactly the covered
villages, through the grants, following every change of coverage."""

import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from dangjian.accounts.duties import Duty
from dangjian.accounts.models import OrgGrant
from dangjian.accounts.services import assign_duty, grant_org
from dangjian.core.models import AuditLog
from dangjian.core.scope import Role
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.models import Organization, Workstation
from dangjian.stations import services
from dangjian.stations.models import StationAccount, StationStaff
from sheets_files import write_xlsx

from conftest import make_org, persona, settled

pytestmark = pytest.mark.django_db


def grants_of(user) -> set[tuple[str, str]]:
    return set(OrgGrant.objects.filter(user=user).values_list("org__code", "role"))


@pytest.fixture
def pine(region):
    """A fourth village of 松岭镇, not covered by any station."""
    return make_org(region.town, "松柏村党支部", "T-PINE", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)


def test_a_town_manager_creates_a_station_and_is_warned_outside_three_to_five(region, login, county_user):
    client = login(county_user)
    response = client.post(
        f"/stations/new/?town={region.town.pk}",
        {"name": "松岭第二党建工作站", "code": "T-WS2", "villages": [region.village.pk, region.birch.pk]},
        follow=True,
    )
    assert response.status_code == 200
    station = Workstation.objects.get(code="T-WS2")
    assert set(station.villages.values_list("code", flat=True)) == {"T-VILLAGE", "T-BIRCH"}
    body = response.content.decode()
    assert (
        "按规定每个党建工作站负责联系指导 3—5 个村（社区），本站联系 2 个"
        "（依据：《基层党建创新的好路子——钦州市全面推行党建工作站模式的探索与启示》（广西日报，[003]））"
    ) in body
    assert AuditLog.objects.filter(action="create", object_type="workstation", object_id=str(station.pk)).exists()


def test_it_refuses_a_village_of_another_town_and_writes_nothing(region, county_user):
    with pytest.raises(ValidationError) as caught:
        services.create_station(
            actor=county_user,
            town=region.town,
            name="越界工作站",
            code="T-WSX",
            villages=[region.village, region.south_village],
        )
    assert caught.value.message_dict["villages"] == [
        "“南岭村党支部”不属于松岭镇党委，工作站只能联系本乡镇的村（社区）党组织。"
    ]
    assert not Workstation.objects.exists()


def test_it_refuses_a_village_already_covered_by_another_station(station, region, county_user, pine):
    before = AuditLog.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.create_station(
            actor=county_user, town=region.town, name="松岭第二党建工作站", code="T-WS2", villages=[pine, region.birch]
        )
    assert caught.value.message_dict["villages"] == [
        "“白桦村党支部”已由松岭第一党建工作站联系，一个村（社区）只能由一个工作站联系。"
    ]
    assert Workstation.objects.count() == 1
    assert AuditLog.objects.count() == before


def test_a_town_editor_without_manage_cannot_create_a_station(region, login, town_user):
    response = login(town_user).post(
        f"/stations/new/?town={region.town.pk}", {"name": "x", "code": "T-X", "villages": [region.village.pk]}
    )
    assert response.status_code == 404
    assert not Workstation.objects.exists()


def test_the_station_account_holds_exactly_the_covered_villages(station_user):
    assert grants_of(station_user) == {("T-VILLAGE", Role.EDIT), ("T-BIRCH", Role.EDIT), ("T-RED", Role.EDIT)}


def test_the_grants_follow_a_change_of_coverage_and_each_is_audited(station, station_user, region, county_user, pine):
    services.update_station(
        station, actor=county_user, name=station.name, code=station.code, villages=[region.village, pine]
    )
    assert grants_of(station_user) == {("T-VILLAGE", Role.EDIT), ("T-PINE", Role.EDIT)}
    why = "松岭第一党建工作站联系范围调整，工作站账号授权随之调整"
    followed = AuditLog.objects.filter(detail=why, user=county_user)
    assert sorted(followed.values_list("action", "org_path")) == sorted(
        [
            ("revoke", region.birch.path),
            ("revoke", Organization.objects.get(code="T-RED").path),
            ("grant", pine.path),
        ]
    )


def test_retiring_a_station_takes_its_accounts_grants_and_frees_its_villages(
    station, station_user, region, county_user
):
    services.retire_station(station, actor=county_user, on=datetime.date(2026, 6, 30), reason="片区调整")
    assert grants_of(station_user) == set()
    other = services.create_station(
        actor=county_user, town=region.town, name="松岭新党建工作站", code="T-WS3", villages=[region.village]
    )
    assert list(other.villages.values_list("code", flat=True)) == ["T-VILLAGE"]
    with pytest.raises(ValidationError) as caught:
        services.retire_station(station, actor=county_user, on=datetime.date(2026, 7, 1), reason="再撤")
    assert caught.value.messages == ["该工作站已于 2026-06-30 撤销。"]


def test_a_station_has_one_chief(station, county_user):
    with pytest.raises(ValidationError) as caught:
        services.add_staff(station, actor=county_user, name="吴站长", post="chief", full_time=True)
    assert caught.value.message_dict["post"] == ["本站已有站长“周站长”，请先移除再登记新站长。"]
    services.add_staff(station, actor=county_user, name="李雪", full_time=True)
    services.add_staff(station, actor=county_user, name="王磊")
    station.refresh_from_db()
    assert (station.chief_name, station.fulltime_staff, station.parttime_staff) == ("周站长", 2, 1)


def test_the_station_sees_its_villages_and_nothing_else(station, station_user, region, login, pine):
    client = login(station_user)
    assert client.get(f"/stations/{station.pk}/").status_code == 200
    assert client.get(f"/orgs/{region.village.pk}/").status_code == 200
    for hidden in (region.town, pine, region.south_village):
        assert client.get(f"/orgs/{hidden.pk}/").status_code == 404
    assert client.get(f"/stations/{station.pk}/edit/").status_code == 404  # changing a station is the town's
    data = client.get("/api/stations/").json()
    assert [s["code"] for s in data["results"]] == ["T-WS1"]


def test_the_stations_seen_through_villages_are_restricts_less_those_of_a_town_in_the_scope(
    station, station_user, branch_secretary, town_user, county_user, outsider, region, pine
):
    """The weekly board asks `through_villages` for the stations below its towns' rows: it must be exactly what
    `restrict` gives less the stations whose town is in the user's scope, for every kind of account."""
    from dangjian.core.scope import scope_q

    other = services.create_station(
        actor=None, town=region.town, name="松岭第二党建工作站", code="T-WS2", villages=[pine]
    )
    partial = settled(User.objects.create_user("partial_holder"))  # holds two of the first station's three villages
    grant_org(partial, region.village, Role.EDIT)
    grant_org(partial, region.birch, Role.EDIT)
    for user in (station_user, branch_secretary, town_user, county_user, outsider, partial):
        seen = Workstation.objects.restrict(user).exclude(scope_q(user, "town__path"))
        assert set(Workstation.objects.through_villages(user)) == set(seen), user.username
    assert list(Workstation.objects.through_villages(station_user)) == [station]
    assert not Workstation.objects.through_villages(county_user).exists()  # its stations are seen through the town
    assert not Workstation.objects.through_villages(partial).exists()  # one village of the station is not its own
    assert other not in Workstation.objects.through_villages(station_user)


def test_a_village_secretary_does_not_see_the_station(station, branch_secretary, login):
    assert login(branch_secretary).get(f"/stations/{station.pk}/").status_code == 404


def test_only_the_security_administrator_makes_a_station_account(station, region, login, county_user):
    clerk = settled(User.objects.create_user("new_clerk"))
    response = login(county_user).post(f"/stations/{station.pk}/accounts/add/", {"username": "new_clerk"})
    assert response.status_code == 404
    assert not StationAccount.objects.exists()
    admin = persona("sec_admin", region.north, Role.READ)
    assign_duty(admin, Duty.SECADMIN, actor=None)
    login(admin).post(f"/stations/{station.pk}/accounts/add/", {"username": "new_clerk"})
    assert StationAccount.objects.get().user == clerk
    assert grants_of(clerk) == {("T-VILLAGE", Role.EDIT), ("T-BIRCH", Role.EDIT), ("T-RED", Role.EDIT)}


def test_an_account_with_other_grants_keeps_only_the_villages(station, region):
    user = settled(User.objects.create_user("wide"))
    grant_org(user, region.north, Role.READ)
    services.bind_account(station, user, actor=None)
    assert grants_of(user) == {("T-VILLAGE", Role.EDIT), ("T-BIRCH", Role.EDIT), ("T-RED", Role.EDIT)}


def test_the_town_page_shows_coverage_and_staff_and_the_county_the_totals(station, region, login, county_user, pine):
    services.add_staff(station, actor=None, name="王磊")
    client = login(county_user)
    town = client.get(f"/orgs/{region.town.pk}/").content.decode()
    assert "松岭第一党建工作站" in town
    assert "专职工作人员 1 名，兼职工作人员 1 名。" in town
    assert "尚无工作站联系的村（社区）：松柏村党支部。" in town
    county = client.get(f"/orgs/{region.north.pk}/")
    assert county.context["station_coverage"]["totals"] == {
        "towns": 1,
        "stations": 1,
        "villages": 4,
        "covered": 3,
        "fulltime": 1,
        "parttime": 1,
    }


def test_above_a_county_the_coverage_has_a_row_per_unit_below_summing_its_towns(
    station, region, login, city_admin, pine
):
    """A city's (or a province's) page does not list every town: one row per county, the county's towns summed."""
    second = make_org(region.north, "桦林镇党委", "T-TOWN2", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    far = make_org(second, "远山村党支部", "T-FAR", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    other = services.create_station(actor=None, town=second, name="桦林党建工作站", code="T-WS9", villages=[far])
    services.add_staff(other, actor=None, name="钱站长", post="chief", full_time=True)
    for name in ("孙一", "孙二"):
        services.add_staff(other, actor=None, name=name)
    south_town = make_org(region.south, "南岭镇党委", "T-STOWN", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    make_org(south_town, "南山村党支部", "T-SHILL", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)

    page = login(city_admin).get(f"/orgs/{region.city.pk}/")
    coverage = page.context["station_coverage"]
    rows = [
        (r["unit"].code, r["towns"], r["stations"], r["villages"], r["covered"], r["fulltime"], r["parttime"])
        for r in coverage["rows"]
    ]
    # 漠北县: 松岭镇 (one station, 4 villages, 3 covered, 1 full-time) and 桦林镇 (one station, its one village, 1 + 2)
    assert rows == [("T-NORTH", 2, 2, 5, 4, 2, 2), ("T-SOUTH", 1, 0, 1, 0, 0, 0)]
    assert coverage["totals"] == {"towns": 3, "stations": 2, "villages": 6, "covered": 4, "fulltime": 2, "parttime": 2}
    body = page.content.decode()
    assert f'href="/orgs/{region.north.pk}/#station-coverage">漠北县委</a></td><td>2</td>' in body
    assert "松岭镇党委" not in body  # the towns are on the county's page

    county = login(city_admin).get(f"/orgs/{region.north.pk}/").context["station_coverage"]
    assert [(r["unit"].code, r["is_town"]) for r in county["rows"]] == [("T-TOWN", True), ("T-TOWN2", True)]
    assert county["totals"]["villages"] == 5


def test_the_coverage_roll_ups_follow_every_write_and_match_a_recount(station, region, login, city_admin, pine):
    """stations/rollups.py: the station services and the organization services keep the towns' coverage counts in
    the roll-ups, so the city's table is a read of its rows; after each kind of write they equal a recount."""
    from dangjian.members import rollups
    from dangjian.orgs.services import delete_org, move_org, update_org

    def city_totals():
        return login(city_admin).get(f"/orgs/{region.city.pk}/").context["station_coverage"]["totals"]

    assert city_totals() == {"towns": 1, "stations": 1, "villages": 4, "covered": 3, "fulltime": 1, "parttime": 0}
    services.add_staff(station, actor=None, name="王磊")  # part-time
    second = make_org(region.south, "南岭镇党委", "T-STOWN", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    far = make_org(second, "远山村党支部", "T-FAR", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    near = make_org(second, "近水村党支部", "T-NEAR", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    other = services.create_station(actor=None, town=second, name="南岭党建工作站", code="T-WS9", villages=[far])
    services.add_staff(other, actor=None, name="钱站长", post="chief", full_time=True)
    assert city_totals() == {"towns": 2, "stations": 2, "villages": 6, "covered": 4, "fulltime": 2, "parttime": 1}
    assert rollups.differences() == []

    red = Organization.objects.get(code="T-RED")
    services.update_station(  # 红星村 left, 松柏村 taken: still three covered
        station, actor=None, name=station.name, code=station.code, villages=[region.village, region.birch, pine]
    )
    move_org(near, region.town, actor=None)  # a village moves between towns (and counties)
    delete_org(red, actor=None)  # a village closed
    update_org(far, actor=None, name="远山村党总支")  # a rename changes no count
    services.remove_staff(other.staff.get(), actor=None)
    services.retire_station(other, actor=None, on=datetime.date(2026, 6, 30), reason="并入他站")
    assert rollups.differences() == []
    # 松岭镇: 青松, 白桦, 松柏, 近水 (红星 closed), three covered; 南岭镇: 远山, its station retired
    assert city_totals() == {"towns": 2, "stations": 1, "villages": 5, "covered": 3, "fulltime": 1, "parttime": 1}


def test_the_staff_people_are_registered_on_the_station_page(station, login, county_user):
    login(county_user).post(f"/stations/{station.pk}/staff/add/", {"name": "李雪", "post": "staff", "full_time": "on"})
    assert StationStaff.objects.filter(station=station, name="李雪", full_time=True).exists()


HEADER = [
    "工作站编码",
    "工作站名称",
    "所属乡镇党委编码",
    "联系村（社区）组织编码",
    "站长",
    "专职工作人员",
    "兼职工作人员",
]


def run_import(path, *extra):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", "stations", str(path), *extra, stdout=out, stderr=err)
    except CommandError as exc:
        return False, err.getvalue() + str(exc)
    return True, out.getvalue()


def test_the_import_template_has_the_station_columns(tmp_path):
    path = tmp_path / "template.xlsx"
    call_command("import", "stations", "--template", str(path), stdout=io.StringIO())
    headers = [c.value for c in load_workbook(path).active[2]]
    assert headers[:4] == ["*工作站编码", "*工作站名称", "*所属乡镇党委编码", "*联系村（社区）组织编码"]


def test_stations_are_imported_with_their_people_and_read_back_unchanged(region, tmp_path, pine):
    rows = [
        HEADER,
        ["T-WS1", "松岭第一党建工作站", "T-TOWN", "T-VILLAGE、T-BIRCH、T-PINE", "周明", "李雪", "王磊、赵晴"],
    ]
    ok, out = run_import(write_xlsx(tmp_path / "stations.xlsx", rows, title="党建工作站"))
    assert ok, out
    assert "新增 1" in out
    station = Workstation.objects.get(code="T-WS1")
    assert set(station.villages.values_list("code", flat=True)) == {"T-VILLAGE", "T-BIRCH", "T-PINE"}
    assert (station.chief_name, station.fulltime_staff, station.parttime_staff) == ("周明", 2, 2)
    ok, out = run_import(write_xlsx(tmp_path / "again.xlsx", rows, title="党建工作站"))
    assert ok and "无变化 1" in out, out


def test_an_import_with_a_bad_row_writes_nothing(region, tmp_path, pine):
    rows = [
        HEADER,
        ["T-WS1", "松岭第一党建工作站", "T-TOWN", "T-VILLAGE、T-BIRCH、T-PINE", "周明", "", ""],
        ["T-WS2", "松岭第二党建工作站", "T-TOWN", "T-PINE、T-SVILLAGE", "", "", ""],
    ]
    before = AuditLog.objects.count()
    ok, out = run_import(write_xlsx(tmp_path / "bad.xlsx", rows, title="党建工作站"))
    assert not ok
    column = "第 4 行「联系村（社区）组织编码」："
    assert column + "“南岭村党支部”不属于松岭镇党委，工作站只能联系本乡镇的村（社区）党组织\n" in out
    assert not Workstation.objects.exists()
    assert not StationStaff.objects.exists()
    assert AuditLog.objects.count() == before
