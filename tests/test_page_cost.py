"""The cheaper ways the list pages render (core/templatetags/pages.py, core/filters.py) give exactly what the plain
Django ways give: the same links, dates, selects and top bar."""

from __future__ import annotations

import copy
import datetime

import pytest
from django import forms
from django.contrib.auth.models import User
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

from dangjian.accounts.duties import Duty
from dangjian.accounts.services import assign_duty, grant_org
from dangjian.core.filters import FILTER_RENDERER, INLINE_SELECT
from dangjian.core.scope import Role
from dangjian.core.templatetags.pages import label, row_url_of
from dangjian.members.filtersets import MemberFilterSet
from dangjian.members.models import Member
from dangjian.problems.choices import Category
from dangjian.problems.models import Problem
from dangjian.rectify.models import Case
from test_filter_scope_walk import list_routes

from conftest import settled

ROW_ROUTES = [
    "members:detail",
    "orgs:detail",
    "problems:detail",
    "rectify:detail",
    "partylife:meeting",
    "weekly:town",
    "weekly:station",
    "weekly:report",
]


@pytest.mark.parametrize("route", ROW_ROUTES)
@pytest.mark.parametrize("pk", [1, 7, 91827, 9_223_372_036_854_775_807])
def test_a_row_link_is_the_one_url_gives(route, pk):
    assert row_url_of(route, pk) == reverse(route, args=[pk])


def test_a_row_link_follows_the_script_prefix_of_an_installation_under_a_path():
    try:
        set_script_prefix("/dangjian/")
        assert row_url_of("members:detail", 5) == "/dangjian/members/5/" == reverse("members:detail", args=[5])
    finally:
        set_script_prefix("/")
    assert row_url_of("members:detail", 5) == "/members/5/"


def test_a_fixed_url_tag_remembers_its_address_per_script_prefix():
    page = Template(
        "{% url 'members:list' %} {% url 'sheets:import' 'members' %} {% url 'cadence:list' as x %}[{{ x }}]"
    )
    node = page.nodelist[0]
    assert type(node).__name__ == "FixedURLNode" and node.fixed  # the builtin stands for Django's `url`

    def plain():
        return f"{reverse('members:list')} {reverse('sheets:import', args=['members'])} [{reverse('cadence:list')}]"

    assert page.render(Context()) == plain() == "/members/ /sheets/import/members/ [/notifications/]"
    assert page.render(Context()) == plain()  # the second time from what it remembered
    try:
        set_script_prefix("/dangjian/")
        assert (
            page.render(Context())
            == plain()
            == ("/dangjian/members/ /dangjian/sheets/import/members/ [/dangjian/notifications/]")
        )
    finally:
        set_script_prefix("/")
    assert page.render(Context()) == plain()


def test_a_url_tag_with_a_variable_is_reversed_each_time():
    page = Template("{% url 'members:detail' pk %}")
    assert not page.nodelist[0].fixed
    assert [page.render(Context({"pk": pk})) for pk in (5, 6)] == ["/members/5/", "/members/6/"]


def test_a_row_link_refuses_what_is_not_a_whole_number():
    with pytest.raises(ValueError):
        row_url_of("members:detail", "5/../../admin")


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(2026, 12, 6),
        datetime.date(1901, 1, 2),
        datetime.datetime(2026, 12, 6, 23, 30, tzinfo=datetime.UTC),
        None,
        "",
    ],
)
def test_a_day_shows_as_the_date_filter_shows_it(value):
    plain = Template('{{ d|date:"Y-m-d"|default:"—" }}').render(Context({"d": value}))
    fast = Template('{% load pages %}{{ d|ymd|default:"—" }}').render(Context({"d": value}))
    assert fast == plain


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        (Member(gender="male", status="full"), "gender"),
        (Member(status="probationary"), "status"),
        (Member(status="不在选项中"), "status"),  # an unknown value shows as itself, as get_FOO_display does
        (Case(source="manual", status="open", kind=""), "kind"),
        (Case(source="manual", status="open"), "source"),
        (Problem(category="environment", level="station_village"), "category"),
        (Problem(category="environment", level="station_village"), "level"),
    ],
)
def test_a_choice_label_is_the_one_django_shows(obj, field):
    assert label(obj, field) == getattr(obj, f"get_{field}_display")()
    shown = Template('{% load pages %}{{ o|label:f|default:"—" }}').render(Context({"o": obj, "f": field}))
    assert shown == Template(f'{{{{ o.get_{field}_display|default:"—" }}}}').render(Context({"o": obj}))


