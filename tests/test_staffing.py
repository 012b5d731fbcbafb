"""Party staff (point 4 of issue 18): units against the 1%–2% rule, their ages, roll-ups per system and county
against hand counts, the half-detached county bureau of [000] with its proposed re-affiliations, and the import."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.models import AuditLog
from dangjian.orgs.choices import Domain, Level, OrgKind, Post, SystemTier
from dangjian.orgs.models import Organization, VerticalSystem
from dangjian.orgs.services import set_post
from dangjian.rulebook.book import Book
from dangjian.staffing import services
from dangjian.staffing.models import PartyWorker
from dangjian.staffing.rollup import agency_units, half_detached, rollups, unit_rows
from sheets_files import write_xlsx

from conftest import make_org

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 30)
HEADER = ["单位党组织编码", "姓名", "出生日期", "专职", "职务", "单位在编人数"]


@pytest.fixture
def tax(region):
    """示范市税务系统: the city bureau has a 机关党委; 漠北 bureau is a 党总支 still under 漠北县委 (half-detached),
    南岭 bureau a 机关党委 under 南岭's 直属机关工委; a sub-bureau of 漠北 sits with the town."""
    system = VerticalSystem.objects.create(name="示范市税务系统", owner=region.city)
    make_org(region.city, "示范市直属机关工委", "T-CWORK", OrgKind.AGENCY_WORK_COMMITTEE, Level.CITY)  # not the nearest
    work = make_org(region.north, "漠北县直属机关工委", "T-NWORK", OrgKind.AGENCY_WORK_COMMITTEE, Level.COUNTY)
    south_work = make_org(region.south, "南岭县直属机关工委", "T-SWORK", OrgKind.AGENCY_WORK_COMMITTEE, Level.COUNTY)
    city = make_org(
        region.city,
        "市税务局机关党委",
        "T-CTAX",
        OrgKind.COMMITTEE,
        Level.CITY,
        Domain.AGENCY,
        system=system,
        system_tier=SystemTier.CITY_BUREAU,
        staff_total=200,
    )
    north = make_org(
        region.north,
        "漠北县税务局党总支",
        "T-NTAX",
        OrgKind.GENERAL_BRANCH,
        Level.COUNTY,
        Domain.AGENCY,
        system=system,
        system_tier=SystemTier.COUNTY_BUREAU,
        system_parent=city,
        staff_total=50,
    )
    south = make_org(
        south_work,
        "南岭县税务局机关党委",
        "T-STAX",
        OrgKind.COMMITTEE,
        Level.COUNTY,
        Domain.AGENCY,
        system=system,
        system_tier=SystemTier.COUNTY_BUREAU,
        system_parent=city,
        staff_total=100,
        has_discipline_committee=True,
    )
    sub = make_org(
        region.town,
        "松岭税务分局党支部",
        "T-SUBTAX",
        OrgKind.BRANCH,
        Level.TOWN,
        Domain.AGENCY,
        system=system,
        system_tier=SystemTier.SUB_BUREAU,
        system_parent=north,
    )
    for org, name, birth, full in [
        (city, "陈红", datetime.date(1976, 1, 1), True),  # 50
        (city, "林青", datetime.date(1988, 1, 1), True),  # 38
        (city, "吴兼", datetime.date(1970, 1, 1), False),  # part-time: not in the ages of full-time staff
        (north, "黄岭", datetime.date(1979, 1, 1), True),  # 47
    ]:
        services.save_worker(org, actor=None, name=name, birth_date=birth, full_time=full)
    set_post(city, actor=None, post=Post.FULLTIME_DEPUTY, holder_name="陈红")
    return {"system": system, "work": work, "city": city, "north": north, "south": south, "sub": sub}


def rows_for(orgs):
    return unit_rows(list(orgs), TODAY, Book.load())


def test_workers_keep_their_units_counts_in_step(tax):
    city = Organization.objects.get(pk=tax["city"].pk)
    assert (city.party_staff_fulltime, city.party_staff_parttime) == (2, 1)
    services.remove_worker(PartyWorker.objects.get(name="林青"), actor=None)
    city.refresh_from_db()
    assert city.party_staff_fulltime == 1
    assert AuditLog.objects.filter(object_type="partyworker", action="delete").count() == 1


def test_roll_ups_per_system_and_county_match_hand_counts(tax, region):
    units = list(agency_units(Organization.objects.all()))
    assert {u.code for u in units} == {"T-CTAX", "T-NTAX", "T-STAX"}  # the sub-bureau records no staff
    rows = rows_for(units)
    counties = {o.pk: o for o in Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE)}
    by_system, by_county, total = rollups(rows, counties)
    # Hand counts: staff 200 + 50 + 100 = 350; full-time 2 + 1 + 0 = 3; one unit of three without any;
    # full-time ages 50, 38, 47 → two of three aged 40+ and two aged 46+.
    assert (total.units, total.staff_total, total.fulltime, total.without_fulltime) == (3, 350, 3, 1)
    assert (total.aged_40_count, total.aged_46_count, total.with_ages) == (2, 2, 3)
    assert (total.ratio_text, total.without_text, total.aged_40_text) == ("0.86%", "33.3%", "66.7%")
    assert [(r.label, r.units, r.fulltime) for r in by_system] == [("示范市税务系统", 3, 3)]
    assert [(r.label, r.units, r.staff_total, r.fulltime) for r in by_county] == [
        ("南岭县委", 1, 100, 0),
        ("漠北县委", 1, 50, 1),
        ("（市直）", 1, 200, 2),
    ]


