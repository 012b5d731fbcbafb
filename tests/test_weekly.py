"""The weekly cycle "两下两上" [003]: the town publishes, the station relays adding its own items, each village
reports item by item, the station's report to the town is assembled from its villages' reports plus its own items;
the on-time rate per organization and year; the week's window; scope; the Monday reminder."""

import datetime
import io
from collections import namedtuple
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from dangjian.assess.metrics import METRICS
from dangjian.cadence.models import Notification
from dangjian.core.models import AuditLog
from dangjian.flows.schedule import run_due
from dangjian.orgs.models import Organization
from dangjian.stations.services import update_station
from dangjian.weekly import services
from dangjian.weekly.models import Arrangement, ReportLine, StationReport, VillageReport
from dangjian.weekly.services import Answer

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.date(2026, 3, 16)  # 2026年第12周


def at(day: datetime.date, hour: int = 9):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def town_items(monday):
    return [
        {"title": "召开党员大会", "target": "传达学习会议精神", "due": monday + days(4)},
        {"title": "开展入户走访", "target": "走访困难党员", "due": monday + days(4)},
    ]


def own_items(monday):
    return [
        {"title": "整理组织生活台账", "target": "", "due": monday + days(4)},
        {"title": "站长列席村党员大会", "target": "", "due": monday + days(3), "by_station": True},
    ]


TOWN_ITEMS = town_items(MONDAY)


def week_of(station, town_user, station_user, monday=MONDAY):
    """The town publishes and the station relays, on the Monday."""
    with at(monday):
        services.publish_town_arrangement(station.town, monday, town_items(monday), actor=town_user)
        return services.relay_arrangement(station, monday, own_items(monday), actor=station_user)


def answers(arrangement, *statuses) -> dict[int, Answer]:
    items = services.village_items(arrangement)
    return {item.pk: Answer(status) for item, status in zip(items, statuses, strict=True)}


def village(code: str) -> Organization:
    return Organization.objects.get(code=code)


def test_the_station_relays_the_town_items_and_its_own_to_each_covered_village(station, town_user, station_user):
    relay = week_of(station, town_user, station_user)
    items = list(relay.items.order_by("seq"))
    assert [(i.seq, i.title, i.source_id is not None, i.by_station) for i in items] == [
        (1, "召开党员大会", True, False),
        (2, "开展入户走访", True, False),
        (3, "整理组织生活台账", False, False),
        (4, "站长列席村党员大会", False, True),
    ]
    assert set(VillageReport.objects.filter(arrangement=relay).values_list("village__code", flat=True)) == {
        "T-VILLAGE",
        "T-BIRCH",
        "T-RED",
    }
    assert relay.source.level == "town"


def test_the_station_report_is_rolled_up_from_the_village_reports(station, town_user, station_user):
    relay = week_of(station, town_user, station_user)
    with at(MONDAY + days(3)):
        # items: 召开党员大会, 开展入户走访, 整理组织生活台账
        services.submit_village_report(
            relay, village("T-VILLAGE"), answers(relay, "done", "done", "not_done"), actor=station_user
        )
        services.submit_village_report(
            relay, village("T-BIRCH"), answers(relay, "done", "not_done", "not_done"), actor=station_user
        )
        services.submit_village_report(
            relay, village("T-RED"), answers(relay, "done", "not_done", "not_done"), actor=station_user
        )
        own = {relay.items.get(by_station=True).pk: Answer("done", "列席青松村党员大会")}
        report = services.forward_station_report(relay, actor=station_user, own=own)
    lines = [
        (ln.item.title, ln.status, ln.done, ln.partly, ln.not_done, ln.missing, ln.note)
        for ln in report.lines.select_related("item").order_by("item__seq")
    ]
    assert lines == [
        ("召开党员大会", "done", 3, 0, 0, 0, ""),  # every village did it
        ("开展入户走访", "partly", 1, 0, 2, 0, ""),  # one of three did
        ("整理组织生活台账", "not_done", 0, 0, 3, 0, ""),  # none did
        ("站长列席村党员大会", "done", 0, 0, 0, 0, "列席青松村党员大会"),  # the station's own, typed once
    ]


def test_a_village_that_did_not_report_counts_as_not_done(station, town_user, station_user):
    relay = week_of(station, town_user, station_user)
    with at(MONDAY + days(4)):
        services.submit_village_report(
            relay, village("T-VILLAGE"), answers(relay, "done", "partly", "done"), actor=station_user
        )
        services.submit_village_report(
            relay, village("T-BIRCH"), answers(relay, "done", "not_done", "done"), actor=station_user
        )
        rows = services.roll_up(relay)
    assert [(r.item.title, r.status, r.done, r.partly, r.not_done, r.missing) for r in rows] == [
        ("召开党员大会", "partly", 2, 0, 0, 1),  # 红星村 has not reported: not all three done
        ("开展入户走访", "partly", 0, 1, 1, 1),
        ("整理组织生活台账", "partly", 2, 0, 0, 1),
    ]


