"""The first page of a list is read before it is counted: what a user sees is the same, one query fewer when the
list fits on that page."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.paging import CappedPaginator, page_of
from dangjian.members.models import Member

from conftest import make_member


def counts_in(captured) -> int:
    return sum("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_a_search_that_fits_on_a_page_is_counted_from_its_rows(region, county_user, login):
    client = login(county_user)
    client.get("/")  # the session's first page counts its unread notices once
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/members/", {"q": "王春生"})
    assert [m.name for m in page.context["page"]] == ["王春生"]
    assert page.context["page"].paginator.count == 1
    assert "共 1 人" in page.content.decode() or "1 人" in page.content.decode()
    assert counts_in(captured) == 0  # the page's one row is the whole answer
    assert client.get("/members/", {"q": "无此人"}).context["page"].paginator.count == 0


def test_a_list_longer_than_a_page_is_still_counted_and_paged(region, county_user, login):
    for seq in range(100, 160):
        make_member(region.birch, f"成员{seq}", seq)
    client = login(county_user)
    client.get("/")
    county = {"org_code": region.north.code}  # filtered: counted (the whole scope's total is the roll-ups')
    with CaptureQueriesContext(connection) as captured:
        first = client.get("/members/", county)
    assert len(first.context["page"]) == 50 and first.context["page"].paginator.count == 64
    assert first.context["page"].has_next()
    assert counts_in(captured) == 1
    second = client.get("/members/", {**county, "page": 2})
    assert len(second.context["page"]) == 14 and second.context["page"].paginator.count == 64
    assert not second.context["page"].has_next()


def test_the_first_page_of_a_list_of_exactly_a_page(region, rf):
    rows = Member.objects.filter(org__path__startswith=region.north.path).order_by("id")  # four members
    paginator = CappedPaginator(rows, 4)
    page = page_of(paginator, rf.get("/"))
    assert len(page) == 4 and paginator.count == 4 and paginator.num_pages == 1 and not page.has_next()
    empty = CappedPaginator(rows.none(), 4)
    page = page_of(empty, rf.get("/"))
    assert len(page) == 0 and empty.count == 0 and empty.num_pages == 1
    assert page.start_index() == 0 and page.end_index() == 0
