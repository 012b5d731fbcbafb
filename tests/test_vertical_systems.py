"""The business line (条) beside party affiliation (块): who sees a system, and where its chain breaks [000]."""

import io

import pytest
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import load_workbook

from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.orgs.choices import Domain, Level, OrgKind, SystemTier
from dangjian.orgs.models import Organization, VerticalSystem
from dangjian.orgs.services import create_org
from dangjian.sheets.imports import run_import

pytestmark = pytest.mark.django_db
PASSWORD = "systems-test-2026"


def org(parent, name, code, kind, level, domain="", **extra):
    return create_org(actor=None, parent=parent, name=name, code=code, kind=kind, level=level, domain=domain, **extra)


@pytest.fixture
def tax_line():
    city = org(None, "示范市委", "S-CITY", OrgKind.CITY_COMMITTEE, Level.CITY)
    agency = org(city, "示范市直属机关工委", "S-AGENCY", OrgKind.AGENCY_WORK_COMMITTEE, Level.CITY)
    north = org(city, "漠北县委", "S-NORTH", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
    south = org(city, "南岭县委", "S-SOUTH", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
    town = org(north, "松岭镇党委", "S-TOWN", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    system = VerticalSystem.objects.create(name="示范市税务系统", owner=agency)
    bureau = org(
        agency,
        "市税务局机关党委",
        "S-CB",
        OrgKind.COMMITTEE,
        Level.CITY,
        Domain.AGENCY,
        system=system,
        system_tier=SystemTier.CITY_BUREAU,
    )
    county_bureau = org(
        north,
        "漠北县税务局机关党委",
        "S-NB",
        OrgKind.COMMITTEE,
        Level.COUNTY,
        Domain.AGENCY,
        system=system,
        system_tier=SystemTier.COUNTY_BUREAU,
        system_parent=bureau,
    )
    at_town = org(
        town,
        "松岭税务分局党支部",
        "S-SUB1",
        OrgKind.BRANCH,
        Level.TOWN,
        Domain.AGENCY,
        system=system,
        system_tier=SystemTier.SUB_BUREAU,
        system_parent=county_bureau,
    )
    in_line = org(
        county_bureau,
        "城区税务分局党支部",
        "S-SUB2",
        OrgKind.BRANCH,
        Level.COUNTY,
        Domain.AGENCY,
        system=system,
        system_tier=SystemTier.SUB_BUREAU,
        system_parent=county_bureau,
    )
    return {
        "city": city,
        "north": north,
        "south": south,
        "system": system,
        "county_bureau": county_bureau,
        "at_town": at_town,
        "in_line": in_line,
    }


def client_for(org_, role=Role.READ):
    user = User.objects.create_user(f"user-{org_.code}")
    set_password(user, PASSWORD, actor=user)  # past the first login's forced change
    grant_org(user, org_, role)
    client = Client()
    client.force_login(user)
    return client


def test_only_a_sub_bureau_affiliated_to_the_town_is_a_break(tax_line):
    assert Organization.objects.get(pk=tax_line["at_town"].pk).system_chain_broken()
    assert not Organization.objects.get(pk=tax_line["in_line"].pk).system_chain_broken()
    # A county bureau under the county committee is the intended dual leadership.
    assert not Organization.objects.get(pk=tax_line["county_bureau"].pk).system_chain_broken()


def test_a_county_sees_the_system_its_units_belong_to_but_not_the_city_units(tax_line):
    client = client_for(tax_line["north"])
    listing = client.get("/orgs/systems/")
    assert "示范市税务系统" in listing.content.decode()

    chain = client.get(f"/orgs/systems/{tax_line['system'].pk}/")
    body = chain.content.decode()
    assert chain.status_code == 200
    assert "松岭税务分局党支部" in body and "漠北县税务局机关党委" in body
    assert "市税务局机关党委" not in body.replace("漠北县税务局机关党委", "")
    assert "（数据范围外）" in body  # the county bureau's line parent is the city bureau
    assert chain.context["broken_count"] == 1


def test_a_county_without_units_in_the_system_sees_nothing_of_it(tax_line):
    client = client_for(tax_line["south"])
    assert "示范市税务系统" not in client.get("/orgs/systems/").content.decode()
    assert client.get(f"/orgs/systems/{tax_line['system'].pk}/").status_code == 404


def test_seeing_a_unit_does_not_let_a_county_change_the_system(tax_line):
    from dangjian.core.scope import Action

    user = User.objects.create_user("north-manager", password=PASSWORD)
    grant_org(user, tax_line["north"], Role.MANAGE)
    assert VerticalSystem.objects.restrict(user, Action.VIEW).count() == 1
    assert VerticalSystem.objects.restrict(user, Action.CHANGE).count() == 0


def exported_orgs(client) -> dict[str, dict]:
    """The organization export as {code: {header: value}}."""
    response = client.get("/sheets/export/orgs/")
    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active.iter_rows(
            values_only=True
        )
    )
    header = rows[2]
    return {row[header.index("组织编码")]: dict(zip(header, row, strict=True)) for row in rows[3:]}


def test_the_export_names_a_line_parent_outside_the_scope_as_the_page_does(tax_line):
    rows = exported_orgs(client_for(tax_line["north"]))
    # The county bureau answers to the city's bureau, outside the county: its code is not shown, as on the page.
    assert rows["S-NB"]["业务上级（条）编码"] == "（数据范围外）"
    assert "S-CB" not in repr(rows)
    assert rows["S-SUB1"]["业务上级（条）编码"] == "S-NB"  # in scope: shown
    city_rows = exported_orgs(client_for(tax_line["city"]))
    assert city_rows["S-NB"]["业务上级（条）编码"] == "S-CB"


def test_the_api_gives_a_line_parent_outside_the_scope_as_null(tax_line):
    client = client_for(tax_line["north"])
    listed = {org["code"]: org for org in client.get("/api/orgs/").json()["results"]}
    assert listed["S-NB"]["system_parent"] is None
    assert listed["S-SUB1"]["system_parent"] == tax_line["county_bureau"].pk
    detail = client.get(f"/api/orgs/{tax_line['county_bureau'].pk}/").json()
    assert detail["system_parent"] is None
    city = client_for(tax_line["city"]).get(f"/api/orgs/{tax_line['county_bureau'].pk}/").json()
    assert city["system_parent"] == Organization.objects.get(code="S-CB").pk


def test_a_county_reimporting_its_export_keeps_the_line_parent_it_cannot_see(tax_line, tmp_path):
    user = User.objects.create_user("north-editor")
    set_password(user, PASSWORD, actor=user)
    grant_org(user, tax_line["north"], Role.MANAGE)
    client = Client()
    client.force_login(user)
    response = client.get("/sheets/export/orgs/")
    path = tmp_path / "党组织名册.xlsx"
    path.write_bytes(b"".join(response.streaming_content))

    report = run_import("orgs", path, user)

    assert report.ok, report.errors
    assert report.created == report.updated == 0
    assert Organization.objects.get(code="S-NB").system_parent.code == "S-CB"
