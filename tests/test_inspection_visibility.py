"""Unannounced means unannounced ("不打招呼、直接到村" [003]): until the team has been there, a drawn organization's own
users — its secretary, and the town above it — see nothing of the draw on any page, API route, notification or
export; the inspectors see their own targets only; the organizers see everything. After the visit the organization
sees its own visit; after the visit window closes, the whole draw."""

from __future__ import annotations

import datetime
import io
import json

import pytest
import time_machine
from docx import Document
from openpyxl import load_workbook

from dangjian.accounts.models import Role
from dangjian.cadence.models import Notification
from dangjian.inspections import services
from dangjian.inspections.models import Draw
from inspection_setup import AFTER_DRAW, T0, TZ, VISIT_DAY, all_yes, committed, generated_bulletin, inspection_county

from conftest import persona

pytestmark = pytest.mark.django_db
HEAD, BEACON = "ab" * 32, "2026030 07 12 19 23 28 31+05"  # the fixed vector: 冰河二村 and 白桦村 are drawn
TITLE = "2026年3月随机督导"


@pytest.fixture
def county(region):
    return inspection_county(region)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def birch_secretary(region):
    return persona("birch_secretary", region.birch, Role.EDIT)


@pytest.fixture
def made(birch_secretary, town_user, county_user, county, clock, monkeypatch):
    draw = committed(county)
    Draw.objects.filter(pk=draw.pk).update(beacon=BEACON)
    monkeypatch.setattr(services, "locked_head", lambda: (0, HEAD))
    clock.move_to(AFTER_DRAW)
    draw = services.make_draw(Draw.objects.get(pk=draw.pk), actor=None)
    clock.move_to(datetime.datetime.combine(VISIT_DAY, datetime.time(15), tzinfo=TZ))
    return draw


OWN_ORG = {"birch_secretary": "T-BIRCH", "town_user": "T-TOWN"}


def urls(draw, org="T-TOWN"):
    birch, ice2 = draw.targets.get(key="T-BIRCH"), draw.targets.get(key="T-ICE2")
    return {
        "draws": "/inspections/",
        "draw": f"/inspections/{draw.pk}/",
        "verify": f"/inspections/{draw.pk}/verify/",
        "export": f"/inspections/{draw.pk}/export.json",
        "target": f"/inspections/targets/{birch.pk}/",
        "visit_form": f"/inspections/targets/{birch.pk}/visit/",
        "other_target": f"/inspections/targets/{ice2.pk}/",
        "spot_checks": "/inspections/spot-checks/",
        "findings": "/inspections/findings/",
        "bulletin": f"/inspections/bulletin/?org={org}&year=2026",
        "api_draws": "/api/inspections/draws/",
        "api_draw": f"/api/inspections/draws/{draw.pk}/",
        "api_visits": "/api/inspections/visits/",
        "api_findings": "/api/inspections/findings/",
        "notifications": "/notifications/",
        "home": "/",
    }


def traces(draw) -> list[str]:
    """What would give the draw away: its title, its commitment, its secret, a target's address."""
    return [
        TITLE,
        draw.commitment,
        draw.revealed_secret,
        *[f"/inspections/targets/{t.pk}/" for t in draw.targets.all()],
    ]