def test_the_on_time_rate_per_organization_and_year(station, town_user, station_user):
    """青松村 over four weeks: on time, late (Saturday), never (after the close), on time → 2 of 4 = 0.5.
    松岭镇 through its station's reports to the town: on time in week 1 only → 1 of 4 = 0.25."""
    mondays = [MONDAY + days(7 * n) for n in range(4)]
    relays = [week_of(station, town_user, station_user, monday) for monday in mondays]
    qingsong = village("T-VILLAGE")
    with at(mondays[0] + days(3)):
        services.submit_village_report(
            relays[0], qingsong, answers(relays[0], "done", "done", "done"), actor=station_user
        )
        services.forward_station_report(
            relays[0], actor=station_user, own={relays[0].items.get(by_station=True).pk: Answer("done")}
        )
    with at(mondays[1] + days(5)):  # Saturday: late
        services.submit_village_report(
            relays[1], qingsong, answers(relays[1], "done", "done", "done"), actor=station_user
        )
        services.forward_station_report(
            relays[1], actor=station_user, own={relays[1].items.get(by_station=True).pk: Answer("done")}
        )
    with at(mondays[3] + days(4), hour=20):  # Friday evening: on time
        services.submit_village_report(
            relays[3], qingsong, answers(relays[3], "done", "done", "done"), actor=station_user
        )
    Participant = namedtuple("Participant", "id org_id")
    people = [Participant(1, qingsong.pk), Participant(2, station.town_id), Participant(3, village("T-BIRCH").pk)]
    with at(datetime.date(2026, 12, 31)):
        shares = METRICS["weekly_on_time"].compute(people, datetime.date(2026, 12, 31), 2026)
    assert shares == {1: Decimal("0.5"), 2: Decimal("0.25"), 3: Decimal(0)}
    # A cut-off before week 4's Friday leaves week 4 out: 青松村 1 of 3 on time.
    early = METRICS["weekly_on_time"].compute(people[:1], mondays[3] + days(3), 2026)
    assert early == {1: Decimal(1) / 3}


def test_a_report_for_a_week_not_yet_open_is_refused(station, town_user, station_user):
    with at(MONDAY):  # published a week ahead
        services.publish_town_arrangement(station.town, MONDAY + days(7), town_items(MONDAY + days(7)), actor=town_user)
        relay = services.relay_arrangement(station, MONDAY + days(7), own_items(MONDAY + days(7)), actor=station_user)
    with at(MONDAY + days(2)), pytest.raises(ValidationError) as caught:
        services.submit_village_report(
            relay, village("T-VILLAGE"), answers(relay, "done", "done", "done"), actor=station_user
        )
    assert caught.value.messages == ["2026年第13周（3月23日—3月29日）尚未开始，不能报送完成情况。"]
    assert not ReportLine.objects.exists()


def test_a_report_after_the_week_closed_is_refused_and_nothing_is_written(station, town_user, station_user):
    relay = week_of(station, town_user, station_user)
    before = AuditLog.objects.count()
    with at(MONDAY + days(12)), pytest.raises(ValidationError) as caught:  # closed the Friday after
        services.submit_village_report(
            relay, village("T-VILLAGE"), answers(relay, "done", "done", "done"), actor=station_user
        )
    assert caught.value.messages == ["2026年第12周（3月16日—3月22日）的完成情况已于 3月27日截止报送，不能再报送。"]
    assert not ReportLine.objects.exists()
    assert VillageReport.objects.filter(submitted_at__isnull=False).count() == 0
    assert AuditLog.objects.count() == before


def test_a_report_by_a_village_the_station_no_longer_covers_is_refused(
    station, region, town_user, station_user, county_user
):
    relay = week_of(station, town_user, station_user)
    update_station(
        station, actor=county_user, name=station.name, code=station.code, villages=[region.village, region.birch]
    )
    with at(MONDAY + days(3)), pytest.raises(ValidationError) as caught:
        services.submit_village_report(
            relay, village("T-RED"), answers(relay, "done", "done", "done"), actor=county_user
        )
    assert caught.value.messages == ["“红星村党支部”不在松岭第一党建工作站的联系范围内，不能报送该站安排的完成情况。"]
    assert not ReportLine.objects.exists()


def test_every_item_needs_an_answer_and_a_report_is_sent_once(station, town_user, station_user):
    relay = week_of(station, town_user, station_user)
    first = services.village_items(relay)[0]
    with at(MONDAY + days(3)):
        with pytest.raises(ValidationError) as caught:
            services.submit_village_report(relay, village("T-VILLAGE"), {first.pk: Answer("done")}, actor=station_user)
        assert caught.value.message_dict["lines"] == [
            "请填写每一项的完成情况：“开展入户走访”尚未填写。",
            "请填写每一项的完成情况：“整理组织生活台账”尚未填写。",
        ]
        services.submit_village_report(
            relay, village("T-VILLAGE"), answers(relay, "done", "done", "done"), actor=station_user
        )
        with pytest.raises(ValidationError) as caught:
            services.submit_village_report(
                relay, village("T-VILLAGE"), answers(relay, "done", "done", "done"), actor=station_user
            )
    assert caught.value.messages == ["青松村党支部2026年第12周的完成情况已于 3月19日 09:00 报送，不能重复报送。"]


