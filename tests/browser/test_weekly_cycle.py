"""One whole week of "两下两上" [003] in a real browser, as the people who do it: the town publishes the week's
arrangement, the station relays it to its villages adding an item of its own, a village reports item by item with a
photo, the station forwards its report assembled from its villages', and the county reads the board."""

import datetime

import pytest
from django.contrib.auth.models import User

from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.services import create_org
from dangjian.stations.services import add_staff, bind_account, create_station
from dangjian.weekly import services as weekly
from dangjian.weekly.models import Arrangement, StationReport, VillageReport

from .signin import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-2026"


def org(parent, name, code, kind, level, domain=""):
    return create_org(actor=None, parent=parent, name=name, code=code, kind=kind, level=level, domain=domain)


def account(username):
    user = User.objects.create_user(username)
    set_password(user, PASSWORD, actor=user)  # past the first login's forced change
    return user


@pytest.fixture
def region():
    city = org(None, "示范市委", "B-CITY", OrgKind.CITY_COMMITTEE, Level.CITY)
    county = org(city, "兴安县委", "B-COUNTY", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
    town = org(county, "松岭镇党委", "B-TOWN", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    villages = [
        org(town, name, code, OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
        for name, code in (("青松村党支部", "B-PINE"), ("白桦村党支部", "B-BIRCH"), ("红星村党支部", "B-RED"))
    ]
    station = create_station(actor=None, town=town, name="松岭第一党建工作站", code="B-WS1", villages=villages)
    add_staff(station, actor=None, name="周站长", post="chief", full_time=True)
    grant_org(account("county_officer"), county, Role.MANAGE)
    grant_org(account("town_officer"), town, Role.EDIT)
    grant_org(account("pine_secretary"), villages[0], Role.EDIT)
    bind_account(station, account("station_officer"), actor=None)
    return {"town": town, "station": station, "villages": villages}


def log_in(browser, live_server, username):
    return signed_in(browser, live_server, username, PASSWORD)


def test_one_whole_week_down_and_up(browser, live_server, region):
    today = datetime.date.today()
    friday = (today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=4)).isoformat()

    # Monday, down (1): the town publishes the week's arrangement to its stations.
    town = log_in(browser, live_server, "town_officer")
    town.get_by_role("link", name="两下两上").click()
    town.get_by_role("link", name="松岭镇党委").click()
    town.get_by_role("link", name="发布本周工作安排").click()
    town.locator("input[name='form-0-title']").fill("召开党员大会")
    town.locator("input[name='form-0-target']").fill("传达学习会议精神")
    town.locator("input[name='form-0-due']").fill(friday)
    town.locator("input[name='form-1-title']").fill("开展入户走访")
    town.locator("input[name='form-1-due']").fill(friday)
    town.get_by_role("button", name="发布").click()
    town.get_by_text("已向各工作站发布").wait_for()
    assert town.locator("h1").inner_text().endswith("周工作安排表（镇→站）")

    # Monday, down (2): the station relays it to its villages, adding an item of its own and one it does itself.
    station = log_in(browser, live_server, "station_officer")
    station.get_by_role("link", name="两下两上").click()
    station.locator("#own-stations").get_by_role("link", name="松岭第一党建工作站").click()
    station.get_by_role("link", name="转发并下发本周安排").click()
    assert station.locator("#relayed").get_by_text("召开党员大会").is_visible()
    station.locator("input[name='form-0-title']").fill("整理组织生活台账")
    station.locator("input[name='form-0-due']").fill(friday)
    station.locator("input[name='form-1-title']").fill("站长列席村党员大会")
    station.locator("input[name='form-1-due']").fill(friday)
    station.locator("input[name='form-1-by_station']").check()
    station.get_by_role("button", name="下发到各村（社区）").click()
    station.get_by_text("已向本站联系的村（社区）下发").wait_for()
    relay = Arrangement.objects.get(station=region["station"])
    assert [i.title for i in relay.items.order_by("seq")] == [
        "召开党员大会",
        "开展入户走访",
        "整理组织生活台账",
        "站长列席村党员大会",
    ]

    # Friday, up (1): 青松村 reports item by item with a photo; 白桦村 reports too, 红星村 does not.
    pine = log_in(browser, live_server, "pine_secretary")
    pine.get_by_role("link", name="两下两上").click()
    pine.get_by_role("link", name="填写并报送").click()
    items = weekly.village_items(relay)
    assert len(items) == 3  # not the item the station does itself
    for item, status in zip(items, ["done", "partly", "done"], strict=True):
        pine.locator(f"input[name='status_{item.pk}'][value='{status}']").check()
    pine.locator(f"input[name='note_{items[1].pk}']").fill("走访了 5 户，2 户外出")
    pine.locator(f"input[name='photos_{items[0].pk}']").set_input_files(
        [{"name": "党员大会.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0 photo"}]
    )
    pine.get_by_role("button", name="报送工作站").click()
    pine.get_by_text("已向工作站报送本周工作完成情况").wait_for()
    assert pine.get_by_role("link", name="党员大会.jpg").is_visible()
    birch = region["villages"][1]
    answers = {i.pk: weekly.Answer("done") for i in items}
    weekly.submit_village_report(relay, birch, answers, actor=None)

    # Friday, up (2): the station forwards its report, assembled from the villages' — nothing typed twice.
    station.goto(f"{live_server.url}/weekly/station/{region['station'].pk}/")
    assert station.locator("#village-board").get_by_text("红星村党支部").is_visible()
    station.get_by_role("link", name="汇总并报送镇党委").click()
    rollup = station.locator("#rollup").inner_text()
    assert "青松村党支部：部分完成——走访了 5 户，2 户外出" in rollup
    own = relay.items.get(by_station=True)
    station.locator(f"input[name='status_{own.pk}'][value='done']").check()
    station.get_by_role("button", name="报送镇党委").click()
    station.get_by_text("已向乡镇党委报送本站本周工作完成情况").wait_for()
    report = StationReport.objects.get(arrangement=relay)
    lines = {ln.item.title: (ln.status, ln.done, ln.partly, ln.not_done, ln.missing) for ln in report.lines.all()}
    assert lines == {
        "召开党员大会": ("partly", 2, 0, 0, 1),
        "开展入户走访": ("partly", 1, 1, 0, 1),
        "整理组织生活台账": ("partly", 2, 0, 0, 1),
        "站长列席村党员大会": ("done", 0, 0, 0, 0),
    }

    # The county reads the board: who has sent, who is late.
    county = log_in(browser, live_server, "county_officer")
    county.get_by_role("link", name="两下两上").click()
    row = county.locator("#town-board tr", has_text="松岭镇党委")
    assert row.locator("td").nth(1).inner_text() == "已发布"
    assert row.locator("td").nth(3).inner_text() == "2 / 3"
    assert row.locator("td").nth(5).inner_text() == "1 / 1"
    county.get_by_role("link", name="松岭镇党委").click()
    board = county.locator("#station-board").inner_text()
    assert "红星村党支部（未报）" in board or "红星村党支部（逾期未报）" in board
    assert VillageReport.objects.filter(submitted_at__isnull=True).count() == 1
    for page in (town, station, pine, county):
        page.context.close()
