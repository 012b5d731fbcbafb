"""What every page and every list row shows, rendered without redoing per row or per request what cannot change.

- `{% row_url "members:detail" m.pk %}`: the link of one row. `{% url %}` resolves the route anew for each row (a
  list page of 50 rows with two links each spent a third of its rendering there); a route that takes one whole
  number is reversed once per process, with a marker number, and each row's number is put in the marker's place.
  The result is the one `{% url %}` gives: tests/test_page_cost.py holds them equal for every route a list uses.
- `{{ d|ymd }}`: a date as 2026-12-06, what `|date:"Y-m-d"` shows, without going through the localized formatter
  for each cell (a tenth of a member row's cost); "" for no date, so `|default:"—"` still applies.
- `{{ m|label:"status" }}`: a field's choice label, what `m.get_status_display` gives; Django's builds the field's
  dictionary of choices anew on every call, here it is built once per field.
- `{% rows "members/rows.html" %}`: a list's rows, rendered by the Jinja2 engine (core/jinja.py) with the page's
  context: Django's engine interpreting 50 rows of cells was half a list page's CPU.
- `{% main_nav %}`: the top bar's links. They depend only on the user's duties (three optional links) and on the
  URL configuration, so they are rendered once per process for each set of duties rather than on every page.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from django import template
from django.template import engines
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.safestring import mark_safe

register = template.Library()

_MARKER = 918_273_645_546_372_819  # a whole number no route's fixed text contains


@lru_cache(maxsize=256)
def _around(viewname: str, prefix: str, urlconf: str | None) -> tuple[str, str]:
    """The route's URL before and after its one number (`prefix` and `urlconf` key the cache: both are what
    `reverse` reads besides the name)."""
    url = reverse(viewname, args=[_MARKER], urlconf=urlconf)
    head, marker, tail = url.rpartition(str(_MARKER))
    if not marker:
        raise template.TemplateSyntaxError(f"{viewname} 的地址中没有编号参数")
    return head, tail


def row_urls():
    """`row_url_of` for the rows of one page: the script prefix and URL configuration (thread-local lookups) read
    once, not for each of a page's hundred links."""
    prefix, urlconf = get_script_prefix(), get_urlconf()

    def row_url(viewname: str, pk) -> str:
        head, tail = _around(viewname, prefix, urlconf)
        return f"{head}{int(pk)}{tail}"

    return row_url


def row_url_of(viewname: str, pk) -> str:
    """`reverse(viewname, args=[pk])` for a route whose one argument is a whole number (`<int:pk>`)."""
    return row_urls()(viewname, pk)


@register.simple_tag
def row_url(viewname: str, pk) -> str:
    return row_url_of(viewname, pk)


@register.filter(expects_localtime=True, is_safe=False)
def ymd(value) -> str:
    if value is None or value == "":
        return ""
    if type(value) is datetime.date:
        return value.isoformat()
    return date_filter(value, "Y-m-d")  # a datetime (in local time, as `date` has it) or anything else: as `date` does


@lru_cache(maxsize=512)
def _choices(model, name: str) -> tuple[str, dict]:
    field = model._meta.get_field(name)
    return field.attname, dict(make_hashable(field.flatchoices))


@register.filter
def label(obj, name: str) -> str:
    attname, choices = _choices(type(obj), name)
    value = getattr(obj, attname)
    return force_str(choices.get(make_hashable(value), value), strings_only=True)


@lru_cache(maxsize=64)
def _nav(duties: frozenset[str], prefix: str, urlconf: str | None) -> str:
    return render_to_string("core/_nav.html", {"duties": duties})


@register.simple_tag(takes_context=True)
def main_nav(context) -> str:
    duties = frozenset(context.get("user_duties") or ())  # accounts.duties.duties_context
    return mark_safe(_nav(duties, get_script_prefix(), get_urlconf()))  # noqa: S308 - our own template's output


@register.simple_tag(takes_context=True)
def rows(context, name: str) -> str:
    # Jinja2 keeps its compiled templates (its own cache); its output is escaped as it is written (autoescape), so
    # it is safe as a whole.
    values = context.flatten() | {"row_url": row_urls()}
    return mark_safe(engines["jinja2"].get_template(name).render(values))  # noqa: S308 - our own template's output