def body_of(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode()


def downloads(client, org) -> str:
    """The bulletin (Word and Excel) of the user's organization and the findings export, as text."""
    docx, xlsx = generated_bulletin(client, {"org": org, "year": 2026, "quarter": ""})
    doc = Document(io.BytesIO(docx))
    text = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for content in (xlsx, b"".join(client.get("/inspections/findings.xlsx").streaming_content)):
        book = load_workbook(io.BytesIO(content))
        text += [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row]
    return "\n".join(text)


@pytest.mark.parametrize("who", ["birch_secretary", "town_user"])
def test_a_drawn_organization_sees_nothing_of_its_pending_draw(made, who, login, request):
    client, org = login(request.getfixturevalue(who)), OWN_ORG[who]
    for name, url in urls(made, org).items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        if name in ("draw", "verify", "export", "target", "visit_form", "other_target", "api_draw"):
            assert response.status_code == 404, name
        body = body_of(response)
        for trace in traces(made):
            assert trace not in body, (name, trace)
    assert client.get("/api/inspections/draws/").json()["count"] == 0
    figures = client.get(f"/inspections/bulletin/?org={org}&year=2026").context["data"]
    assert (figures.draws, figures.drawn, len(figures.visits)) == (0, 0, 0)
    text = downloads(client, org)
    assert TITLE not in text and "党员花名册" not in text
    assert "共开展随机抽取0次，抽中督导对象0个" in text
    assert not Notification.objects.filter(user=request.getfixturevalue(who)).exists()


def test_the_organizers_see_the_whole_draw_at_once(made, county_user, login):
    client = login(county_user)
    page = client.get(f"/inspections/{made.pk}/").content.decode()
    assert made.revealed_secret in page and "白桦村党支部" in page and "冰河二村党支部" in page
    api = client.get(f"/api/inspections/draws/{made.pk}/").json()
    assert api["reveal"]["secret"] == made.revealed_secret
    assert [t["key"] for t in api["targets"]] == ["T-ICE2", "T-BIRCH"]
    exported = json.loads(body_of(client.get(f"/inspections/{made.pk}/export.json")))
    assert exported["secret"] == made.revealed_secret
    assert client.get(f"/inspections/{made.pk}/verify/").status_code == 200


def test_an_inspector_sees_their_own_targets_only_and_no_secret(made, county, login):
    client = login(county.icy)  # on 白桦村's team only
    birch, ice2 = made.targets.get(key="T-BIRCH"), made.targets.get(key="T-ICE2")
    assert client.get(f"/inspections/targets/{birch.pk}/").status_code == 200
    assert client.get(f"/inspections/targets/{ice2.pk}/").status_code == 404
    page = client.get(f"/inspections/{made.pk}/").content.decode()
    assert "白桦村党支部" in page and "冰河二村党支部" not in page and made.revealed_secret not in page
    assert client.get(f"/inspections/{made.pk}/export.json").status_code == 404
    api = client.get(f"/api/inspections/draws/{made.pk}/").json()
    assert api["reveal"] is None and [t["key"] for t in api["targets"]] == ["T-BIRCH"]


def test_after_the_visit_the_organization_sees_its_own_visit_and_after_the_window_the_whole_draw(
    made, county, birch_secretary, login, clock
):
    birch = made.targets.get(key="T-BIRCH")
    services.record_visit(birch, actor=county.icy, visited_on=VISIT_DAY, met="孙白桦", results=all_yes(birch, no=(1,)))
    client = login(birch_secretary)
    assert client.get(f"/inspections/targets/{birch.pk}/").status_code == 200
    page = client.get(f"/inspections/{made.pk}/").content.decode()
    assert "白桦村党支部" in page and "冰河二村党支部" not in page and made.revealed_secret not in page
    assert client.get(f"/inspections/{made.pk}/export.json").status_code == 404
    assert [f["title"] for f in client.get("/api/inspections/findings/").json()["results"]] == ["党员花名册"]
    (note,) = Notification.objects.filter(user=birch_secretary)
    assert note.title == "督导反馈：白桦村党支部 2026-03-05 督导检查，1 项不符合"

    clock.move_to(datetime.datetime(2026, 4, 1, 9, tzinfo=TZ))  # the visit window closed on 31 March
    client = login(birch_secretary)  # a new session: the old one ended while the clock moved on
    page = client.get(f"/inspections/{made.pk}/").content.decode()
    assert "冰河二村党支部" in page and made.revealed_secret in page
    assert json.loads(body_of(client.get(f"/inspections/{made.pk}/export.json")))["secret"] == made.revealed_secret
