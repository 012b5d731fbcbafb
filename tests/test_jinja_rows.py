"""The list pages' rows rendered by Jinja2 (core/jinja.py, `{% rows %}`) read as Django's engine would show them: the
same filters, the same escaping of what users typed, every named template present."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Template, engines

from dangjian.members.models import Member
from dangjian.partylife.choices import MeetingKind
from dangjian.partylife.services import Presence, record_meeting
from dangjian.problems import services as problems
from dangjian.rectify import services as rectify
from dangjian.rectify.models import Case

from conftest import make_member

SRC = Path(__file__).resolve().parents[1] / "src" / "dangjian"
HOSTILE = "<b>\"王&'</b>"
ESCAPED = "&lt;b&gt;"  # both engines write the tag as text; quotes are escaped by each in its own (valid) spelling

AWARE = datetime.datetime(2026, 12, 6, 23, 30, tzinfo=datetime.UTC)  # 12-07 07:30 in Asia/Shanghai


def jinja(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


def django(source: str, **context) -> str:
    return Template("{% load humanize pages %}" + source).render(Context(context))


@pytest.mark.parametrize("value", [datetime.date(2026, 12, 6), datetime.date(1901, 1, 2), AWARE, None, ""])
def test_a_day_reads_the_same_in_both_engines(value):
    assert jinja('{{ d|ymd or "—" }}', d=value) == django('{{ d|ymd|default:"—" }}', d=value)


def test_a_time_is_shown_in_local_time_as_django_shows_it():
    shown = jinja('{{ t|date("n月j日 H:i") }}', t=AWARE)
    assert shown == django('{{ t|date:"n月j日 H:i" }}', t=AWARE) == "12月7日 07:30"


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        (Member(gender="male", status="full"), "gender"),
        (Member(status="不在选项中"), "status"),
        (Case(source="manual", status="open", kind=""), "kind"),
    ],
)
def test_a_choice_label_reads_the_same_in_both_engines(obj, field):
    assert jinja('{{ o|label(f) or "—" }}', o=obj, f=field) == django('{{ o|label:f|default:"—" }}', o=obj, f=field)


@pytest.mark.parametrize("value", ["短", "一二三四五六七八九十" * 5, HOSTILE * 10])
def test_a_long_title_is_cut_as_django_cuts_it(value):
    assert jinja("{{ t|truncatechars(40) }}", t=value).replace("&#34;", "&quot;").replace("&#39;", "&#x27;") == (
        django("{{ t|truncatechars:40 }}", t=value)
    )


@pytest.mark.parametrize("value", [True, False, None])
def test_yes_or_no_reads_the_same(value):
    assert jinja('{{ v|yesno("是,否") }}', v=value) == django('{{ v|yesno:"是,否" }}', v=value)


def test_a_row_link_is_the_page_links():
    assert jinja("{{ row_url('members:detail', 7) }}") == django("{% row_url 'members:detail' 7 %}") == "/members/7/"


def test_every_rows_template_a_page_names_exists_and_compiles():
    named = set()
    for page in SRC.glob("*/templates/**/*.html"):
        named |= set(re.findall(r'{% rows "([^"]+)" %}', page.read_text()))
    assert {"members/rows.html", "problems/rows.html", "rectify/rows.html", "partylife/meeting_rows.html"} <= named
    for name in named:
        engines["jinja2"].get_template(name)  # raises if missing or not valid Jinja2


def test_what_users_typed_is_shown_as_text_in_every_list(region, county_user, login):
    member = make_member(region.village, "王" + HOSTILE[:8], 9)
    problem = problems.record_problem(
        region.village,
        title="漏雨" + HOSTILE,
        category="infrastructure",
        level="station_village",
        owner_name="王春生",
        deadline=datetime.date.today() + datetime.timedelta(days=10),
        actor=county_user,
    )
    people = [Presence(m, True) for m in Member.objects.filter(org=region.village)]
    meeting = record_meeting(
        actor=None,
        org=region.village,
        kind=MeetingKind.ASSEMBLY,
        date=datetime.date(2026, 11, 3),
        topic="学习" + HOSTILE,
        people=people,
    )
    case = rectify.open_case(region.village, year=2026, source="manual", actor=county_user, reasons=["上级指定"])
    client = login(county_user)

    members = client.get("/members/").content.decode()
    assert f'<a href="/members/{member.pk}/">' in members and "王&lt;b&gt;" in members and "<b>" not in members
    assert f'<a href="/orgs/{region.village.pk}/">青松村党支部</a>' in members

    listed = client.get("/problems/").content.decode()
    assert f'<a href="/problems/{problem.pk}/">漏雨{ESCAPED}' in listed and "<b>" not in listed
    assert "<td>道路水电设施</td>" in listed

    meetings = client.get("/partylife/").content.decode()
    assert f'<a href="/partylife/meetings/{meeting.pk}/">2026-11-03</a>' in meetings
    assert f"学习{ESCAPED}" in meetings and "<b>" not in meetings

    cases = client.get("/rectify/").content.decode()
    assert f'<a href="/rectify/{case.pk}/">青松村党支部</a> <span class="muted mono">T-VILLAGE</span>' in cases
