"""Lists page through all their rows with the one pager, and a short list on another page says how many it leaves out:
no list stops at a fixed number without saying so."""

import datetime

import pytest

from dangjian.accountability import services as accountability
from dangjian.accountability import views as accountability_views
from dangjian.accountability.choices import CommendationKind, RecordKind
from dangjian.accountability.proposal_views import RatingListView
from dangjian.accounts.tokens import issue_token
from dangjian.assess import services as assess
from dangjian.assess.views import AssessmentListView
from dangjian.cadence.models import Notification
from dangjian.rectify import views as rectify_views
from dangjian.rectify.models import CaseSource
from dangjian.rectify.services import open_case
from schemes import COUNTY_SCHEME

pytestmark = pytest.mark.django_db


def talks(org, name, count):
    for day in range(1, count + 1):
        accountability.record_accountability(
            actor=None,
            org=org,
            person_name=name,
            person_post="书记",
            kind=RecordKind.TALK,
            date=datetime.date(2026, 5, day),
            reason=f"第{day}次约谈事由",
        )


def test_the_record_list_pages_and_keeps_its_filters(region, login, county_user, monkeypatch):
    monkeypatch.setattr(accountability_views.RecordListView, "paginate_by", 2)
    talks(region.village, "王春生", 3)
    client = login(county_user)
    first = client.get("/accountability/?kind=talk").content.decode()
    assert "共 3 条" in first and "第 1 / 2 页" in first
    assert 'href="?kind=talk&amp;page=2">下一页</a>' in first
    assert "第1次约谈事由" not in first  # newest first: the oldest is on the second page
    second = client.get("/accountability/?kind=talk&page=2").content.decode()
    assert "第1次约谈事由" in second and "第 2 / 2 页" in second


def test_the_commendation_list_pages_instead_of_stopping(region, login, county_user, monkeypatch):
    monkeypatch.setattr(accountability_views.CommendationListView, "paginate_by", 2)
    for i, name in enumerate(["张一", "张二", "张三"]):
        accountability.commend(
            actor=county_user,
            org=region.village,
            person_name=name,
            year=2024 + i,
            kind=CommendationKind.HONOUR,
            reason="工作突出",
        )
    client = login(county_user)
    first = client.get("/accountability/commendations/").content.decode()
    assert "共 3 条" in first and "张三" in first and "张一" not in first and "末页" in first
    assert "张一" in client.get("/accountability/commendations/?page=2").content.decode()
    by_name = client.get("/accountability/commendations/?q=张一").content.decode()
    assert "共 1 条" in by_name and "张三" not in by_name


def test_the_rating_list_pages(region, login, county_user, monkeypatch):
    from dangjian.orgs.models import Workstation

    monkeypatch.setattr(RatingListView, "paginate_by", 1)
    station = Workstation.objects.create(name="松岭第一工作站", code="T-WS1", town=region.town, chief_name="周站长")
    for year in (2025, 2026):
        accountability.rate_chief(
            actor=county_user, workstation=station, year=year, chief_name="周站长", rating="competent"
        )
    body = login(county_user).get("/accountability/ratings/").content.decode()
    assert "共 2 条" in body and "第 1 / 2 页" in body


def test_the_assessment_list_pages_its_schemes_apart_from_its_assessments(region, login, county_user, monkeypatch):
    monkeypatch.setattr(AssessmentListView, "paginate_by", 2)
    for year in (2024, 2025, 2026):
        text = COUNTY_SCHEME.replace("2026", str(year))
        assess.save_scheme(actor=county_user, owner=region.north, text=text)
    client = login(county_user)
    first = client.get("/assess/").content.decode()
    assert "考核方案（3）" in first and "漠北县2024年度考核方案" not in first
    assert 'href="?schemes_page=2">下一页</a>' in first
    second = client.get("/assess/?schemes_page=2").content.decode()
    assert "漠北县2024年度考核方案" in second and "漠北县2026年度考核方案" not in second


def test_the_case_list_pages_instead_of_stopping_at_200(region, login, county_user, monkeypatch):
    monkeypatch.setattr(rectify_views.CaseListView, "paginate_by", 2)
    for org in (region.village, region.birch, region.town):
        open_case(org, year=2026, source=CaseSource.MANUAL, actor=None, reasons=["班子软弱"])
    client = login(county_user)
    first = client.get("/rectify/?year=2026").content.decode()
    assert "共 3 个案件。" in first and "第 1 / 2 页" in first
    assert 'href="?year=2026&amp;page=2">下一页</a>' in first
    second = client.get("/rectify/?year=2026&page=2").context["page"]
    assert len(second.object_list) == 1