def test_the_town_publishes_once_a_week(station, town_user):
    with at(MONDAY):
        services.publish_town_arrangement(station.town, MONDAY + days(2), TOWN_ITEMS, actor=town_user)
        with pytest.raises(ValidationError) as caught:
            services.publish_town_arrangement(station.town, MONDAY, TOWN_ITEMS, actor=town_user)
    assert caught.value.messages == ["2026年第12周（3月16日—3月22日）的安排已于 3月16日 09:00 发布，不能重复发布。"]
    assert Arrangement.objects.count() == 1


def test_a_village_never_sees_another_villages_report(station, town_user, station_user, branch_secretary, login):
    relay = week_of(station, town_user, station_user)
    with at(MONDAY + days(3)):
        services.submit_village_report(
            relay, village("T-BIRCH"), answers(relay, "done", "done", "done"), actor=station_user
        )
    birch = VillageReport.objects.get(village__code="T-BIRCH")
    own = VillageReport.objects.get(village__code="T-VILLAGE")
    client = login(branch_secretary)
    assert client.get(f"/weekly/reports/{birch.pk}/").status_code == 404
    assert client.get(f"/weekly/reports/{own.pk}/").status_code == 200
    assert client.get(f"/weekly/arrangements/{relay.pk}/").status_code == 200  # addressed to it
    assert client.get(f"/weekly/station/{station.pk}/").status_code == 404  # the station's board: its villages' states
    data = client.get("/api/weekly/reports/").json()
    assert [r["village_code"] for r in data["results"]] == ["T-VILLAGE"]


def test_the_station_sees_its_villages_reports_and_the_town_board(station, town_user, station_user, login):
    relay = week_of(station, town_user, station_user)
    client = login(station_user)
    for report in VillageReport.objects.filter(arrangement=relay):
        assert client.get(f"/weekly/reports/{report.pk}/").status_code == 200
    assert client.get(f"/weekly/arrangements/{relay.source_id}/").status_code == 200  # the town's, to relay
    assert client.get(f"/weekly/town/{station.town_id}/").status_code == 404  # the town board is the town's
    data = client.get(f"/api/weekly/reports/?week={MONDAY + days(2)}").json()
    assert data["count"] == 3


def test_the_monday_reminder_reaches_the_late_villages_and_the_station(
    station, town_user, station_user, branch_secretary
):
    relay = week_of(station, town_user, station_user)
    with at(MONDAY + days(3)):
        services.submit_village_report(
            relay, village("T-BIRCH"), answers(relay, "done", "done", "done"), actor=station_user
        )
    with at(MONDAY + days(7), hour=1):
        run_due(only="weekly_cycle_reminder")
        run_due(only="weekly_cycle_reminder")  # cron firing twice tells nobody twice
    titles = sorted(Notification.objects.filter(user=branch_secretary).values_list("title", flat=True))
    assert titles == ["每周一提示：青松村党支部2026年第12周（3月16日—3月22日）的工作完成情况尚未报送"]
    late_station = Notification.objects.get(user=station_user, title__contains="尚未报送镇党委")
    assert late_station.title == "每周一提示：松岭第一党建工作站2026年第12周（3月16日—3月22日）的完成情况尚未报送镇党委"
    assert late_station.body.endswith("尚未报送的村（社区）：青松村党支部、红星村党支部。")
    assert Notification.objects.filter(user=station_user).count() == 3  # and, holding them, each late village's


def test_the_four_forms_are_workbooks_printed_on_a4(station, town_user, station_user, login):
    relay = week_of(station, town_user, station_user)
    with at(MONDAY + days(3)):
        for code in ("T-VILLAGE", "T-BIRCH", "T-RED"):
            services.submit_village_report(
                relay, village(code), answers(relay, "done", "partly", "done"), actor=station_user
            )
        report = services.forward_station_report(
            relay, actor=station_user, own={relay.items.get(by_station=True).pk: Answer("done")}
        )
    client = login(town_user)
    qingsong = VillageReport.objects.get(village__code="T-VILLAGE")
    urls = {
        "松岭镇党委2026年第12周镇→站工作安排表": f"/weekly/arrangements/{relay.source_id}.xlsx",
        "松岭第一党建工作站2026年第12周站→村工作安排表": f"/weekly/arrangements/{relay.pk}.xlsx",
        "青松村党支部2026年第12周工作完成情况表": f"/weekly/reports/{qingsong.pk}.xlsx",
        "松岭第一党建工作站2026年第12周站→镇工作完成情况表": f"/weekly/station-reports/{report.pk}.xlsx",
    }
    for title, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        assert sheet["A1"].value == title
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    station_sheet = load_workbook(io.BytesIO(b"".join(client.get(urls[list(urls)[3]]).streaming_content))).active
    assert [c.value for c in station_sheet[5]][:8] == [2, "开展入户走访", "各村（社区）完成", "部分完成", 0, 3, 0, 0]
    assert StationReport.objects.count() == 1