CHOICES = [("", "---------"), *Category.choices, ("组", [("a", "甲"), ("b", "乙")])]


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (lambda: forms.Select(choices=CHOICES), ""),
        (lambda: forms.Select(choices=CHOICES), "environment"),
        (lambda: forms.Select(choices=CHOICES), "b"),
        (lambda: forms.Select(choices=CHOICES), "nonsense"),
        (lambda: forms.SelectMultiple(choices=CHOICES), ["party", "a"]),
        (lambda: forms.NullBooleanSelect(), None),
        (lambda: forms.NullBooleanSelect(), "true"),
        (lambda: forms.NullBooleanSelect(), False),
    ],
)
def test_the_filters_select_is_the_html_of_djangos(widget, value):
    plain, fast = widget(), widget()
    fast.template_name = INLINE_SELECT
    shown = fast.render("category", value, attrs={"id": "x"}, renderer=FILTER_RENDERER)
    assert shown == plain.render("category", value, attrs={"id": "x"})


def test_the_list_filters_use_the_inline_select(rf):
    form = MemberFilterSet({"status": "full"}, queryset=Member.objects.none(), request=rf.get("/")).form
    assert form.fields["status"].widget.template_name == INLINE_SELECT
    assert form.fields["is_mobile"].widget.template_name == INLINE_SELECT
    assert form.fields["q"].widget.template_name != INLINE_SELECT
    assert form.renderer is FILTER_RENDERER


FILTERSETS = sorted({filterset for _, _, filterset in list_routes()}, key=lambda f: f.__qualname__)


@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f"{f.__module__}.{f.__qualname__}")
def test_each_requests_filters_answer_to_its_own_filterset_and_user(filterset, rf):
    """Filters are copied shallowly for each request (core.filters.SharedFilters): every filter, and every method
    a filter calls, must still belong to that request's FilterSet, never to another's (another user's scope)."""
    first, second = (filterset({}, request=rf.get("/")) for _ in range(2))
    for name, mine in first.filters.items():
        theirs = second.filters[name]
        assert mine is not theirs and mine is not filterset.base_filters[name]
        assert mine.parent is first and theirs.parent is second
        if isinstance(mine.method, str):
            assert mine.filter.f is mine
            assert mine.filter.method == getattr(first, mine.method)
            assert theirs.filter.method == getattr(second, mine.method)
        assert first.form.fields[name] is not second.form.fields[name]


@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f"{f.__module__}.{f.__qualname__}")
def test_a_filter_forms_errors_are_its_own_and_its_html_is_djangos(filterset, rf):
    """A form whose fields were copied shallowly renders as one whose fields Django deep-copied, and a bad value in
    one request's form leaves the next request's form clean."""
    bad = {name: "x" * 300 + "\x00" for name in filterset.base_filters}
    spoiled = filterset(bad, request=rf.get("/"))
    spoiled.form.is_valid()
    clean = filterset({}, request=rf.get("/"))
    assert clean.form.is_valid(), clean.form.errors
    form_class = type(clean.form)
    deep = form_class.__new__(form_class)
    forms.Form.__init__(deep, {}, prefix=clean.form.prefix, renderer=FILTER_RENDERER)
    deep.fields = {name: copy.deepcopy(field) for name, field in form_class.base_fields.items()}
    for name in form_class.base_fields:
        assert str(clean.form[name]) == str(deep[name])


def test_the_top_bar_shows_each_duty_its_own_links(county_user, region, login):
    plain = login(county_user).get("/members/").content.decode()
    assert 'href="/members/"' in plain and 'href="/rectify/"' in plain
    assert "用户管理" not in plain and "审计日志" not in plain
    secadmin = settled(User.objects.create_user("nav_secadmin"))
    assign_duty(secadmin, Duty.SECADMIN, actor=None)
    grant_org(secadmin, region.city, Role.READ)
    page = login(secadmin).get("/members/").content.decode()
    assert 'href="/accounts/users/"' in page or "用户管理" in page
    assert "审计日志" not in page
    # the county user's top bar, kept for its own set of duties, did not change
    assert login(county_user).get("/members/").content.decode().count("用户管理") == 0


def test_a_page_with_duties_of_its_own_keeps_the_top_bars_links(region, login):
    # The responsibility lists' review page has a `duties` of its own (a post holder's); the top bar reads the
    # user's duties from `user_duties` and shows a security administrator's link there too.
    secadmin = settled(User.objects.create_user("nav_secadmin_review"))
    assign_duty(secadmin, Duty.SECADMIN, actor=None)
    grant_org(secadmin, region.city, Role.READ)
    page = login(secadmin).get(f"/duties/orgs/{region.village.pk}/review/")
    assert page.status_code == 200
    assert "用户管理" in page.content.decode()