def test_the_ledger_says_how_many_open_cases_it_leaves_out(region, login, county_user, monkeypatch):
    monkeypatch.setattr(rectify_views, "LEDGER_CASES", 1)
    for org in (region.village, region.birch):
        open_case(org, year=2026, source=CaseSource.MANUAL, actor=None, reasons=["班子软弱"])
    body = login(county_user).get(f"/rectify/ledger/{region.north.pk}/").content.decode()
    assert "共 2 个，仅显示前 1 个，" in body
    assert '<a href="/rectify/?org_code=T-NORTH">查看全部</a>' in body


def test_the_person_page_says_how_many_records_it_leaves_out(region, login, county_user, monkeypatch):
    monkeypatch.setattr(accountability_views, "PERSON_ROWS", 2)
    talks(region.village, "王春生", 3)
    body = login(county_user).get("/accountability/person/?q=王春生&org_code=T-TOWN").content.decode()
    assert "共 3 条，仅显示前 2 条，" in body
    assert '<a href="/accountability/?q=%E7%8E%8B%E6%98%A5%E7%94%9F&amp;org_code=T-TOWN">查看全部</a>' in body


def test_the_notifications_page_with_the_one_pager(region, login, county_user):
    Notification.objects.bulk_create(Notification(user=county_user, title=f"通知{i}", key=f"k{i}") for i in range(51))
    body = login(county_user).get("/notifications/").content.decode()
    assert "第 1 / 2 页" in body and 'href="?page=2">末页</a>' in body


def test_the_token_page_pages_the_tokens_a_script_left_behind(county_user, login):
    for i in range(51):
        issue_token(county_user, actor=county_user, label=f"脚本{i:02d}")
    body = login(county_user).get("/accounts/tokens/").content.decode()
    assert "第 1 / 2 页" in body and 'href="?page=2">末页</a>' in body


@pytest.mark.parametrize(
    "url, message",
    [
        ("/accountability/commendations/?page=abc", "参数“page”应为 1 到 9223372036854775807 之间的整数。"),
        ("/rectify/?year=2026&page=0", "参数“page”应为 1 到 9223372036854775807 之间的整数。"),
        ("/assess/?schemes_page=-1", "参数“schemes_page”应为 1 到 9223372036854775807 之间的整数。"),
        ("/notifications/?page=1.5", "参数“page”应为 1 到 9223372036854775807 之间的整数。"),
        ("/accounts/tokens/?page=x", "参数“page”应为 1 到 9223372036854775807 之间的整数。"),
        ("/accountability/commendations/?year=abc", "筛选条件有误：年度：输入整数。"),
    ],
)
def test_the_paged_lists_refuse_a_page_or_filter_that_is_no_number_with_400(region, login, county_user, url, message):
    response = login(county_user).get(url)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_commendation_list_finds_an_organization_only_within_the_scope(region, login, branch_secretary):
    for org in (region.village, region.birch):
        accountability.commend(
            actor=None, org=org, person_name="张一", year=2026, kind=CommendationKind.HONOUR, reason="工作突出"
        )
    client = login(branch_secretary)
    assert "共 1 条" in client.get("/accountability/commendations/").content.decode()
    # The town is above the secretary's branch: named, it is missing, not the secretary's own rows.
    assert "共 0 条" in client.get(f"/accountability/commendations/?org_code={region.town.code}").content.decode()


