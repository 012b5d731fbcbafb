"""Every list's filters, pages and API alike, as a branch secretary: naming an organization outside the scope (an
ancestor, or one of the other county) answers exactly as naming one that does not exist. Before, `?org_code=` of the
town above answered with the branch's own rows and a missing code with none, which told the two apart.

The lists and their filters are read from the URL patterns and each view's `filterset_class`, so a new list or a new
filter is walked without being added here.
"""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_filters import BooleanFilter, ChoiceFilter, NumberFilter
from openpyxl import load_workbook

from dangjian.core.filters import ScopedFilterSet, ScopedRefFilter

MISSING_ID = "987654321"
MISSING_CODE = "T-NOWHERE"
PLACEHOLDER = "⟨所填的值⟩"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?|\d{4}年\d{1,2}月\d{1,2}日 ?\d{1,2}:\d{2}")


def list_routes(resolver=None, prefix="", namespace=""):
    """(name, url, FilterSet class) of every list that takes filters and no path argument."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from list_routes(entry, prefix + str(entry.pattern), ns)
            continue
        if not isinstance(entry, URLPattern):
            continue
        route = (prefix + str(entry.pattern)).replace("^", "").replace("$", "")
        if "<" in route or "(" in route or "\\" in route:
            continue  # takes an object or a format: not a list of its own
        callback = entry.callback
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        actions = getattr(callback, "actions", None)
        if actions is not None and actions.get("get") != "list":
            continue
        filterset = getattr(view, "filterset_class", None)
        if filterset is not None:
            yield f"{namespace}{entry.name}", "/" + route, filterset


ROUTES = sorted(list_routes())


def filter_values(filterset) -> list[tuple[str, str]]:
    """(parameter, "id" or "code") for each filter that could name an object: a number to every one, a code to those
    that take text."""
    named = {name: f for name, f in filterset.base_filters.items() if may_name_an_object(f)}
    return [(name, "id") for name in named] + [(name, "code") for name, f in named.items() if not _numeric(f)]


def may_name_an_object(f) -> bool:
    """Choices and yes/no have a vocabulary of their own, and a plain number filter compares a column that is no
    relation (test_a_filter_on_a_related_object_is_resolved_within_the_scope): none of them can name an organization.
    Text, and any filter with a method of its own, can."""
    if isinstance(f, (BooleanFilter, ChoiceFilter)):
        return False
    if isinstance(f, ScopedRefFilter) or f.method:
        return True
    return not isinstance(f, NumberFilter)


def _numeric(f) -> bool:
    return isinstance(f, NumberFilter) or (isinstance(f, ScopedRefFilter) and f.to_field == "pk")


CASES = [(name, url, param, kind) for name, url, filterset in ROUTES for param, kind in filter_values(filterset)]


@pytest.fixture
def branch_rows(region):
    """Rows of the branch's own beside its members: a rectification case and a talk, so that a filter resolving the
    town above would answer with them."""
    from dangjian.accountability import services as accountability
    from dangjian.rectify import services as rectify

    rectify.open_case(region.village, year=2026, source="inspection", actor=None, note="青松村督查发现问题")
    accountability.record_accountability(
        actor=None,
        org=region.village,
        person_name="王春生",
        kind="talk",
        date=datetime.date(2026, 3, 1),
        reason="组织生活不正常",
    )


@pytest.fixture
def secretary(branch_secretary, branch_rows):
    client = Client()
    client.force_login(branch_secretary)
    return client


def answer(client, url: str, param: str, value: str, others: list[str]) -> tuple[int, str]:
    """Status and body, the value sent (and the others compared with it) written the same way in every body."""
    response = client.get(url, {param: value})
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        body = b"".join(response.streaming_content)
        rows = load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True)
        text = "\n".join("|".join("" if cell is None else str(cell) for cell in row) for row in rows)
    else:
        text = response.content.decode()
    text = TIME.sub("⟨时间⟩", CSRF.sub('name="csrfmiddlewaretoken"', text))
    for each in sorted({value, *others}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(each)}(?![\w-])", PLACEHOLDER, text)
    return response.status_code, text


def test_the_walk_finds_the_lists_of_pages_and_api():
    names = {name for name, _, _ in ROUTES}
    assert {
        "members:list",
        "sheets:export_orgs",
        "sheets:export_members",
        "rectify:list",
        "rectify_bulletin:cases_export",
        "accountability:list",
        "accountability:export",
        "accountability:proposals",
        "org-list",
        "member-list",
        "case-list",
        "accountability-record-list",
        "accountability-proposal-list",
        "assessment-list",
    } <= names
    assert all(issubclass(filterset, ScopedFilterSet) for _, _, filterset in ROUTES)


@pytest.mark.parametrize(("name", "url", "param", "kind"), CASES, ids=[f"{c[0]}?{c[2]}={c[3]}" for c in CASES])
def test_an_organization_outside_the_scope_answers_like_a_missing_one(region, secretary, name, url, param, kind):
    ancestor, other_county = region.town, region.south_village
    if kind == "id":
        values = [str(ancestor.pk), str(other_county.pk), MISSING_ID]
    else:
        values = [ancestor.code, other_county.code, MISSING_CODE]
    missing = answer(secretary, url, param, values[-1], values)
    assert missing[0] < 500, (url, param, missing[0])
    for value in values[:-1]:
        assert answer(secretary, url, param, value, values) == missing, (url, param, value)


def test_a_filter_on_a_related_object_is_resolved_within_the_scope():
    """A plain NumberFilter or ModelChoiceFilter on a foreign key would resolve any id, in scope or not."""
    for name, _, filterset in ROUTES:
        model = filterset._meta.model
        for param, f in filterset.base_filters.items():
            if f.method or isinstance(f, ScopedRefFilter):
                continue
            field = f.field_name.split("__")[0]
            related = [x for x in model._meta.get_fields() if x.name == field and x.is_relation]
            assert not related, f"{name}: ?{param}= names {field} without resolving it within the user's scope"
