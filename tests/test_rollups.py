"""Roll-ups kept on write (`orgs.tally`, `members.rollups`): every write path leaves them equal to a recount, in the
write's own transaction; the home figures are a read of them; `dangjian rollups` checks and rebuilds."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from dangjian.members import rollups
from dangjian.members.services import delete_member, transfer_member, update_member
from dangjian.orgs import tally
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.models import OrgTally
from dangjian.orgs.services import delete_org, move_org, update_org
from dangjian.sheets import imports, rowparse
from dangjian.sheets.fast import members as fast_members
from dangjian.sheets.imports import run_import
from sheets_files import write_csv
from test_import_paths import GOOD, HEADERS, seed

from conftest import make_member, make_org

pytestmark = pytest.mark.django_db


def consistent() -> bool:
    return rollups.differences() == []


def test_the_region_built_through_the_services_is_tallied(region):
    assert consistent()
    north = tally.totals([region.north.path])
    assert north["orgs"] == 4 and north["members"] == 4 and north["kind:branch"] == 2
    city = tally.totals([region.city.path])
    assert city["orgs"] == 7 and city["members"] == 5 and city["domain:village"] == 3
    assert tally.totals([region.north.path, region.south.path])["members"] == 5


def test_member_writes_keep_the_roll_ups(region):
    member = make_member(region.village, "新党员", 50, status="probationary", full_date=None)
    assert tally.totals([region.north.path])["members:probationary"] == 1
    update_member(member, actor=None, is_mobile=True, mobile_destination="深圳")
    assert tally.totals([region.town.path])["members:mobile"] == 1
    transfer_member(member, region.south_village, actor=None, reason="工作调动")
    assert tally.totals([region.north.path])["members"] == 4
    assert tally.totals([region.south.path])["members:mobile"] == 1
    assert consistent()
    delete_member(member, actor=None)
    assert tally.totals([region.south.path])["members"] == 1
    assert consistent()


def test_org_writes_keep_the_roll_ups(region):
    red = make_org(region.town, "红星村党支部", "T-RED", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    assert tally.totals([region.north.path])["orgs"] == 5
    update_org(red, actor=None, domain=Domain.COMMUNITY)
    north = tally.totals([region.north.path])
    assert north["domain:community"] == 1 and north["domain:village"] == 2
    move_org(region.town, region.south, actor=None)  # the town and its three branches, five members… four
    assert tally.totals([region.north.path])["orgs"] == 1
    assert tally.totals([region.south.path])["members"] == 5
    assert consistent()
    red.refresh_from_db()
    delete_org(red, actor=None)
    assert tally.totals([region.south.path])["orgs"] == 5
    assert consistent()


def test_a_refused_write_changes_no_roll_up(region):
    before = tally.stored()
    with pytest.raises(Exception):  # noqa: B017 - any refusal: the roll-up goes back with the transaction
        with transaction.atomic():
            make_member(region.village, "重复", 1)  # the ID number of 王春生: refused
    assert tally.stored() == before


@pytest.mark.parametrize("way", ["plain", "fast"])
def test_an_import_keeps_the_roll_ups_either_way(region, tmp_path, monkeypatch, town_user, way):
    seed(region)
    if way == "fast":
        monkeypatch.setattr(imports, "FAST_FROM", 0)
        monkeypatch.setattr(rowparse, "CHUNK", 3)
        monkeypatch.setattr(fast_members, "ROWS_PER_COPY", 4)
    before = tally.totals([region.town.path])["members"]
    report = run_import("members", write_csv(tmp_path / "good.csv", [HEADERS, *GOOD]), town_user)
    assert report.ok and report.created == 5
    town = tally.totals([region.town.path])
    assert town["members"] == before + 5
    assert town["members:probationary"] == 1 and town["members:untransferred"] == 1
    assert consistent()


def test_the_check_command_finds_a_drifted_roll_up_and_rebuild_mends_it(region, capsys):
    call_command("rollups", "--check")
    assert "一致" in capsys.readouterr().out
    OrgTally.objects.filter(org=region.town, key="members").update(n=999)
    with pytest.raises(CommandError) as refused:
        call_command("rollups", "--check")
    assert "1 项与实际不一致" in str(refused.value)
    assert "松岭镇党委" in capsys.readouterr().out
    call_command("rollups", "--rebuild")
    assert consistent()


def test_the_generator_leaves_consistent_roll_ups(db):
    from dangjian.demo.synth import generate

    generate(orgs=60, members=300, seed=3, log=lambda _: None)
    assert consistent()
    assert tally.totals(["00000001."])["members"] == 300


def test_the_home_page_reads_the_roll_ups(region, login, county_user):
    response = login(county_user).get("/")
    assert response.context["member_totals"]["total"] == 4
    assert response.context["org_total"] == 4
    assert dict(response.context["by_kind"])["党支部"] == 2