def test_each_unit_is_held_to_the_ratio_with_the_rule_named(tax):
    rows = {r.org.code: r for r in rows_for(agency_units(Organization.objects.all()))}
    city, north, south = rows["T-CTAX"], rows["T-NTAX"], rows["T-STAX"]
    assert (city.ratio_text, city.below, city.fulltime_deputy) == ("1.00%", False, True)
    assert (north.ratio_text, north.below) == ("2.00%", False)
    assert south.below and south.warnings == [
        "专职党务工作人员0人，占在编人数0.00%，低于1%–2%的一般要求"
        "（依据：《中国共产党党和国家机关基层组织工作条例》第三十条）",
        "机关党委尚未配备专职副书记（依据：《中国共产党党和国家机关基层组织工作条例》（1998年）第八条）",
    ]
    assert city.warnings == [
        "机关党委一般应设立机关纪委，或在党委中设纪检委员"
        "（依据：《中国共产党党和国家机关基层组织工作条例》（1998年）第九条）"
    ]


def test_the_half_detached_county_bureau_is_found_with_proposed_re_affiliations(tax):
    units = list(Organization.objects.filter(system=tax["system"]))
    parents = {o.pk: o for o in Organization.objects.filter(pk__in={u.parent_id for u in units})}
    works = {o.parent_id: o for o in Organization.objects.filter(kind=OrgKind.AGENCY_WORK_COMMITTEE)}
    found = half_detached(units, parents, works)
    assert [(h.bureau.code, h.parent.name) for h in found] == [("T-NTAX", "漠北县委")]
    assert found[0].proposals == [
        "将“漠北县税务局党总支”的党组织关系由“漠北县委”转隶“漠北县直属机关工委”",
        "“漠北县税务局党总支”党员达100人的，申请设立机关党委，统一归口管理下属分局党组织",
        "将“松岭税务分局党支部”的党组织关系归口到“漠北县税务局党总支”",
    ]


def test_no_bureau_is_half_detached_while_the_system_has_no_agency_committee(tax):
    units = [u for u in Organization.objects.filter(system=tax["system"]) if u.kind != OrgKind.COMMITTEE]
    parents = {o.pk: o for o in Organization.objects.all()}
    assert half_detached(units, parents, {}) == []


@time_machine.travel(datetime.datetime(2026, 6, 30, 12, 0), tick=False)
def test_the_pages_show_roll_ups_and_the_half_detached_bureau_within_scope(tax, login, county_user, city_admin):
    city = login(city_admin)
    index = city.get("/staffing/").content.decode()
    assert "示范市税务系统" in index and "33.3%" in index and "66.7%" in index
    page = city.get(f"/staffing/systems/{tax['system'].pk}/").content.decode()
    assert "漠北县税务局党总支</strong>（现隶属：漠北县委）" in page and "转隶“漠北县直属机关工委”" in page
    county = login(county_user).get("/staffing/").content.decode()
    assert "漠北县税务局党总支" in county and "南岭县税务局" not in county and "市税务局机关党委" not in county


def run_import(path):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", "staff", str(path), stdout=out, stderr=err)
    except CommandError as exc:
        return False, err.getvalue() + str(exc)
    return True, out.getvalue()


def test_staff_are_imported_all_or_nothing_with_chinese_errors(tax, tmp_path):
    good = [
        HEADER,
        ["T-STAX", "郑南", "1990-03-01", "是", "机关党委专职副书记", 100],
        ["T-STAX", "冯岭", "1975-05-01", "否", "组织委员", ""],
    ]
    ok, out = run_import(write_xlsx(tmp_path / "staff.xlsx", good, title="党务工作人员"))
    assert ok and "新增 2" in out, out
    south = Organization.objects.get(code="T-STAX")
    assert (south.party_staff_fulltime, south.party_staff_parttime, south.staff_total) == (1, 1, 100)
    ok, out = run_import(write_xlsx(tmp_path / "again.xlsx", good, title="党务工作人员"))
    assert ok and "无变化 2" in out, out

    before = (PartyWorker.objects.count(), AuditLog.objects.count())
    bad = [HEADER, ["T-NTAX", "新人", "1991-01-01", "是", "", ""], ["NO-SUCH", "某人", "", "", "", ""]]
    ok, out = run_import(write_xlsx(tmp_path / "bad.xlsx", bad, title="党务工作人员"))
    assert not ok
    assert "第 4 行「单位党组织编码」：组织编码“NO-SUCH”不存在或不在您的管理范围内" in out
    assert (PartyWorker.objects.count(), AuditLog.objects.count()) == before


def count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_units(region, system, start, n):
    for i in range(start, start + n):
        unit = make_org(
            region.north,
            f"漠北第{i:02d}局党支部",
            f"T-U{i:02d}",
            OrgKind.BRANCH,
            Level.COUNTY,
            Domain.AGENCY,
            system=system,
            system_tier=SystemTier.COUNTY_BUREAU,
            staff_total=30 + i,
        )
        services.save_worker(unit, actor=None, name=f"专干{i:02d}", birth_date=datetime.date(1980, 1, 1))
        set_post(unit, actor=None, post=Post.SECRETARY, holder_name=f"书记{i:02d}")


def test_the_staffing_pages_ask_the_same_number_of_queries_however_many_units(tax, region, login, city_admin):
    client = login(city_admin)
    urls = ["/staffing/", f"/staffing/systems/{tax['system'].pk}/"]
    add_units(region, tax["system"], 0, 2)
    few = [count(client, url) for url in urls]
    add_units(region, tax["system"], 2, 12)
    assert [count(client, url) for url in urls] == few