def test_a_one_character_member_search_pages_without_counting(region, login, county_user, monkeypatch):
    """A surname finds tens of thousands at a province; its count cost ten times its page (docs/performance.md).
    Such a list is paged without a total until a page ends it, and says so; two characters are counted as ever."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.members import views as member_views

    from conftest import make_member

    monkeypatch.setattr(member_views, "PAGE_SIZE", 2)
    for seq, name in enumerate(["林一", "林二", "林三", "林四", "林五"], start=20):
        make_member(region.village, name, seq)
    client = login(county_user)

    with CaptureQueriesContext(connection) as queries:
        first = client.get("/members/", {"q": "林"})
    member_counts = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "members_member" in q["sql"]
    ]
    assert not member_counts
    assert [m.name for m in first.context["page"]] == ["林一", "林二"]
    body = first.content.decode()
    assert "第 1–2 人，后面还有；只输入一个字时不统计总人数，输入两个字以上可统计。" in body
    assert "<span>第 1 页</span>" in body and "下一页" in body and "末页" not in body
    assert "q=%E6%9E%97&amp;page=2" in body  # the next page keeps the search

    second = client.get("/members/", {"q": "林", "page": 2})
    assert [m.name for m in second.context["page"]] == ["林三", "林四"]
    assert "第 3–4 人，后面还有" in second.content.decode()
    assert "上一页" in second.content.decode()

    last = client.get("/members/", {"q": "林", "page": 3})  # the page that ends the list knows the total
    assert [m.name for m in last.context["page"]] == ["林五"]
    assert "共 5 人" in last.content.decode() and "<span>第 3 / 3 页</span>" in last.content.decode()

    past = client.get("/members/", {"q": "林", "page": 9})  # past the end, as typed: counted, the last page shown
    assert [m.name for m in past.context["page"]] == ["林五"]
    huge = client.get("/members/", {"q": "林", "page": 2**63 - 1})  # its offset would overflow the database's
    assert huge.status_code == 200 and [m.name for m in huge.context["page"]] == ["林五"]

    counted = client.get("/members/", {"q": "林三"})
    assert "共 1 人" in counted.content.decode()
    whole = client.get("/members/")  # no search: the whole scope's total, from the roll-ups
    assert "共 9 人" in whole.content.decode()
    assert "<span>第 1 / 5 页</span>" in whole.content.decode()  # 王春生, 李秋实, 赵冬梅, 孙白桦 and the five 林


def member_counts_asked(client, url: str, **params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url, params)
    asked = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "members_member" in q["sql"]]
    return answer.content.decode(), asked


def test_the_unfiltered_member_list_reads_its_total_from_the_roll_ups(region, login, county_user, monkeypatch):
    """Counting a county's members cost the database 4 ms on every page and a station's five villages 45 ms
    (docs/performance.md); the roll-ups kept with every member write hold the same number."""
    from dangjian.core import paging
    from dangjian.members.services import delete_member, transfer_member

    from conftest import make_member

    client = login(county_user)
    body, asked = member_counts_asked(client, "/members/")
    assert not asked and "共 4 人" in body  # 漠北县: 王春生, 李秋实, 赵冬梅 (青松村) and 孙白桦 (白桦村)

    newcomer = make_member(region.birch, "钱新来", 30)
    transfer_member(newcomer, to_org=region.village, actor=county_user, reason="工作调动")
    leaving = make_member(region.birch, "周离开", 31)
    delete_member(leaving, actor=county_user)
    body, asked = member_counts_asked(client, "/members/")
    assert not asked and "共 5 人" in body

    # Past the cap the exact total is still said, and paging stops at the cap as for a counted list.
    monkeypatch.setattr(paging, "LIST_CAP", 2)
    body, asked = member_counts_asked(client, "/members/")
    assert not asked and "共 5 人，仅列出前 2 人，请用上面的条件缩小范围。" in body
    huge = client.get(
        "/members/", {"page": 2**63 - 1}
    )  # past the cap, as typed: the cap's last page, no OFFSET overflow
    assert huge.status_code == 200 and huge.context["page"].number == 1 and len(huge.context["page"]) == 2

    # A filter narrows the list below the scope: its own rows are counted, as ever (here the one page is the count).
    monkeypatch.setattr(paging, "LIST_CAP", 10_000)
    body, _ = member_counts_asked(client, "/members/", org_code=region.village.code)
    assert "共 4 人" in body  # 青松村's three and 钱新来


def test_a_station_accounts_member_total_is_its_villages(station, station_user, login):
    from dangjian.members.models import Member

    from conftest import make_member

    make_member(station.villages.get(code="T-RED"), "红星新党员", 40)
    body, asked = member_counts_asked(login(station_user), "/members/")
    assert not asked
    assert Member.objects.filter(org__in=station.villages.all()).count() == 5
    assert "共 5 人" in body  # 青松村's three, 孙白桦 and the new one of 红星村
